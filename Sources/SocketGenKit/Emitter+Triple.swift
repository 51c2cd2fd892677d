import SocketSnapshot
import SocketSpec

extension Emitter {
    /// A literal of `type` for `value` on a target whose `Int` is `pointerBitWidth` bits wide,
    /// wrapping when C's value does not fit, as C's conversion does. The range is the
    /// target's, not the build machine's: `Int` and `UInt` are 32 bits on arm and i686.
    static func literal(_ value: Int64, as type: String, pointerBitWidth: Int) -> String {
        let narrow = pointerBitWidth == 32
        let range: ClosedRange<Int64>
        switch type {
        case "CInt": range = Int64(Int32.min)...Int64(Int32.max)
        case "Int": range = narrow ? Int64(Int32.min)...Int64(Int32.max) : Int64.min...Int64.max
        case "UInt", "CUnsignedLong": range = narrow ? 0...Int64(UInt32.max) : 0...Int64.max
        case "UInt64": range = 0...Int64.max
        default: range = Int64.min...Int64.max
        }
        return range.contains(value) ? String(value) : "\(type)(truncatingIfNeeded: \(value) as Int64)"
    }

    func unavailable(_ what: String, _ triple: String) -> String {
        "@available(*, unavailable, message: \"\(what) is not defined on \(triple)\")"
    }

    func emitTriple(_ snapshot: Snapshot, into out: inout Output) {
        let triple = snapshot.triple
        let pointerBitWidth = Triple.named(triple)?.pointerBitWidth ?? 64
        out.line("")
        out.block("extension SpecTables") { out in
            out.line("/// The triple this build's constants and layouts were probed for.")
            out.line("public static let currentTriple = \(Emitter.literal(triple))")
        }
        out.line("")

        // Native: the one funnel for C names.
        out.line("/// Every C constant the spec names, with \(triple)'s value. Nothing else spells a C constant.")
        out.block("public enum Native") { out in
            for constant in spec.probedConstants {
                if let value = snapshot.value(constant.name) {
                    out.line("/// `\(constant.expression)` = \(value)")
                    out.line("@inlinable public static var \(constant.name): \(constant.swiftType) { \(Emitter.literal(value, as: constant.swiftType, pointerBitWidth: pointerBitWidth)) }")
                } else {
                    out.line(unavailable(constant.name, triple))
                    out.line("public static var \(constant.name): \(constant.swiftType) { fatalError() }")
                }
            }
        }
        out.line("")

        // Layout: every struct's size, alignment and fields.
        out.line("/// The C struct layouts of \(triple), as the probe measured them.")
        out.block("public enum Layout") { out in
            for layout in spec.structs {
                let measured = snapshot.structs[layout.name]
                guard let measured, let size = measured.size, let alignment = measured.alignment else {
                    out.line(unavailable("struct \(layout.name)", triple))
                    out.line("public enum \(layout.name) {}")
                    continue
                }
                out.line("/// `struct \(layout.name)`: \(size) bytes, aligned to \(alignment).")
                out.block("public enum \(layout.name)") { out in
                    out.line("@inlinable public static var size: Int { \(size) }")
                    out.line("@inlinable public static var alignment: Int { \(alignment) }")
                    for field in layout.fields {
                        let name = Naming.cIdentifier(field)
                        if let f = measured.fields.first(where: { $0.name == field }), let offset = f.offset, let fieldSize = f.size {
                            out.line("/// `\(field)`")
                            out.line("@inlinable public static var \(name): FieldLayout { FieldLayout(offset: \(offset), size: \(fieldSize)) }")
                        } else {
                            out.line(unavailable("\(layout.name).\(field)", triple))
                            out.line("public static var \(name): FieldLayout { fatalError() }")
                        }
                    }
                }
            }
        }
        out.line("")

        // Typed constants.
        for table in typedTables {
            out.block("extension \(table.type)") { out in
                var named: [String] = []
                for row in table.rows {
                    let member = Naming.member(row.name)
                    if snapshot.value(row.constant) != nil {
                        out.line("/// `\(row.constant)`; Erlang `\(row.name)` of \(table.what).")
                        out.line("@inlinable public static var \(member): \(table.type) { \(table.type)(rawValue: CInt(truncatingIfNeeded: Native.\(row.constant))) }")
                        named.append("(\(Emitter.literal(row.name)), .\(member))")
                    } else {
                        out.line(unavailable("\(row.constant) (Erlang `\(row.name)`)", triple))
                        out.line("public static var \(member): \(table.type) { fatalError() }")
                    }
                }
                out.line("/// The values \(triple) defines, by Erlang name.")
                out.line("public static let named: [(name: String, value: \(table.type))] = [\(named.joined(separator: ", "))]")
            }
            out.line("")
        }

        // Option keys.
        for level in spec.levels {
            let levelValue = snapshot.value(level.constant)
            out.block("extension \(Emitter.levelNamespace(level.name))") { out in
                for row in spec.options where row.level == level.name {
                    guard let type = swiftType(ofValueType: row.type) else { continue }
                    let key = "SocketOption<\(type), \(Emitter.accessMarker(row.access))>"
                    let native = snapshot.value(row.constant) != nil && levelValue != nil
                    let where_ = native ? "" : " Not defined on \(triple): `getopt`/`setopt` fail with `invalid`."
                    out.line("/// `{\(row.level), \(row.name)}`: `\(row.constant)`, a `\(row.type)`.\(where_)")
                    let args = native
                        ? "level: CInt(truncatingIfNeeded: Native.\(level.constant)), option: CInt(truncatingIfNeeded: Native.\(row.constant))"
                        : "level: nil, option: nil"
                    out.line("@inlinable public var \(Naming.member(row.name)): \(key) { \(key)(levelName: \(Emitter.literal(row.level)), name: \(Emitter.literal(row.name)), \(args)) }")
                }
            }
            out.line("")
        }

        // Every key, for lookup by Erlang name (the untyped getopt/setopt and the CLI).
        out.block("extension SpecTables") { out in
            out.line("/// Every typed option key of \(triple), in spec order.")
            out.line("public static let optionKeys: [any AnySocketOption] = [")
            for row in spec.options where swiftType(ofValueType: row.type) != nil {
                out.line("    \(Emitter.levelNamespace(row.level))().\(Naming.member(row.name)),")
            }
            out.line("]")
        }
        out.line("")

        // Value encoders, from the measured layouts.
        for value in spec.values {
            emitEncoder(value, snapshot: snapshot, into: &out)
        }
    }

