/// Reads `Spec/*.tbl` text into a ``Spec``.
///
/// A file's kind is its name up to the first `-` or `.` (`options-sctp.tbl` is an options
/// table). Columns are separated by runs of blanks, `-` is an empty cell and `#` starts a
/// comment. Every error names the file and line.
public enum SpecParser {
    /// The table kinds and their columns.
    public static let columns: [String: [String]] = [
        "headers": ["header"],
        "constants": ["name", "ctype", "expr"],
        "structs": ["struct", "field"],
        "values": ["value", "struct", "field", "swift", "kind"],
        "levels": ["name", "constant"],
        "options": ["level", "name", "constant", "type", "access"],
        "msgflags": ["name", "constant"],
        "cmsgs": ["level", "name", "constant", "type", "access"],
        "ioctls": ["name", "constant", "type", "access"],
        "ioctlflags": ["name", "constant"],
        "domains": ["name", "constant"],
        "types": ["name", "constant"],
        "protocols": ["name", "constant"],
        "enums": ["enum", "name", "constant"],
    ]

    static let swiftConstantTypes: Set<String> = ["CInt", "Int", "UInt", "CUnsignedLong", "Int64", "UInt64"]

    /// The kind of table a file name holds, or `nil` when it is not a table.
    public static func kind(ofFile name: String) -> String? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard base.hasSuffix(".tbl") else { return nil }
        return String(base.prefix { $0 != "-" && $0 != "." })
    }

    /// Parses the given files (name and contents), in any order; the result lists rows in
    /// file-name order, then line order.
    public static func parse(files: [(name: String, text: String)]) throws(SpecError) -> Spec {
        var spec = Spec()
        for file in files.sorted(by: { $0.name < $1.name }) {
            try parse(file: file.name, text: file.text, into: &spec)
        }
        try validate(spec)
        return spec
    }

    static func parse(file: String, text: String, into spec: inout Spec) throws(SpecError) {
        let fileName = file.split(separator: "/").last.map(String.init) ?? file
        guard let kind = kind(ofFile: fileName), let expected = columns[kind] else {
            throw SpecError(SpecLocation(file: fileName, line: 1),
                            "unknown table kind; expected one of \(columns.keys.sorted().joined(separator: ", "))")
        }
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let content = rawLine.prefix { $0 != "#" }
            var cells = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if cells.isEmpty { continue }
            // A C expression, the last column of a constants row, may contain blanks.
            if kind == "constants", cells.count > expected.count {
                cells = Array(cells[..<(expected.count - 1)]) + [cells[(expected.count - 1)...].joined(separator: " ")]
            }
            let here = SpecLocation(file: fileName, line: lineNumber)
            guard cells.count == expected.count else {
                throw SpecError(here, "\(kind) row has \(cells.count) columns, expected \(expected.count) (\(expected.joined(separator: " ")))")
            }
            try add(kind: kind, cells: cells, at: here, to: &spec)
        }
    }

    static func add(kind: String, cells c: [String], at here: SpecLocation, to spec: inout Spec) throws(SpecError) {
        for (index, cell) in c.enumerated() where cell == "-" && !optionalColumn(kind: kind, index: index) {
            throw SpecError(here, "column '\(columns[kind]![index])' may not be empty")
        }
        if let column = constantColumn[kind] { try requireIdentifier(c[column], at: here) }
        switch kind {
        case "headers":
            spec.headers.append(c[0])
        case "constants":
            guard swiftConstantTypes.contains(c[1]) else {
                throw SpecError(here, "unknown Swift type '\(c[1])' for constant \(c[0])")
            }
            spec.constants.append(ConstantRow(name: c[0], swiftType: c[1], expression: c[2] == "-" ? c[0] : c[2], location: here))
        case "structs":
            try requireIdentifier(c[0], at: here)
            if let index = spec.structs.firstIndex(where: { $0.name == c[0] }) {
                if c[1] != "-" { spec.structs[index].fields.append(c[1]) }
            } else {
                spec.structs.append(StructSpec(name: c[0], fields: c[1] == "-" ? [] : [c[1]], location: here))
            }
        case "values":
            guard let fieldKind = FieldKind(rawValue: c[4]) else {
                throw SpecError(here, "unknown field kind '\(c[4])'; expected one of \(FieldKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let member = ValueSpec.Member(field: c[2], swiftName: c[3], kind: fieldKind, location: here)
            if let index = spec.values.firstIndex(where: { $0.name == c[0] }) {
                guard spec.values[index].cStruct == c[1] else {
                    throw SpecError(here, "value \(c[0]) is encoded into struct \(spec.values[index].cStruct) at \(spec.values[index].location), not \(c[1])")
                }
                spec.values[index].members.append(member)
            } else {
                spec.values.append(ValueSpec(name: c[0], cStruct: c[1], members: [member], location: here))
            }
        case "levels": spec.levels.append(NamedConstant(name: c[0], constant: c[1], location: here))
        case "msgflags": spec.msgFlags.append(NamedConstant(name: c[0], constant: c[1], location: here))
        case "ioctlflags": spec.ioctlFlags.append(NamedConstant(name: c[0], constant: c[1], location: here))
        case "domains": spec.domains.append(NamedConstant(name: c[0], constant: c[1], location: here))
        case "types": spec.types.append(NamedConstant(name: c[0], constant: c[1], location: here))
        case "protocols": spec.protocols.append(NamedConstant(name: c[0], constant: c[1], location: here))
        case "options":
            let access = try parseAccess(c[4], allowed: ["rw": [.read, .write], "r": .read, "w": .write], at: here)
            spec.options.append(OptionRow(level: c[0], name: c[1], constant: c[2], type: c[3], access: access, location: here))
        case "cmsgs":
            let access = try parseAccess(c[4], allowed: ["sr": [.read, .write], "s": .write, "r": .read], at: here)
            spec.controlMessages.append(ControlMessageRow(level: c[0], name: c[1], constant: c[2], type: c[3], access: access, location: here))
        case "ioctls":
            let access = try parseAccess(c[3], allowed: ["r": .read, "w": .write], at: here)
            spec.ioctls.append(IoctlRow(name: c[0], constant: c[1], type: c[2], access: access, location: here))
        case "enums":
            let row = NamedConstant(name: c[1], constant: c[2], location: here)
            if let index = spec.enums.firstIndex(where: { $0.name == c[0] }) {
                spec.enums[index].cases.append(row)
            } else {
                spec.enums.append(EnumSpec(name: c[0], cases: [row], location: here))
            }
        default:
            throw SpecError(here, "unknown table kind '\(kind)'")
        }
    }

    /// The column that names a C constant, which the probe pastes into C source.
    static let constantColumn: [String: Int] = [
        "constants": 0, "levels": 1, "options": 2, "msgflags": 1, "cmsgs": 2, "ioctls": 1,
        "ioctlflags": 1, "domains": 1, "types": 1, "protocols": 1, "enums": 2,
    ]

    static func optionalColumn(kind: String, index: Int) -> Bool {
        switch kind {
        case "constants": return index == 2
        case "structs": return index == 1
        default: return false
        }
    }

    static func parseAccess(_ text: String, allowed: [String: Access], at here: SpecLocation) throws(SpecError) -> Access {
        guard let access = allowed[text] else {
            throw SpecError(here, "access '\(text)' is not one of \(allowed.keys.sorted().joined(separator: ", "))")
        }
        return access
    }

    static func requireIdentifier(_ text: String, at here: SpecLocation) throws(SpecError) {
        let ok = text.first.map { $0 == "_" || $0.isLetter } == true
            && text.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
        guard ok else { throw SpecError(here, "'\(text)' is not a C identifier") }
    }

    /// Cross-row rules: no duplicates, references resolve.
    static func validate(_ spec: Spec) throws(SpecError) {
        try unique(spec.levels, "level")
        try unique(spec.msgFlags, "message flag")
        try unique(spec.ioctlFlags, "ioctl flag")
        try unique(spec.domains, "domain")
        try unique(spec.types, "type")
        try unique(spec.protocols, "protocol")
        for e in spec.enums { try unique(e.cases, "\(e.name) value") }

        let levels = Set(spec.levels.map(\.name))
        var seenOptions: [String: SpecLocation] = [:]
        for row in spec.options {
            guard levels.contains(row.level) else {
                throw SpecError(row.location, "option \(row.name) names unknown level '\(row.level)'")
            }
            if let first = seenOptions.updateValue(row.location, forKey: "\(row.level) \(row.name)") {
                throw SpecError(row.location, "option {\(row.level), \(row.name)} is already defined at \(first)")
            }
            guard spec.knowsValueType(row.type) else {
                throw SpecError(row.location, "option {\(row.level), \(row.name)} has unknown value type '\(row.type)'")
            }
        }
        var seenMessages: [String: SpecLocation] = [:]
        for row in spec.controlMessages {
            guard levels.contains(row.level) else {
                throw SpecError(row.location, "control message \(row.name) names unknown level '\(row.level)'")
            }
            if let first = seenMessages.updateValue(row.location, forKey: "\(row.level) \(row.name)") {
                throw SpecError(row.location, "control message {\(row.level), \(row.name)} is already defined at \(first)")
            }
            guard spec.knowsValueType(row.type) else {
                throw SpecError(row.location, "control message {\(row.level), \(row.name)} has unknown value type '\(row.type)'")
            }
        }
        var seenIoctls: [String: SpecLocation] = [:]
        for row in spec.ioctls {
            if let first = seenIoctls.updateValue(row.location, forKey: row.name) {
                throw SpecError(row.location, "ioctl request \(row.name) is already defined at \(first)")
            }
        }
        let structs = Set(spec.structs.map(\.name))
        for value in spec.values {
            guard structs.contains(value.cStruct) else {
                throw SpecError(value.location, "value \(value.name) is encoded into struct \(value.cStruct), which no structs table lists")
            }
            let fields = Set(spec.structs.first { $0.name == value.cStruct }!.fields)
            for member in value.members where member.kind != .bits && !fields.contains(member.field) {
                throw SpecError(member.location, "field \(member.field) of struct \(value.cStruct) is not in a structs table")
            }
            for member in value.members where member.kind == .bits && fields.contains(member.field) {
                throw SpecError(member.location, "bit-field \(member.field) of struct \(value.cStruct) cannot be measured: remove it from the structs table")
            }
        }
        var seenConstants: [String: SpecLocation] = [:]
        for row in spec.constants {
            if let first = seenConstants.updateValue(row.location, forKey: row.name) {
                throw SpecError(row.location, "constant \(row.name) is already defined at \(first)")
            }
        }
    }

    static func unique(_ rows: [NamedConstant], _ what: String) throws(SpecError) {
        var seen: [String: SpecLocation] = [:]
        for row in rows {
            if let first = seen.updateValue(row.location, forKey: row.name) {
                throw SpecError(row.location, "\(what) '\(row.name)' is already defined at \(first)")
            }
        }
    }
}
