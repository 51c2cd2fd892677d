import Foundation
import PackagePlugin

/// Runs `socket-gen emit` for the target it is applied to, with every `Spec/*.tbl` and
/// `Generated/*.snapshot` as inputs, so that the build runs it again exactly when one of them
/// (or the generator) changes.
@main
struct SocketGenPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let spec = package.appending(path: "Spec")
        let generated = package.appending(path: "Generated")
        let output = context.pluginWorkDirectoryURL.appending(path: "\(target.name).generated.swift")
        let inputs = try files(in: spec, suffix: ".tbl") + files(in: generated, suffix: ".snapshot")
        return [
            .buildCommand(
                displayName: "socket-gen: probing headers and emitting \(target.name)",
                executable: try context.tool(named: "socket-gen").url,
                arguments: ["emit", "--spec", spec.path, "--generated", generated.path, "--output", output.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }

    func files(in directory: URL, suffix: String) throws -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { directory.appending(path: $0) }
    }
}
