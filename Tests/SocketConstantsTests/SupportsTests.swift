import SocketConstants
import SocketGenKit
import SocketSnapshot
import SocketSpec
import Testing

/// `Supports` answers Erlang's supports/is_supported from the committed snapshots.
@Suite struct SupportsTests {
    static let linux = "x86_64-linux-gnu"

    @Test func supportsHasExactlyTheManualsKeysInOTPsOrder() {
        let keys = Supports.supports().map(\.key)
        #expect(keys == ["ioctl_requests", "ioctl_flags", "options", "msg_flags", "protocols",
                         "sctp", "ipv6", "local", "netns", "sendfile"])
    }

    @Test func linuxOptionsOTPCallsUnsupportedAreSupported() {
        #expect(Supports.isSupported("options", "tcp", "user_timeout", triple: Self.linux))
        #expect(Supports.isSupported("options", "socket", "peercred", triple: Self.linux))
        #expect(Supports.isSupported("options", "tcp", "keepcnt", triple: Self.linux))
        #expect(Supports.isSupported("options", "socket", "reuseaddr", triple: Self.linux))
    }

    @Test func namesLinuxLacksAreListedAsFalse() {
        #expect(!Supports.isSupported("options", "socket", "acceptfilter", triple: Self.linux))
        #expect(Supports.supports("options", "socket", triple: Self.linux)[key: "acceptfilter"] == .boolean(false))
        #expect(Supports.supports("ioctl_flags", triple: Self.linux)[key: "staticarp"] == .boolean(false))
        #expect(!Supports.isSupported("ioctl_requests", "nwrite", triple: Self.linux))
    }

    @Test func listKeysAnswerPerEntry() {
        #expect(Supports.isSupported("msg_flags", "peek", triple: Self.linux))
        #expect(Supports.isSupported("protocols", "tcp", triple: Self.linux))
        #expect(Supports.isSupported("ioctl_requests", "gifconf", triple: Self.linux))
        #expect(Supports.isSupported("ioctl_flags", "up", triple: Self.linux))
        #expect(Supports.supports("msg_flags", triple: Self.linux).map(\.key) == SpecTables.msgFlags.map(\.name))
        #expect(Supports.supports("protocols", triple: Self.linux).map(\.key) == SpecTables.protocols.map(\.name))
    }

    @Test func linuxHeadersDefineEveryBooleanFeature() {
        for key in Supports.booleanKeys {
            #expect(Supports.isSupported(key, triple: Self.linux), "\(key)")
            #expect(Supports.supports(triple: Self.linux)[key: key] == .boolean(true))
        }
    }

    @Test func unknownKeysAnswerEmptyOrFalseAsErlang() {
        #expect(Supports.supports("foo").isEmpty)
        #expect(Supports.supports("foo", "bar").isEmpty)
        #expect(Supports.supports("options", "foo").isEmpty)
        #expect(Supports.supports("ipv6").isEmpty, "supports(ipv6) is [] in Erlang: the key holds a boolean")
        #expect(Supports.supports("msg_flags", "peek").isEmpty)
        #expect(!Supports.isSupported("foo"))
        #expect(!Supports.isSupported("options"), "a list key is not a boolean")
        #expect(!Supports.isSupported("options", "socket"), "a level is not an option")
        #expect(!Supports.isSupported("options", "socket", "foo"))
        #expect(!Supports.isSupported("msg_flags", "foo"))
        #expect(!Supports.isSupported("ipv6", "foo"))
    }

    @Test func aTripleWithoutSnapshotAnswersAsAnUnknownKey() {
        #expect(Supports.supports(triple: "vax-bsd").isEmpty)
        #expect(!Supports.isSupported("ipv6", triple: "vax-bsd"))
        #expect(SpecTables.snapshot(for: "vax-bsd") == nil)
    }

    @Test func theOptionsAreTheSpecsRowsLevelByLevel() throws {
        let spec = try RepositorySpec.load()
        for triple in SpecTables.triples {
            let options = Supports.supports("options", triple: triple)
            #expect(options.map(\.key) == spec.levels.map(\.name), "\(triple)")
            #expect(options.reduce(0) { $0 + $1.value.entries.count } == spec.options.count, "\(triple)")
            for level in spec.levels {
                #expect(Supports.supports("options", level.name, triple: triple).map(\.key)
                        == spec.options.filter { $0.level == level.name }.map(\.name))
            }
        }
    }

    @Test func anOptionIsSupportedExactlyWhenItsConstantAndItsLevelsAreDefined() throws {
        let spec = try RepositorySpec.load()
        for triple in SpecTables.triples {
            let snapshot = try #require(SpecTables.snapshot(for: triple))
            for row in spec.options {
                let level = try #require(spec.levels.first { $0.name == row.level })
                let defined = snapshot.value(row.constant) != nil && snapshot.value(level.constant) != nil
                #expect(Supports.isSupported("options", row.level, row.name, triple: triple) == defined,
                        "{\(row.level), \(row.name)} on \(triple)")
            }
        }
    }

    @Test func theTypedKeysAgreeWithSupports() {
        #expect(SocketLevelOptions().reuseaddr.isSupported == Supports.isSupported("options", "socket", "reuseaddr"))
        #expect(SocketLevelOptions().acceptfilter.isSupported == Supports.isSupported("options", "socket", "acceptfilter"))
        #expect(TCPLevelOptions().userTimeout.isSupported == Supports.isSupported("options", "tcp", "user_timeout"))
        #expect(SocketLevelOptions().peercred.isSupported == Supports.isSupported("options", "socket", "peercred"))
    }

    @Test func theCurrentTripleHasACommittedSnapshot() throws {
        let snapshot = try #require(SpecTables.snapshot())
        #expect(snapshot.triple == SpecTables.currentTriple)
        #expect(SpecTables.triples.contains(SpecTables.currentTriple))
        #expect(snapshot.value("SO_REUSEADDR") == Int64(Native.SO_REUSEADDR))
    }
}

/// The package's own `Spec/`, found from this file's path.
enum RepositorySpec {
    static func load() throws -> Spec {
        let tests = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        return try SpecParser.load(directory: "/" + tests + "/Spec")
    }
}

/// The typed keys read as Erlang's `{Level, Opt}` and carry this platform's C numbers.
@Suite struct OptionKeyTests {
    func describe<Value, Access>(_ key: SocketOption<Value, Access>) -> String { key.description }

    @Test func aKeyIsWrittenAsItsLevelAndName() {
        let key: SocketOption<Bool, ReadWrite> = .socket.reuseaddr
        #expect(key.description == "{socket, reuseaddr}")
        #expect(key.level == Native.SOL_SOCKET && key.option == Native.SO_REUSEADDR)
        #expect(describe(.tcp.userTimeout) == "{tcp, user_timeout}")
        #expect(SocketLevelOptions().acceptfilter.level == nil, "a name the platform lacks has no C number")
    }
}
