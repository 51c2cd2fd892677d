import SocketSpec

/// `SpecParser.parse(files:)`: tables of any text parse or fail with a ``SpecError`` that
/// names one of the files and a line inside it, as every parse error promises.
///
/// Input: files separated by NUL bytes; each file's first byte picks its table kind (the
/// file is named `<kind>-<n>.tbl`, or `bogus-<n>.tbl`), the rest is its text.
enum SpecParserTarget {
    /// The kinds a file can be, plus one the parser does not know.
    static let kinds = SpecParser.columns.keys.sorted() + ["bogus"]

    static func files(_ data: UnsafeRawBufferPointer) -> [(name: String, text: String)] {
        var files: [(name: String, text: String)] = []
        for (index, chunk) in data.split(separator: 0, omittingEmptySubsequences: false).enumerated() {
            let kind = kinds[Int(chunk.first ?? 0) % kinds.count]
            files.append(("\(kind)-\(index).tbl", String(decoding: chunk.dropFirst(), as: UTF8.self)))
        }
        return files
    }

    static func run(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let files = files(data)
        let lines = Dictionary(files.map { ($0.name, max(1, $0.text.split(separator: "\n", omittingEmptySubsequences: false).count)) },
                               uniquingKeysWith: { a, _ in a })
        func check(_ location: SpecLocation, _ what: String) throws(FuzzViolation) {
            guard let count = lines[location.file] else {
                throw FuzzViolation("\(what) names \(location.file), which is not one of \(files.map(\.name))")
            }
            guard (1...count).contains(location.line) else {
                throw FuzzViolation("\(what) names line \(location.line) of \(location.file), which has \(count) lines")
            }
        }
        let spec: Spec
        do throws(SpecError) {
            spec = try SpecParser.parse(files: files)
        } catch {
            try check(error.location, "error '\(error.message)'")
            // Parsing is independent of the order the files are given in.
            let reversed: SpecError?
            do throws(SpecError) {
                _ = try SpecParser.parse(files: files.reversed())
                reversed = nil
            } catch {
                reversed = error
            }
            guard reversed == error else {
                throw FuzzViolation("in order: \(error); in reverse order: \(reversed.map { "\($0)" } ?? "no error")")
            }
            return
        }
        // Every row comes from a line of a given file.
        for row in spec.options { try check(row.location, "option {\(row.level), \(row.name)}") }
        for row in spec.controlMessages { try check(row.location, "control message {\(row.level), \(row.name)}") }
        for row in spec.constants { try check(row.location, "constant \(row.name)") }
        for value in spec.values {
            for member in value.members { try check(member.location, "field \(member.field) of \(value.name)") }
        }
        for row in spec.levels + spec.domains + spec.types + spec.protocols + spec.msgFlags + spec.ioctlFlags {
            try check(row.location, "row \(row.name)")
        }
        // Every constant the probe will paste into C is a C identifier.
        for constant in spec.probedConstants where constant.name == constant.expression {
            let name = constant.name
            let identifier = name.first.map { $0 == "_" || $0.isLetter } == true && name.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
            guard identifier else { throw FuzzViolation("constant '\(name)' is not a C identifier") }
        }
    }
}
