import SocketSpec

extension Emitter {
    /// The Swift type an option or control-message value type names.
    func swiftType(ofValueType type: String) -> String? {
        switch type {
        case "bool": return "Bool"
        case "int": return "Int"
        case "uint": return "UInt"
        case "uint64": return "UInt64"
        case "string": return "String"
        case "bytes": return "[UInt8]"
        case "domain": return "Domain"
        case "type": return "SocketType"
        case "protocol": return "SocketProtocol"
        case "errno": return "Errno"
        case "in_addr_any": return "IPv4Address"
        case "ip_msfilter": return "IPMsfilter"
        case "ipv6_hops": return "IPv6Hops"
        case "group_source_req": return "IPv6GroupSourceReq"
        default:
            if spec.enums.contains(where: { $0.name == type }) { return Naming.type(type) }
            return spec.values.first { $0.cStruct == type }?.name
        }
    }

    static func swiftType(of kind: FieldKind) -> (type: String, zero: String) {
        switch kind {
        case .bool: return ("Bool", "false")
        case .int: return ("Int", "0")
        case .uint: return ("UInt", "0")
        case .inAddr: return ("IPv4Address", ".any")
        case .in6Addr: return ("IPv6Address", ".any")
        case .bytes: return ("[UInt8]", "[]")
        case .bits: return ("UInt", "0")
        }
    }

    /// The `FieldValue` case that carries a member of `kind`.
    static func fieldValueCase(of kind: FieldKind) -> (wrap: String, unwrap: String) {
        switch kind {
        case .bool: return ("bool", "bool")
        case .int: return ("int", "int")
        case .uint, .bits: return ("uint", "uint")
        case .inAddr: return ("inAddr", "inAddr")
        case .in6Addr: return ("in6Addr", "in6Addr")
        case .bytes: return ("bytes", "bytes")
        }
    }

    static func levelNamespace(_ level: String) -> String { Naming.type(level) + "LevelOptions" }

    static func accessMarker(_ access: Access) -> String {
        switch access {
        case [.read, .write]: return "ReadWrite"
        case .read: return "ReadOnly"
        default: return "WriteOnly"
        }
    }

    static func literal(_ s: String) -> String { "\"\(s)\"" }

    /// The fields of a structured value by Erlang name (the Swift name in snake case), for the
    /// untyped `getopt`/`setopt` and the CLI.
    func emitStructured(_ value: ValueSpec, into out: inout Output) {
        let names = value.members.map { Naming.erlang(member: $0.swiftName) }
        out.block("extension \(value.name): StructuredOptionValue") { out in
            let zeros = value.members.map { "\($0.swiftName): \(Emitter.swiftType(of: $0.kind).zero)" }
            out.line("/// Every field zero.")
            out.line("@inlinable public init() { self.init(\(zeros.joined(separator: ", "))) }")
            out.line("/// The fields in C order, as Erlang names them.")
            out.line("public static var fieldNames: [String] { [\(names.map(Emitter.literal).joined(separator: ", "))] }")
            out.block("public var fields: [(name: String, value: FieldValue)]") { out in
                let pairs = zip(names, value.members).map { name, member in
                    "(\(Emitter.literal(name)), .\(Emitter.fieldValueCase(of: member.kind).wrap)(\(member.swiftName)))"
                }
                out.line("[\(pairs.joined(separator: ", "))]")
            }
            out.block("public mutating func setField(_ name: String, to value: FieldValue) throws(InvalidValue)") { out in
                out.line("switch name {")
                for (name, member) in zip(names, value.members) {
                    out.line("case \(Emitter.literal(name)): \(member.swiftName) = try value.\(Emitter.fieldValueCase(of: member.kind).unwrap)(name)")
                }
                out.line("default: throw InvalidValue(\"\\(Self.self) has no field \\(name)\")")
                out.line("}")
            }
        }
        out.line("")
    }

