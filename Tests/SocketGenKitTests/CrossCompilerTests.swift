import SocketGenKit
import SocketSnapshot
import XCTest

/// Every committed snapshot, checked by GCC for its own triple: each constant's value, each
/// struct's size, alignment, field offsets and field sizes, and each absent name's absence.
final class CrossCompilerTests: XCTestCase {
    func testEveryCommittedSnapshotHoldsForItsTriplesCompiler() throws {
        let spec = try Package.spec()
        let snapshots = try Package.committedSnapshots()
        XCTAssertFalse(snapshots.isEmpty, "no snapshots in \(Package.generated)")
        let directory = try TemporaryDirectory()
        var checked: [String] = []
        for snapshot in snapshots {
            let triple = try XCTUnwrap(Triple.named(snapshot.triple), "Generated/\(snapshot.triple).snapshot names no known triple")
            let compiler: CCompiler
            do {
                compiler = try CCompiler.find(for: triple)
            } catch let missing as Unavailable {
                missing.report()
                continue
            }
            let checks = StaticAssertEmitter.checks(spec: spec, snapshot: snapshot)
            for (index, check) in checks.enumerated() {
                if let problem = try compiler.verify(check, as: "\(triple.name)-\(index).c", in: directory) {
                    XCTFail(problem)
                }
            }
            checked.append("\(triple.name) (\(checks.count) files, \(URL(fileURLWithPath: compiler.executable).lastPathComponent))")
        }
        print("checked with C compilers: \(checked.joined(separator: ", "))")
        if checked.isEmpty { throw XCTSkip("no C compiler for any committed triple is installed") }
    }
}
