import Foundation
import SocketGenKit
import SocketSpec
import XCTest

/// The committed platforms are the ones the issue promises, and `.ci/platforms.sh` installs
/// what checking each of them takes.
final class PlatformsTests: XCTestCase {
    func testTheSupportedTriplesAreCommitted() throws {
        let committed = Set(try Package.committedSnapshots().map(\.triple))
        for triple in ["x86_64-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf", "i686-linux-gnu",
                       "mips64el-linux-gnuabi64", "powerpc64le-linux-gnu", "riscv64-linux-gnu", "s390x-linux-gnu",
                       "x86_64-linux-musl"] {
            XCTAssertTrue(committed.contains(triple), "no Generated/\(triple).snapshot")
        }
        for triple in committed {
            XCTAssertNotNil(Triple.named(triple), "Generated/\(triple).snapshot: no such triple in Triple.known")
        }
    }

    func testThePlatformsScriptInstallsEveryCommittedTriplesPackages() throws {
        let script = try FileSystem.read(Package.root + "/.ci/platforms.sh")
        let words = Set(script.split { $0 == " " || $0 == "\n" || $0 == "(" || $0 == ")" }.map(String.init))
        for snapshot in try Package.committedSnapshots() {
            let triple = try XCTUnwrap(Triple.named(snapshot.triple))
            for package in triple.debianPackages() {
                XCTAssertTrue(words.contains(package), ".ci/platforms.sh does not install \(package) for \(triple.name)")
            }
        }
    }
}
