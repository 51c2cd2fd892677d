import Foundation

/// Runs the built `otp-socket` binary, which SwiftPM puts beside the test bundle in the
/// build products directory (`OTP_SOCKET_CLI` names another one).
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["OTP_SOCKET_CLI"] { return URL(fileURLWithPath: path) }
        #if os(macOS)
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL
        return bundle.deletingLastPathComponent().appendingPathComponent("otp-socket")
        #else
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("otp-socket")
        #endif
    }

    /// Output goes to files rather than pipes, so that neither stream can fill and block.
    static func run(_ arguments: String...) throws -> CLIRun {
        try run(arguments)
    }

    static func run(_ arguments: [String]) throws -> CLIRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("otp-socket-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return CLIRun(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// Standard output parsed as JSON.
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
    }
}
