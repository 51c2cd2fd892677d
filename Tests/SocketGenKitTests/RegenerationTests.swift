import SocketGenKit
import SocketSnapshot
import XCTest

/// A committed snapshot is what its headers say today: probing them again, from where
/// Debian's packages put them, reproduces the file byte for byte. For the host's triple this
/// is the live probe of this machine, the check CI fails on when headers and snapshot drift.
final class RegenerationTests: XCTestCase {
    func testProbingEachTriplesHeadersReproducesItsCommittedSnapshot() throws {
        let spec = try Package.spec()
        var reproduced: [String] = []
        for snapshot in try Package.committedSnapshots() {
            let triple = try XCTUnwrap(Triple.named(snapshot.triple))
            let headers = triple.debianHeaders()
            let missing = (headers.directories ?? []).filter { !FileManager.default.fileExists(atPath: $0) }
            if !missing.isEmpty {
                Unavailable(description: "\(triple.name)'s headers (\(missing.joined(separator: ", "))) are not installed").report()
                continue
            }
            let started = ContinuousClock.now
            let probed = try Probe(spec: spec, triple: triple, headers: headers).run()
            let elapsed = ContinuousClock.now - started
            let committed = try Package.committedText(triple.name)
            if probed.text != committed {
                let differences = try Snapshot(parsing: committed).differences(from: probed)
                XCTFail("""
                    Generated/\(triple.name).snapshot is stale: its headers now differ in \(differences.count) names (committed vs probed):
                      \(differences.prefix(20).joined(separator: "\n  "))
                    regenerate it with: swift package --allow-writing-to-package-directory regenerate --triple \(triple.name)
                    """)
            }
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            reproduced.append("\(triple.name) \(milliseconds) ms")
        }
        print("probed: \(reproduced.joined(separator: ", "))")
        if reproduced.isEmpty { throw XCTSkip("no committed triple's headers are installed") }
    }

    func testAStaleHostSnapshotIsReportedByTheBuild() throws {
        let spec = try Package.spec()
        var committed = try GenerationPlan.committedSnapshot(Triple.host.name, in: Package.generated)
        committed.constants["SO_REUSEADDR"] = .some(1234)
        let directory = try TemporaryDirectory()
        _ = try directory.write(Triple.host.name + GenerationPlan.snapshotSuffix, committed.text)
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: directory.path)
        XCTAssertEqual(plan.warnings.count, 1)
        XCTAssertTrue(plan.warnings.first?.contains("SO_REUSEADDR: 1234 vs") ?? false, "\(plan.warnings)")
        // The build uses what the headers say, not the stale file.
        XCTAssertEqual(plan.snapshots.first { $0.triple == Triple.host.name }?.value("SO_REUSEADDR"), plan.live?.value("SO_REUSEADDR"))
    }
}