    func emitEncoder(_ value: ValueSpec, snapshot: Snapshot, into out: inout Output) {
        let layout = snapshot.structs[value.cStruct]
        out.block("extension \(value.name): SocketOptionValue") { out in
            guard let layout, let size = layout.size, let alignment = layout.alignment else {
                out.line("@inlinable public static var nativeCapacity: Int { 0 }")
                out.block("@inlinable public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R") { out in
                    out.line("throw InvalidValue(\"struct \(value.cStruct) is not defined on \(snapshot.triple)\")")
                }
                out.block("@inlinable public init(nativeBytes: UnsafeRawBufferPointer) throws(InvalidValue)") { out in
                    out.line("throw InvalidValue(\"struct \(value.cStruct) is not defined on \(snapshot.triple)\")")
                }
                return
            }
            let present = value.members.filter { member in
                member.kind != .bits && layout.fields.contains { $0.name == member.field && $0.offset != nil }
            }
            let hasBits = value.members.contains { $0.kind == .bits }
            out.line("@inlinable public static var nativeCapacity: Int { \(size) }")
            out.block("@inlinable public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R") { out in
                out.line("return try withNativeStorage(size: \(size), alignment: \(alignment)) { (raw) throws(InvalidValue) in")
                out.indent += 1
                for member in present {
                    out.line("try raw.storeField(\(member.swiftName), Layout.\(value.cStruct).\(Naming.cIdentifier(member.field)), \(Emitter.literal(member.swiftName)))")
                }
                if hasBits { out.line("try encodeBitFields(into: raw)") }
                out.line("return body(UnsafeRawBufferPointer(raw))")
                out.indent -= 1
                out.line("}")
            }
            out.block("@inlinable public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue)") { out in
                out.line("self.init()")
                for member in present {
                    out.line("\(member.swiftName) = try raw.loadField(Layout.\(value.cStruct).\(Naming.cIdentifier(member.field)), \(Emitter.literal(member.swiftName)))")
                }
                if hasBits { out.line("try decodeBitFields(from: raw)") }
            }
        }
        out.line("")
    }
}
