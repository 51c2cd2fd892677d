import SocketSnapshot

extension SpecTables {
    /// Every committed snapshot, parsed once, by triple. The build fails before a snapshot
    /// that does not parse could get here (the generator parses each one first), so one
    /// that does not is dropped rather than reported.
    static let parsedSnapshots: [String: Snapshot] =
        snapshots.compactMapValues { try? Snapshot(parsing: $0) }

    /// The triples with a committed snapshot, sorted.
    public static var triples: [String] { parsedSnapshots.keys.sorted() }

    /// This platform's snapshot, parsed by itself on first use: what the library and the
    /// CLI ask about is nearly always this platform, and parsing all nine takes ten times
    /// as long (40 ms in a debug build).
    static let currentSnapshot: Snapshot? = snapshots[currentTriple].flatMap { try? Snapshot(parsing: $0) }

    /// The probe's facts for `triple` (every constant and struct layout), or `nil` when no
    /// snapshot of that triple was committed.
    public static func snapshot(for triple: String = currentTriple) -> Snapshot? {
        triple == currentTriple ? currentSnapshot : parsedSnapshots[triple]
    }
}
