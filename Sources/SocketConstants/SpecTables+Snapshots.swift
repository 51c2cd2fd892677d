import SocketSnapshot

extension SpecTables {
    /// Every committed snapshot, parsed once, by triple. The build fails before a snapshot
    /// that does not parse could get here (the generator parses each one first), so one
    /// that does not is dropped rather than reported.
    static let parsedSnapshots: [String: Snapshot] =
        snapshots.compactMapValues { try? Snapshot(parsing: $0) }

    /// The triples with a committed snapshot, sorted.
    public static var triples: [String] { parsedSnapshots.keys.sorted() }

    /// The probe's facts for `triple` (every constant and struct layout), or `nil` when no
    /// snapshot of that triple was committed.
    public static func snapshot(for triple: String = currentTriple) -> Snapshot? {
        parsedSnapshots[triple]
    }
}
