import SocketSpec

/// A spec small enough to read in the test: one level, two structs, one value.
let baseFiles: [(name: String, text: String)] = [
    ("levels.tbl", "# name constant\nsocket  SOL_SOCKET\ntcp     IPPROTO_TCP\n"),
    ("structs-core.tbl", "linger l_onoff\nlinger l_linger\ntimeval -\n"),
    ("values.tbl", "Linger linger l_onoff onoff bool\nLinger linger l_linger linger int\n"),
]

/// `baseFiles` with `extra` added (or replacing a file of the same name).
func files(_ extra: (name: String, text: String)...) -> [(name: String, text: String)] {
    baseFiles.filter { base in !extra.contains { $0.name == base.name } } + extra
}

/// The error parsing `files` throws, or `nil` when it parses.
func parseError(_ files: [(name: String, text: String)]) -> SpecError? {
    do {
        _ = try SpecParser.parse(files: files)
        return nil
    } catch {
        return error
    }
}
