import ArgumentParser
import SocketConstants
import SocketSnapshot

/// `otp-socket constants`: every C constant and struct layout of a platform's snapshot, as
/// the generator probed them. No Erlang counterpart.
struct ConstantsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "constants",
        abstract: "Every probed C constant (or its absence) and struct layout of a platform."
    )

    @Flag(help: "Print JSON: {triple, constants: [{name, value}], structs: [{name, size, align, fields}]}.")
    var json = false

    @OptionGroup var platform: PlatformOptions

    func run() throws {
        let snapshot = SpecTables.snapshot(for: platform.triple)!
        print(json ? Self.json(snapshot).rendered() : Self.text(snapshot))
    }

    static func json(_ snapshot: Snapshot) -> JSONValue {
        func number(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
        let constants = snapshot.constants.keys.sorted().map { name in
            JSONValue.object(["name": .string(name), "value": snapshot.value(name).map(JSONValue.int) ?? .null])
        }
        let structs = snapshot.structs.keys.sorted().map { name in
            let layout = snapshot.structs[name]!
            let fields = layout.fields.sorted { $0.name < $1.name }.map { field in
                JSONValue.object(["name": .string(field.name), "offset": number(field.offset), "size": number(field.size)])
            }
            return JSONValue.object(["name": .string(name), "size": number(layout.size), "align": number(layout.alignment),
                                     "fields": .array(fields)])
        }
        return .object(["triple": .string(snapshot.triple), "constants": .array(constants), "structs": .array(structs)])
    }

    static func text(_ snapshot: Snapshot) -> String {
        func show(_ value: Int?) -> String { value.map(String.init) ?? "-" }
        var constants = TextTable()
        for name in snapshot.constants.keys.sorted() {
            constants.append(name, snapshot.value(name).map(String.init) ?? "-")
        }
        var structs = TextTable()
        structs.append("struct / field", "size", "align", "offset")
        for name in snapshot.structs.keys.sorted() {
            let layout = snapshot.structs[name]!
            structs.append("struct \(name)", show(layout.size), show(layout.alignment), "")
            for field in layout.fields.sorted(by: { $0.name < $1.name }) {
                structs.append("  \(field.name)", show(field.size), "", show(field.offset))
            }
        }
        return "\(snapshot.triple): constants (- where the headers do not define one)\n\n" + constants.text
            + "\n\n" + structs.text
    }
}
