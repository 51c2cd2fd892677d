// socket-gen: probes C headers for what Spec/ names, writes snapshots, emits Swift.
// The build-tool plugin runs `socket-gen emit`; people run `socket-gen probe` to add a platform.
import SocketGenKit
import SocketSpec

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

let usage = """
    usage:
      socket-gen probe --spec DIR [--triple T] [--sysroot DIR] [-I DIR]... [--output FILE]
          Probe one triple's headers and write its snapshot (stdout without --output).
      socket-gen emit --spec DIR --generated DIR --output FILE
          Emit the Swift of the generated module from the committed snapshots, probing the
          host live and saying so when its committed snapshot is stale.
      socket-gen check --spec DIR --generated DIR
          Probe the host live and fail when the committed host snapshot differs.
    """

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    printError(message)
    exit(1)
}

func run(_ command: String, _ options: [String: [String]]) throws {
    func option(_ name: String) -> String? { options[name]?.last }
    func required(_ name: String) -> String {
        guard let value = option(name) else { fail("socket-gen \(command): \(name) is required\n\(usage)") }
        return value
    }
    switch command {
    case "probe":
        let spec = try SpecParser.load(directory: required("--spec"))
        var triple = Triple.host
        if let name = option("--triple") {
            guard let known = Triple.named(name) else {
                throw GeneratorError("unknown triple \(name); known: \(Triple.known.map(\.name).joined(separator: " "))")
            }
            triple = known
        }
        let snapshot = try Probe(spec: spec, triple: triple, sysroot: option("--sysroot"),
                                 includeDirectories: options["-I"] ?? []).run()
        if let output = option("--output") {
            try FileSystem.write(snapshot.text, to: output)
        } else {
            print(snapshot.text, terminator: "")
        }
    case "emit":
        let spec = try SpecParser.load(directory: required("--spec"))
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: required("--generated"))
        for warning in plan.warnings { printError("warning: \(warning)") }
        try FileSystem.write(Emitter(spec: spec, plan: plan).emit(), to: required("--output"))
    case "check":
        let spec = try SpecParser.load(directory: required("--spec"))
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: required("--generated"))
        if !plan.warnings.isEmpty { fail(plan.warnings.joined(separator: "\n")) }
        print("socket-gen: the committed \(Triple.host.name) snapshot matches the live probe")
    default:
        fail(usage)
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail(usage) }
arguments.removeFirst()
var options: [String: [String]] = [:]
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard flag.hasPrefix("-"), !arguments.isEmpty else { fail("socket-gen: unexpected '\(flag)'\n\(usage)") }
    options[flag, default: []].append(arguments.removeFirst())
}
do {
    try run(command, options)
} catch {
    fail("\(error)")
}
