// socket-gen: probes C headers for what Spec/ names, writes snapshots, emits Swift.
// The build-tool plugin runs `socket-gen emit`; people run `socket-gen probe` (or the
// `regenerate` command plugin) to add a platform, and `socket-gen diff` to compare two.
import SocketGenKit
import SocketSnapshot
import SocketSpec

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

let usage = """
    usage:
      socket-gen probe --spec DIR [--triple T] [--sysroot DIR] [-I DIR]... [--kernel-headers DIR] [--output FILE]
          Probe one triple's headers and write its snapshot (stdout without --output).
          Without --sysroot or -I, the headers are where Debian's packages put them
          (/usr/<triple>/include; musl-dev's and the kernel's for *-linux-musl).
          --sysroot DIR searches DIR/include, -I adds directories after it, and
          --kernel-headers DIR adds the linux/, asm/ and asm-generic/ of a glibc-style
          include tree (/usr/include) after everything, alone.
      socket-gen emit --spec DIR --generated DIR --output FILE
          Emit the Swift of the generated module from the committed snapshots, probing the
          host live and saying so when its committed snapshot is stale.
      socket-gen check --spec DIR --generated DIR
          Probe the host live and fail when the committed host snapshot differs.
      socket-gen diff [--generated DIR] TRIPLE TRIPLE
          Print the names whose value, support or layout differs between two committed
          snapshots (DIR defaults to Generated).
    known triples: \(Triple.known.map(\.name).joined(separator: " "))
    """

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    printError(message)
    exit(1)
}

/// The command line after the subcommand: `--flag value` pairs and plain arguments.
struct Arguments {
    var options: [String: [String]] = [:]
    var positional: [String] = []

    init(_ arguments: [String]) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument.hasPrefix("-") {
                guard let value = rest.popFirst() else { fail("socket-gen: \(argument) needs a value\n\(usage)") }
                options[argument, default: []].append(value)
            } else {
                positional.append(argument)
            }
        }
    }

    func option(_ name: String) -> String? { options[name]?.last }

    func required(_ name: String, _ command: String) -> String {
        guard let value = option(name) else { fail("socket-gen \(command): \(name) is required\n\(usage)") }
        return value
    }
}

func triple(named name: String) throws -> Triple {
    guard let known = Triple.named(name) else {
        throw GeneratorError("unknown triple \(name); known: \(Triple.known.map(\.name).joined(separator: " "))")
    }
    return known
}

/// The header search `probe` uses: Debian's layout unless the command line names directories.
func headerSearch(for triple: Triple, _ arguments: Arguments) -> HeaderSearch {
    let explicit = (arguments.option("--sysroot").map { [$0 + "/include"] } ?? []) + (arguments.options["-I"] ?? [])
    var headers = explicit.isEmpty ? triple.debianHeaders() : HeaderSearch(directories: explicit)
    if let root = arguments.option("--kernel-headers") {
        headers.kernel = KernelHeaders(root: root, multiarch: triple.glibcSibling)
    }
    return headers
}

func run(_ command: String, _ arguments: Arguments) throws {
    switch command {
    case "probe":
        let spec = try SpecParser.load(directory: arguments.required("--spec", command))
        let target = try arguments.option("--triple").map(triple(named:)) ?? Triple.host
        let snapshot = try Probe(spec: spec, triple: target, headers: headerSearch(for: target, arguments)).run()
        if let output = arguments.option("--output") {
            try FileSystem.write(snapshot.text, to: output)
        } else {
            print(snapshot.text, terminator: "")
        }
    case "emit":
        let spec = try SpecParser.load(directory: arguments.required("--spec", command))
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: arguments.required("--generated", command))
        for warning in plan.warnings { printError("warning: \(warning)") }
        try FileSystem.write(Emitter(spec: spec, plan: plan).emit(), to: arguments.required("--output", command))
    case "check":
        let spec = try SpecParser.load(directory: arguments.required("--spec", command))
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: arguments.required("--generated", command))
        if !plan.warnings.isEmpty { fail(plan.warnings.joined(separator: "\n")) }
        print("socket-gen: the committed \(Triple.host.name) snapshot matches the live probe")
    case "diff":
        guard arguments.positional.count == 2 else { fail("socket-gen diff: name two triples\n\(usage)") }
        let directory = arguments.option("--generated") ?? "Generated"
        let a = try GenerationPlan.committedSnapshot(arguments.positional[0], in: directory)
        let b = try GenerationPlan.committedSnapshot(arguments.positional[1], in: directory)
        let differences = a.differences(from: b)
        print("\(differences.count) differences, \(a.triple) vs \(b.triple):")
        for line in differences { print(line) }
    default:
        fail(usage)
    }
}

let commandLine = Array(CommandLine.arguments.dropFirst())
guard let command = commandLine.first else { fail(usage) }
do {
    try run(command, Arguments(Array(commandLine.dropFirst())))
} catch {
    fail("\(error)")
}
