import Foundation
import SocketGenKit

/// Debian's C compiler for one triple, as the snapshot checks run it: syntax and constant
/// evaluation only (`-fsyntax-only` still evaluates every `_Static_assert`), no warnings.
struct CCompiler {
    var triple: Triple
    var executable: String
    var arguments: [String]
    /// The musl kernel headers' links, kept while the compiler is in use.
    var staged: StagedDirectory?

    /// The compiler for `triple` on this machine, or why there is none.
    static func find(for triple: Triple) throws -> CCompiler {
        guard let name = triple.debianCompiler() else {
            throw Unavailable(description: "Debian has no C compiler for \(triple.name) on \(Triple.host.name)")
        }
        guard let executable = Command.find(name) else {
            throw Unavailable(description: "\(name) is not installed (Debian: \(triple.debianPackages().joined(separator: " ")))")
        }
        var compiler = CCompiler(triple: triple, executable: executable, arguments: ["-fsyntax-only", "-std=gnu11", "-w"])
        // musl-gcc sees musl's headers only; the kernel's come last, exactly as for the probe.
        if let kernel = triple.debianHeaders().kernel {
            let staged = try kernel.stage()
            compiler.arguments += ["-idirafter", staged.path]
            compiler.staged = staged
        }
        return compiler
    }

    /// Compiles `check` as `file` in `directory`; `nil` when the compiler did what the
    /// check expects, else what went wrong.
    func verify(_ check: StaticAssertCheck, as file: String, in directory: TemporaryDirectory) throws -> String? {
        let path = try directory.write(file, check.source)
        let run = try Command.run(executable, arguments + [path])
        let errors = CCompiler.errorLocations(run.errors)
        switch check.expectation {
        case .compiles:
            guard run.status != 0 else { return nil }
            return "\(triple.name): \(check.subject): \(URL(fileURLWithPath: executable).lastPathComponent) rejects it:\n"
                + run.errors.split(separator: "\n").prefix(40).joined(separator: "\n")
        case .failsOnlyAt(let line):
            if run.status == 0 {
                return "\(triple.name): \(check.subject): compiles, so the name exists there"
            }
            let elsewhere = errors.filter { $0.file != path || $0.line != line }
            if errors.isEmpty || !elsewhere.isEmpty {
                return "\(triple.name): \(check.subject): fails, but not only on its probe line \(line):\n"
                    + run.errors.split(separator: "\n").prefix(20).joined(separator: "\n")
            }
            return nil
        }
    }

    /// The `file:line` of every error GCC reports; an error without a location (from the
    /// driver) counts as one outside every file.
    static func errorLocations(_ stderr: String) -> [(file: String, line: Int)] {
        stderr.split(separator: "\n").compactMap { line in
            guard line.contains(" error: ") || line.hasSuffix(" error:") || line.contains(": fatal error: ") else { return nil }
            let parts = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            if parts.count >= 4, let number = Int(parts[1]), Int(parts[2]) != nil {
                return (String(parts[0]), number)
            }
            return ("", 0)
        }
    }
}
