import ArgumentParser
import SocketConstants

/// `--triple T`: answer from that triple's committed snapshot instead of this build's.
struct PlatformOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Answer from this triple's committed snapshot (default: the one this was built for).",
                               valueName: "triple"))
    var triple: String = SpecTables.currentTriple

    func validate() throws {
        guard SpecTables.snapshot(for: triple) != nil else {
            throw ValidationError("no committed snapshot for '\(triple)'; known: \(SpecTables.triples.joined(separator: ", "))")
        }
    }

    /// Whether the answers are about the machine this runs on, so that asking its kernel
    /// makes sense.
    var isThisMachine: Bool { triple == SpecTables.currentTriple }

    func requireThisMachine(for flag: String) throws {
        guard isThisMachine else {
            throw ValidationError("\(flag) asks this machine's kernel, which runs \(SpecTables.currentTriple), not \(triple)")
        }
    }
}
