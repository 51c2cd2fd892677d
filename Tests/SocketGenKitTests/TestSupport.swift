import Foundation
import SocketGenKit
import SocketSnapshot
import SocketSpec
import XCTest

/// The package as the tests see it: its spec, its committed snapshots, and the tools this
/// machine has for checking them.
enum Package {
    /// The package root, three levels above this file (`Tests/SocketGenKitTests/`).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let generated = root + "/Generated"

    static func spec() throws -> Spec {
        try SpecParser.load(directory: root + "/Spec")
    }

    static func committedSnapshots() throws -> [Snapshot] {
        try GenerationPlan.committedSnapshots(in: generated)
    }

    static func committedText(_ triple: String) throws -> String {
        try FileSystem.read(generated + "/" + triple + GenerationPlan.snapshotSuffix)
    }
}

/// A tool a check needs is not installed. Outside CI that skips the check with the reason
/// printed; in CI (`CI` set, after `.ci/platforms.sh`) it is a failure, so that CI never
/// passes by skipping.
struct Unavailable: Error, CustomStringConvertible {
    var description: String

    static var mustNotSkip: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// Records the missing tool: a failure in CI, a printed skip reason elsewhere.
    func report(file: StaticString = #filePath, line: UInt = #line) {
        if Unavailable.mustNotSkip {
            XCTFail("\(description) (CI runs .ci/platforms.sh first, so this must not happen there)", file: file, line: line)
        } else {
            print("skipping: \(description); install it with .ci/platforms.sh")
        }
    }
}

/// The outcome of running a command.
struct Run {
    var status: Int32
    var output: String
    var errors: String
}

enum Command {
    /// The full path of `name` on `PATH`, or `nil`.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable` with `arguments` and collects what it prints.
    static func run(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Diagnostics in plain ASCII, whatever the machine's locale, for the tests that read them.
        process.environment = ProcessInfo.processInfo.environment.merging(["LC_ALL": "C"]) { $1 }
        let stdout = Pipe(), stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Drain both outputs at once, so that neither pipe can fill and block the child.
        let group = DispatchGroup()
        let output = Drained(), errors = Drained()
        DispatchQueue.global().async(group: group) { output.data = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errors.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        group.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output.data, as: UTF8.self),
                   errors: String(decoding: errors.data, as: UTF8.self))
    }
}

/// What one reader thread read; `DispatchGroup.wait()` orders its write before the read.
private final class Drained: @unchecked Sendable {
    var data = Data()
}

/// A fresh directory under the system's temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("socket-gen-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
