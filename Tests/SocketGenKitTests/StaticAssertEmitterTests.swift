import SocketGenKit
import SocketSnapshot
import SocketSpec
import XCTest

/// The checks catch a wrong snapshot: each test spoils one fact of the host's snapshot and
/// expects the host's `cc` to reject it, so that the cross-compiler test's success means
/// something.
final class StaticAssertEmitterTests: XCTestCase {
    var spec: Spec!
    var host: Snapshot!
    var compiler: CCompiler!
    var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        spec = try Package.spec()
        host = try GenerationPlan.committedSnapshot(Triple.host.name, in: Package.generated)
        do {
            compiler = try CCompiler.find(for: Triple.host)
        } catch let missing as Unavailable {
            missing.report()
            throw XCTSkip(missing.description)
        }
        directory = try TemporaryDirectory()
    }

    /// XCTest keeps every test case object until the process ends, so the directory is
    /// released here, not by the object's deinit.
    override func tearDown() {
        directory = nil
        compiler = nil
    }

    /// The problems `cc` finds with `snapshot`'s checks.
    func problems(_ snapshot: Snapshot, spec: Spec? = nil) throws -> [String] {
        try StaticAssertEmitter.checks(spec: spec ?? self.spec, snapshot: snapshot).enumerated().compactMap { index, check in
            try compiler.verify(check, as: "check-\(index).c", in: directory)
        }
    }

    /// The spec's headers with `constants` as its only names.
    func headersAnd(constants: String) throws -> Spec {
        let headers = try FileSystem.read(Package.root + "/Spec/headers.tbl")
        return try SpecParser.parse(files: [("headers.tbl", headers), ("constants-test.tbl", constants)])
    }

    func testTheCommittedHostSnapshotPasses() throws {
        XCTAssertEqual(try problems(host), [])
    }

    func testAWrongValueFails() throws {
        var spoiled = host!
        spoiled.constants["SOL_SOCKET"] = .some(0xffff)
        let found = try problems(spoiled)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.contains("SOL_SOCKET == 65535") ?? false, "\(found)")
    }

    /// The signal constants of `constants-signals.tbl` (from `<signal.h>`) are checked like
    /// every other: mips64el's `SIG_BLOCK` (1) in the host's snapshot fails.
    func testAWrongSignalConstantFails() throws {
        XCTAssertNotNil(host.value("SIGPIPE"))
        var spoiled = host!
        spoiled.constants["SIG_BLOCK"] = .some(1)
        let found = try problems(spoiled)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.contains("SIG_BLOCK == 1") ?? false, "\(found)")
    }

    func testAPresentMacroRecordedAbsentFails() throws {
        var spoiled = host!
        spoiled.constants["SO_REUSEADDR"] = .some(nil)
        let found = try problems(spoiled)
        XCTAssertTrue(found.first?.contains("SO_REUSEADDR is a macro") ?? false, "\(found)")
    }

    func testDeclaredNamesThatAreNoMacroRecordedAbsentFail() throws {
        // SCTP_SN_TYPE_BASE is an enumerator of <linux/sctp.h> and `socket` a function: no
        // `#ifdef` sees them, only `static int NAME;` can tell that they exist.
        let spec = try headersAnd(constants: "SCTP_SN_TYPE_BASE CInt -\nsocket CInt -\n")
        let snapshot = Snapshot(triple: host.triple, constants: ["SCTP_SN_TYPE_BASE": Int64?.none, "socket": Int64?.none])
        let found = try problems(snapshot, spec: spec)
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertTrue(found.first?.contains("'SCTP_SN_TYPE_BASE' redeclared") ?? false, "\(found)")
        XCTAssertTrue(found.first?.contains("'socket' redeclared") ?? false, "\(found)")
    }

    func testEnumeratorsExtremeValuesAndUndeclaredNamesPass() throws {
        let spec = try headersAnd(constants: "SCTP_SN_TYPE_BASE CInt -\nLLONG_MIN Int -\nSOCKET_GEN_UNDECLARED CInt -\n")
        let snapshot = Snapshot(triple: host.triple, constants: [
            "SCTP_SN_TYPE_BASE": .some(1 << 15), "LLONG_MIN": .some(.min), "SOCKET_GEN_UNDECLARED": Int64?.none,
        ])
        XCTAssertEqual(try problems(snapshot, spec: spec), [])
    }

    func testAnAbsentNameRecordedPresentFails() throws {
        XCTAssertNil(host.value("AF_LINK"), "AF_LINK is BSD's; Linux has none")
        var spoiled = host!
        spoiled.constants["AF_LINK"] = .some(18)
        XCTAssertEqual(try problems(spoiled).count, 1)
    }

    func testAWrongLayoutFails() throws {
        var spoiled = host!
        spoiled.structs["msghdr"]!.size! += 8
        let index = try XCTUnwrap(spoiled.structs["linger"]!.fields.firstIndex { $0.name == "l_linger" })
        spoiled.structs["linger"]!.fields[index].offset = 0
        let found = try problems(spoiled)
        XCTAssertTrue(found.first?.contains("sizeof(struct msghdr)") ?? false, "\(found)")
        XCTAssertTrue(found.first?.contains("offsetof(struct linger, l_linger) == 0") ?? false, "\(found)")
    }

    func testAPresentFieldRecordedAbsentFails() throws {
        var spoiled = host!
        let index = try XCTUnwrap(spoiled.structs["msghdr"]!.fields.firstIndex { $0.name == "msg_flags" })
        spoiled.structs["msghdr"]!.fields[index].offset = nil
        spoiled.structs["msghdr"]!.fields[index].size = nil
        let found = try problems(spoiled)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.contains("absent msghdr.msg_flags: compiles") ?? false, "\(found)")
    }

    func testAPresentStructRecordedAbsentFails() throws {
        var spoiled = host!
        spoiled.structs["linger"] = Snapshot.Layout(name: "linger", size: nil, alignment: nil,
                                                    fields: spoiled.structs["linger"]!.fields.map { .init(name: $0.name, offset: nil, size: nil) })
        let found = try problems(spoiled)
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found.first?.contains("struct linger") ?? false, "\(found)")
    }

    func testAnAbsentFieldFailsOnlyOnItsOwnLine() throws {
        var snapshot = host!
        snapshot.structs["linger"]!.fields.append(.init(name: "l_socket_gen_nonexistent", offset: nil, size: nil))
        var extended = spec!
        let linger = try XCTUnwrap(extended.structs.firstIndex { $0.name == "linger" })
        extended.structs[linger].fields.append("l_socket_gen_nonexistent")
        let checks = StaticAssertEmitter.checks(spec: extended, snapshot: snapshot)
        let absent = try XCTUnwrap(checks.first { $0.subject == "absent linger.l_socket_gen_nonexistent" })
        XCTAssertNil(try compiler.verify(absent, as: "absent.c", in: directory))
        // The same file with an error above its probe line must not count as "absent".
        var broken = absent
        broken.source = "#include <socket_gen_no_such_header.h>\n" + absent.source
        XCTAssertNotNil(try compiler.verify(broken, as: "broken.c", in: directory))
    }
}
