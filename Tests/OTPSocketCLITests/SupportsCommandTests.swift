import Foundation
import SocketConstants
import Testing

/// The shape of `otp-socket supports --json`: exactly the manual's keys, with these types.
struct SupportsJSON: Decodable {
    var options: [String: [String: Bool]]
    var msg_flags: [String: Bool]
    var ioctl_requests: [String: Bool]
    var ioctl_flags: [String: Bool]
    var protocols: [String: Bool]
    var ipv6: Bool
    var local: Bool
    var sctp: Bool
    var netns: Bool
    var sendfile: Bool
}

@Suite struct SupportsCommandTests {
    static let manualKeys: Set = ["options", "msg_flags", "ioctl_requests", "ioctl_flags", "protocols",
                                  "ipv6", "local", "sctp", "netns", "sendfile"]

    @Test func jsonHasExactlyTheManualsTopLevelKeys() throws {
        let run = try CLIRun.run("supports", "--json")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try run.json() as? [String: Any])
        #expect(Set(object.keys) == Self.manualKeys)
        let decoded = try JSONDecoder().decode(SupportsJSON.self, from: Data(run.stdout.utf8))
        #expect(Set(decoded.options.keys) == Set(SpecTables.levels.map(\.name)))
        #expect(decoded.options.values.reduce(0) { $0 + $1.count } == SpecTables.options.count)
        #expect(decoded.options["tcp"]?["user_timeout"] == Supports.isSupported("options", "tcp", "user_timeout"))
        #expect(decoded.msg_flags.count == SpecTables.msgFlags.count)
        #expect(decoded.ipv6 == Supports.isSupported("ipv6"))
        #expect(decoded.sctp == Supports.isSupported("sctp"))
    }

    @Test func jsonIsTheSameTextEveryTime() throws {
        let first = try CLIRun.run("supports", "--json"), second = try CLIRun.run("supports", "--json")
        #expect(first.stdout == second.stdout)
        let keys = first.stdout.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted(), "top-level keys are sorted")
    }

    @Test func kernelAnswersComeOnlyWithKernelUnderTheirOwnKey() throws {
        let run = try CLIRun.run("supports", "--json", "--kernel")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try run.json() as? [String: Any])
        #expect(Set(object.keys) == Self.manualKeys.union(["kernel"]))
        let kernel = try #require(object["kernel"] as? [String: Bool])
        #expect(Set(kernel.keys) == Set(KernelSupport.keys))
        #expect(kernel["sctp"] == KernelSupport.sctp().isSupported)
        #expect(kernel["local"] == true)
    }

    @Test func aKeyAndALevelNarrowTheAnswer() throws {
        let tcp = try CLIRun.run("supports", "--json", "options", "tcp")
        let options = try #require(try tcp.json() as? [String: Bool])
        #expect(options.keys.sorted() == Supports.supports("options", "tcp").map(\.key).sorted())
        let ipv6 = try CLIRun.run("supports", "--json", "ipv6")
        #expect(ipv6.stdout == "\(Supports.isSupported("ipv6"))\n")
        let unknown = try CLIRun.run("supports", "--json", "foo")
        #expect(unknown.status == 0)
        #expect(unknown.stdout == "{}\n", "Erlang's supports(foo) is []")
    }

    @Test func theTableShowsTheKernelBesideTheHeadersAndGroupsOptionsByLevel() throws {
        let run = try CLIRun.run("supports")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains { $0.hasPrefix("sctp ") && $0.contains(KernelSupport.sctp().description) })
        #expect(lines.contains { $0.contains("headers") && $0.contains("kernel") })
        for level in SpecTables.levels.map(\.name) {
            #expect(lines.contains { $0.hasPrefix("  \(level) (") }, "a heading for level \(level)")
        }
        let socketOptions = lines.filter { $0.hasPrefix("    ") && ($0.hasSuffix(" true") || $0.hasSuffix(" false")) }
        #expect(socketOptions.count == SpecTables.options.count)
        // Aligned: within a level, every answer starts in the same column.
        let socketRows = lines.drop { !$0.hasPrefix("  socket (") }.dropFirst().prefix { $0.hasPrefix("    ") }
        let columns = Set(socketRows.map { row in row.distance(from: row.startIndex, to: row.lastIndex(of: " ")!) })
        #expect(columns.count == 1, "\(columns)")
        #expect(!lines.contains { $0.hasSuffix(" ") }, "no line ends in blanks")
    }

    @Test func anotherTriplesSnapshotAnswersWithoutTheKernel() throws {
        let run = try CLIRun.run("supports", "--triple", SpecTables.currentTriple, "options", "socket")
        #expect(run.status == 0)
        let unknown = try CLIRun.run("supports", "--triple", "vax-bsd")
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains(SpecTables.currentTriple), "the error lists the known triples")
    }
}
