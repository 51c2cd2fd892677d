import ArgumentParser
import SocketConstants

/// `otp-socket is-supported KEY1 [KEY2 [KEY3]]`: Erlang's `socket:is_supported/1,2,3`;
/// prints `true` or `false` and exits 0 or 1, for scripts.
struct IsSupportedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "is-supported",
        abstract: "Whether the platform's headers define a feature, as socket:is_supported/1,2,3 answers; exits 0 if so, 1 if not.",
        discussion: """
            Examples: `is-supported ipv6`, `is-supported msg_flags peek`, \
            `is-supported options tcp user_timeout` (Erlang: is_supported(options, {tcp, user_timeout})). \
            With --kernel: whether this machine's kernel accepts sctp, ipv6, local or netns.
            """
    )

    @Argument(help: ArgumentHelp("A key of supports(), then an entry of it, and for options a level and an option.",
                                 valueName: "key"))
    var keys: [String]

    @Flag(help: "Ask the running kernel instead of the headers (keys: sctp, ipv6, local, netns).")
    var kernel = false

    @OptionGroup var platform: PlatformOptions

    func validate() throws {
        guard (1...3).contains(keys.count) else { throw ValidationError("is-supported takes one to three keys") }
        if kernel {
            try platform.requireThisMachine(for: "--kernel")
            guard keys.count == 1, KernelSupport.keys.contains(keys[0]) else {
                throw ValidationError("--kernel answers one of \(KernelSupport.keys.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        let triple = platform.triple
        let answer: Bool
        switch keys.count {
        case 1 where kernel: answer = KernelSupport.answer(for: keys[0])!.isSupported
        case 1: answer = Supports.isSupported(keys[0], triple: triple)
        case 2: answer = Supports.isSupported(keys[0], keys[1], triple: triple)
        default: answer = Supports.isSupported(keys[0], keys[1], keys[2], triple: triple)
        }
        print(answer)
        if !answer { throw ExitCode(1) }
    }
}
