import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory regenerate [--triple T]... [probe options]`
///
/// Runs `socket-gen probe` for each named triple, or for every triple that has a committed
/// snapshot when none is named, and writes `Generated/<triple>.snapshot`. Any other argument
/// (`--sysroot DIR`, `-I DIR`, `--kernel-headers DIR`) is passed to each probe; without them
/// the probe reads the headers where Debian's packages put them.
@main
struct RegeneratePlugin: CommandPlugin {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func performCommand(context: PluginContext, arguments: [String]) throws {
        var extractor = ArgumentExtractor(arguments)
        var triples = extractor.extractOption(named: "triple")
        let probeOptions = extractor.remainingArguments
        let package = context.package.directoryURL
        let generated = package.appending(path: "Generated")
        if triples.isEmpty {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: generated.path)) ?? []
            triples = names.filter { $0.hasSuffix(".snapshot") }.map { String($0.dropLast(".snapshot".count)) }.sorted()
        }
        guard !triples.isEmpty else { throw Failure(description: "regenerate: no --triple and no Generated/*.snapshot") }
        try FileManager.default.createDirectory(at: generated, withIntermediateDirectories: true)

        let tool = try context.tool(named: "socket-gen").url
        for triple in triples {
            let output = generated.appending(path: "\(triple).snapshot")
            let process = Process()
            process.executableURL = tool
            process.arguments = ["probe", "--spec", package.appending(path: "Spec").path, "--triple", triple,
                                 "--output", output.path] + probeOptions
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw Failure(description: "regenerate: socket-gen probe failed for \(triple)")
            }
            print("regenerate: wrote Generated/\(triple).snapshot")
        }
    }
}
