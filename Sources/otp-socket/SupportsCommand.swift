import ArgumentParser
import SocketConstants

/// `otp-socket supports [KEY1 [KEY2]]`: Erlang's `socket:supports/0,1,2`, for people or as
/// JSON, with what this machine's kernel accepts beside what the headers define.
struct SupportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supports",
        abstract: "What the platform's headers define, as socket:supports/0,1,2 answers, and what this kernel accepts.",
        discussion: """
            Keys as in Erlang: ioctl_requests, ioctl_flags, options, msg_flags, protocols (lists); \
            sctp, ipv6, local, netns, sendfile (booleans). `supports options tcp` lists level tcp's \
            options. An unknown key answers nothing, as Erlang answers [].
            """
    )

    @Argument(help: ArgumentHelp("A key of supports(), and for options a level.", valueName: "key"))
    var keys: [String] = []

    @Flag(help: "Print JSON: without keys, one object whose keys are exactly supports()'s.")
    var json = false

    @Flag(help: "With --json: add the running kernel's answers (sctp, ipv6, local, netns) under \"kernel\".")
    var kernel = false

    @OptionGroup var platform: PlatformOptions

    func validate() throws {
        guard keys.count <= 2 else { throw ValidationError("supports takes at most two keys") }
        if kernel {
            guard json else { throw ValidationError("--kernel is for --json; the table always shows the kernel's answers") }
            guard keys.isEmpty else { throw ValidationError("--kernel adds to the whole supports() object; give no keys") }
            try platform.requireThisMachine(for: "--kernel")
        }
    }

    func run() throws {
        let triple = platform.triple
        let value: SupportsValue?
        switch keys.count {
        case 0: value = .list(Supports.supports(triple: triple))
        case 1: value = Supports.supports(triple: triple)[key: keys[0]]
        default: value = .list(Supports.supports(keys[0], keys[1], triple: triple))
        }
        if json {
            var rendered = value.map(JSONValue.init) ?? .object([:])
            if kernel, case .object(var members) = rendered {
                members["kernel"] = .object(Dictionary(uniqueKeysWithValues: KernelSupport.keys.map {
                    ($0, .bool(KernelSupport.answer(for: $0)!.isSupported))
                }))
                rendered = .object(members)
            }
            print(rendered.rendered())
            return
        }
        guard let value, value != .list([]) else {
            printError("otp-socket: supports(\(keys.joined(separator: ", "))) is [] on \(triple): no such list")
            return
        }
        print(SupportsReport(triple: triple, askKernel: platform.isThisMachine).text(for: value, key: keys.last))
    }
}

extension JSONValue {
    /// A boolean, or an object of the entries.
    init(_ value: SupportsValue) {
        switch value {
        case .boolean(let flag): self = .bool(flag)
        case .list(let entries):
            self = .object(Dictionary(entries.map { ($0.key, JSONValue($0.value)) }, uniquingKeysWith: { first, _ in first }))
        }
    }
}
