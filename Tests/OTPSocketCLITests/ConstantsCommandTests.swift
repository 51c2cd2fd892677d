import Foundation
import SocketConstants
import Testing

@Suite struct ConstantsCommandTests {
    @Test func jsonListsEveryConstantAndLayoutOfTheSnapshot() throws {
        let run = try CLIRun.run("constants", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try run.json() as? [String: Any])
        #expect(Set(object.keys) == ["triple", "constants", "structs"])
        #expect(object["triple"] as? String == SpecTables.currentTriple)
        let snapshot = try #require(SpecTables.snapshot())

        let constants = try #require(object["constants"] as? [[String: Any]])
        #expect(constants.count == snapshot.constants.count)
        let names = constants.compactMap { $0["name"] as? String }
        #expect(names == snapshot.constants.keys.sorted())
        let reuseaddr = try #require(constants.first { $0["name"] as? String == "SO_REUSEADDR" })
        #expect((reuseaddr["value"] as? NSNumber)?.int64Value == Int64(Native.SO_REUSEADDR))
        let acceptfilter = try #require(constants.first { $0["name"] as? String == "SO_ACCEPTFILTER" })
        #expect(acceptfilter["value"] is NSNull, "an absent constant is null")

        let structs = try #require(object["structs"] as? [[String: Any]])
        #expect(structs.count == snapshot.structs.count)
        let linger = try #require(structs.first { $0["name"] as? String == "linger" })
        #expect((linger["size"] as? NSNumber)?.intValue == Layout.linger.size)
        #expect((linger["align"] as? NSNumber)?.intValue == Layout.linger.alignment)
        let fields = try #require(linger["fields"] as? [[String: Any]])
        let onoff = try #require(fields.first { $0["name"] as? String == "l_linger" })
        #expect((onoff["offset"] as? NSNumber)?.intValue == Layout.linger.l_linger.offset)
    }

    @Test func everyCommittedTripleCanBeListed() throws {
        for triple in SpecTables.triples {
            let run = try CLIRun.run("constants", "--json", "--triple", triple)
            #expect(run.status == 0)
            let object = try #require(try run.json() as? [String: Any])
            #expect(object["triple"] as? String == triple)
        }
    }

    @Test func theTextListsAbsentConstantsWithADash() throws {
        let run = try CLIRun.run("constants")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("SO_ACCEPTFILTER ") && $0.hasSuffix(" -") })
        #expect(lines.contains { $0.hasPrefix("SO_REUSEADDR ") && $0.hasSuffix(" \(Native.SO_REUSEADDR)") })
        #expect(lines.contains { $0.hasPrefix("struct linger ") })
    }
}
