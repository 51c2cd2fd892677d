/// The little JSON the CLI prints: keys sorted, so that the same facts print the same text.
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Indented text; a container of scalars that fits in `width` stays on one line.
    func rendered(width: Int = 100) -> String {
        var out = ""
        write(into: &out, indent: 0, width: width)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private var children: [JSONValue] {
        switch self {
        case .array(let items): return items
        case .object(let members): return Array(members.values)
        default: return []
        }
    }

    private func write(into out: inout String, indent: Int, width: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .string(let value): out += JSONValue.quoted(value)
        case .array, .object:
            if children.allSatisfy(\.isScalar) {
                let line = compact
                if indent * 2 + line.count <= width {
                    out += line
                    return
                }
            }
            let pad = String(repeating: "  ", count: indent + 1)
            if case .array(let items) = self {
                out += items.isEmpty ? "[" : "[\n"
                for (i, item) in items.enumerated() {
                    out += pad
                    item.write(into: &out, indent: indent + 1, width: width)
                    out += i < items.count - 1 ? ",\n" : "\n"
                }
                out += (items.isEmpty ? "" : String(repeating: "  ", count: indent)) + "]"
            } else if case .object(let members) = self {
                let keys = members.keys.sorted()
                out += keys.isEmpty ? "{" : "{\n"
                for (i, key) in keys.enumerated() {
                    out += pad + JSONValue.quoted(key) + ": "
                    members[key]!.write(into: &out, indent: indent + 1, width: width)
                    out += i < keys.count - 1 ? ",\n" : "\n"
                }
                out += (keys.isEmpty ? "" : String(repeating: "  ", count: indent)) + "}"
            }
        }
    }

    /// On one line.
    private var compact: String {
        switch self {
        case .array(let items):
            return "[" + items.map(\.compact).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { JSONValue.quoted($0) + ": " + members[$0]!.compact }.joined(separator: ", ") + "}"
        default:
            var out = ""
            write(into: &out, indent: 0, width: .max)
            return out
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
