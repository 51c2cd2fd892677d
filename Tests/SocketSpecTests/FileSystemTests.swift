import Foundation
import SocketSpec
import XCTest

final class FileSystemTests: XCTestCase {
    /// `list` returns every name of a directory whose listing takes several of readdir's
    /// 32 KiB buffers, and reads each name where it stands: an entry is only `d_reclen`
    /// bytes, and copying a whole `struct dirent` at the end of a buffer reads past it
    /// (AddressSanitizer reports that in `.ci/sanitizers.sh`; unsanitized, it faulted when
    /// the buffer ended a mapping).
    func testListingADirectoryLargerThanReaddirsBufferReturnsEveryName() throws {
        let directory = NSTemporaryDirectory() + "socket-gen-list-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // ~40-byte entries (19-byte header, a 16-byte name): 4000 of them fill 160 KiB of buffers.
        let names = (0..<4000).map { String(format: "entry-%010d", $0) }
        for name in names {
            XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/" + name, contents: nil))
        }
        XCTAssertEqual(FileSystem.list(directory), names.sorted())
    }

    func testListingAMissingDirectoryIsEmpty() {
        XCTAssertEqual(FileSystem.list("/nonexistent-\(UUID().uuidString)"), [])
    }
}