    func emitShared(into out: inout Output) {
        // Enumerations of the manual: one RawRepresentable type each.
        for e in spec.enums {
            let name = Naming.type(e.name)
            out.line("/// Erlang `\(e.name)()`: \(e.cases.map { "`\($0.name)`" }.joined(separator: ", ")), or any integer.")
            out.block("public struct \(name): NamedConstant") { out in
                out.line("public var rawValue: CInt")
                out.line("@inlinable public init(rawValue: CInt) { self.rawValue = rawValue }")
            }
            out.line("")
        }

        // Structured values: the Swift side; each triple adds its encoder.
        for value in spec.values {
            let cStruct = spec.structs.first { $0.name == value.cStruct }!
            out.line("/// Mirrors C `\(cStruct.cType)`, field by field (`\(value.members.map(\.field).joined(separator: "`, `"))`).")
            out.block("public struct \(value.name): Sendable, Hashable") { out in
                for member in value.members {
                    out.line("/// C field `\(member.field)`.")
                    out.line("public var \(member.swiftName): \(Emitter.swiftType(of: member.kind).type)")
                }
                let parameters = value.members.map { "\($0.swiftName): \(Emitter.swiftType(of: $0.kind).type) = \(Emitter.swiftType(of: $0.kind).zero)" }
                out.line("")
                out.block("@inlinable public init(\(parameters.joined(separator: ", ")))") { out in
                    for member in value.members { out.line("self.\(member.swiftName) = \(member.swiftName)") }
                }
            }
            out.line("")
            emitStructured(value, into: &out)
        }

        // Option namespaces: `.socket.reuseaddr`, `.tcp.nodelay`.
        for level in spec.levels {
            let namespace = Emitter.levelNamespace(level.name)
            out.line("/// The options of level `\(level.name)` (`\(level.constant)`), as typed keys: `socket.setopt(.\(Naming.member(level.name)).<option>, value)`.")
            out.block("public struct \(namespace): Sendable") { out in
                out.line("@inlinable public init() {}")
            }
            out.line("")
        }
        out.block("extension SocketOption") { out in
            for level in spec.levels {
                out.line("/// Options of level `\(level.name)`.")
                out.line("@inlinable public static var \(Naming.member(level.name)): \(Emitter.levelNamespace(level.name)) { .init() }")
            }
        }
        out.line("")

        // The spec itself, for supports() and the CLI.
        out.block("extension SpecTables") { out in
            func named(_ rows: [NamedConstant]) -> String {
                "[" + rows.map { "(\(Emitter.literal($0.name)), \(Emitter.literal($0.constant)))" }.joined(separator: ", ") + "]"
            }
            out.line("public static let levels: [(name: String, constant: String)] = \(named(spec.levels))")
            out.line("public static let domains: [(name: String, constant: String)] = \(named(spec.domains))")
            out.line("public static let types: [(name: String, constant: String)] = \(named(spec.types))")
            out.line("public static let protocols: [(name: String, constant: String)] = \(named(spec.protocols))")
            out.line("public static let msgFlags: [(name: String, constant: String)] = \(named(spec.msgFlags))")
            out.line("public static let ioctlFlags: [(name: String, constant: String)] = \(named(spec.ioctlFlags))")
            out.line("public static let options: [OptionInfo] = [")
            for row in spec.options {
                out.line("    OptionInfo(level: \(Emitter.literal(row.level)), name: \(Emitter.literal(row.name)), constant: \(Emitter.literal(row.constant)), valueType: \(Emitter.literal(row.type)), access: .init(rawValue: \(row.access.rawValue))),")
            }
            out.line("]")
            out.line("public static let controlMessages: [OptionInfo] = [")
            for row in spec.controlMessages {
                out.line("    OptionInfo(level: \(Emitter.literal(row.level)), name: \(Emitter.literal(row.name)), constant: \(Emitter.literal(row.constant)), valueType: \(Emitter.literal(row.type)), access: .init(rawValue: \(row.access.rawValue))),")
            }
            out.line("]")
            out.line("public static let ioctlRequests: [OptionInfo] = [")
            for row in spec.ioctls {
                out.line("    OptionInfo(level: \"ioctl\", name: \(Emitter.literal(row.name)), constant: \(Emitter.literal(row.constant)), valueType: \(Emitter.literal(row.type)), access: .init(rawValue: \(row.access.rawValue))),")
            }
            out.line("]")
            out.line("public static let enums: [(enum: String, name: String, constant: String)] = [")
            for e in spec.enums {
                for row in e.cases {
                    out.line("    (\(Emitter.literal(e.name)), \(Emitter.literal(row.name)), \(Emitter.literal(row.constant))),")
                }
            }
            out.line("]")
            out.line("/// Every probed snapshot, as its file's text, by triple.")
            out.line("public static let snapshots: [String: String] = [")
            for snapshot in plan.snapshots {
                out.line("    \(Emitter.literal(snapshot.triple)): #\"\"\"")
                for line in snapshot.text.split(separator: "\n") { out.text += "        " + line + "\n" }
                out.line("    \"\"\"#,")
            }
            out.line("]")
        }
        out.line("")
    }
}
