import SocketGenKit
import SocketSnapshot
import XCTest

/// `socket-gen diff` prints `Snapshot.differences`; these are the facts a port between the
/// committed platforms must know, read from the committed files.
final class SnapshotDiffTests: XCTestCase {
    func snapshot(_ triple: String) throws -> Snapshot {
        try GenerationPlan.committedSnapshot(triple, in: Package.generated)
    }

    func testMips64elHasItsOwnSocketLevelAndOptions() throws {
        let differences = try snapshot("x86_64-linux-gnu").differences(from: snapshot("mips64el-linux-gnuabi64"))
        XCTAssertTrue(differences.contains("SOL_SOCKET: 1 vs 65535"), "\(differences)")
        XCTAssertTrue(differences.contains("SO_REUSEADDR: 2 vs 4"), "\(differences)")
        XCTAssertTrue(differences.contains("SOCK_STREAM: 1 vs 2"), "\(differences)")
    }

    func testI686HasA32BitTimeval() throws {
        let differences = try snapshot("x86_64-linux-gnu").differences(from: snapshot("i686-linux-gnu"))
        XCTAssertTrue(differences.contains("struct timeval: size 16 align 8 vs size 8 align 4"), "\(differences)")
        XCTAssertTrue(differences.contains("struct msghdr: size 56 align 8 vs size 28 align 4"), "\(differences)")
    }

    func testMuslDiffersFromGlibcOnTheSameMachine() throws {
        let differences = try snapshot("x86_64-linux-gnu").differences(from: snapshot("x86_64-linux-musl"))
        XCTAssertTrue(differences.contains("struct msghdr.msg_iovlen: offset 24 size 8 vs offset 24 size 4"), "\(differences)")
    }

    func testASnapshotDoesNotDifferFromItself() throws {
        for triple in Triple.known.map(\.name) where FileManager.default.fileExists(atPath: "\(Package.generated)/\(triple).snapshot") {
            XCTAssertEqual(try snapshot(triple).differences(from: snapshot(triple)), [])
        }
    }
}
