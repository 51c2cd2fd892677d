import SocketConstants
import SocketGenKit
import SocketSnapshot
import SocketSpec
import XCTest

/// The emitted Swift picks each platform's snapshot at compile time and writes literals that
/// fit the target, not the build machine.
final class EmitterTests: XCTestCase {
    func testThisBuildSelectedTheHostsSnapshot() {
        XCTAssertEqual(SpecTables.currentTriple, Triple.host.name)
    }

    func testEveryCommittedSnapshotIsEmitted() throws {
        let committed = try Package.committedSnapshots().map(\.triple)
        XCTAssertEqual(SpecTables.snapshots.keys.sorted(), committed.sorted())
    }

    /// Emits a one-constant module for `snapshots`, without probing this machine.
    func emit(_ value: Int64, as type: String, for triples: [String]) throws -> String {
        let headers = try FileSystem.read(Package.root + "/Spec/headers.tbl")
        let spec = try SpecParser.parse(files: [("headers.tbl", headers), ("constants-test.tbl", "SOCKET_GEN_WIDE \(type) -\n")])
        let directory = try TemporaryDirectory()
        for triple in triples {
            let snapshot = Snapshot(triple: triple, constants: ["SOCKET_GEN_WIDE": .some(value)])
            _ = try directory.write(triple + GenerationPlan.snapshotSuffix, snapshot.text)
        }
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: directory.path, probeHost: false)
        return Emitter(spec: spec, plan: plan).emit()
    }

    /// The `Native.SOCKET_GEN_WIDE` declaration under each triple's `#if`, in order.
    func declarations(in source: String) -> [String] {
        source.split(separator: "\n").filter { $0.contains("static var SOCKET_GEN_WIDE:") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func testAValueBeyond32BitsWrapsOnlyOn32BitTargets() throws {
        let source = try emit(1 << 32, as: "Int", for: ["i686-linux-gnu", "x86_64-linux-gnu", "arm-linux-gnueabihf"])
        XCTAssertEqual(declarations(in: source), [
            "@inlinable public static var SOCKET_GEN_WIDE: Int { Int(truncatingIfNeeded: 4294967296 as Int64) }",
            "@inlinable public static var SOCKET_GEN_WIDE: Int { Int(truncatingIfNeeded: 4294967296 as Int64) }",
            "@inlinable public static var SOCKET_GEN_WIDE: Int { 4294967296 }",
        ])
    }

    func testAnUnsignedLongFitsThe32BitRangeOf32BitTargets() throws {
        let source = try emit(0xC020_6934, as: "CUnsignedLong", for: ["i686-linux-gnu", "s390x-linux-gnu"])
        XCTAssertEqual(declarations(in: source), [
            "@inlinable public static var SOCKET_GEN_WIDE: CUnsignedLong { 3223349556 }",
            "@inlinable public static var SOCKET_GEN_WIDE: CUnsignedLong { 3223349556 }",
        ])
    }

    func testEachSnapshotHasItsOwnConditionAndAnUnknownPlatformDoesNotBuild() throws {
        let triples = ["aarch64-linux-gnu", "mips64el-linux-gnuabi64", "x86_64-linux-musl"]
        let source = try emit(1, as: "CInt", for: triples)
        let conditions = source.split(separator: "\n").filter { $0.hasPrefix("#if ") || $0.hasPrefix("#elseif ") || $0.hasPrefix("#else") }
        XCTAssertEqual(conditions, [
            "#if os(Linux) && arch(arm64) && !canImport(Musl)",
            "#elseif os(Linux) && arch(mips64) && _endian(little) && !canImport(Musl)",
            "#elseif os(Linux) && arch(x86_64) && canImport(Musl)",
            "#else",
        ])
        XCTAssertTrue(source.contains("#error(\"socket-gen has no snapshot for this platform"))
    }
}
