@testable import OTPSocket
import SocketConstants
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sockets, files and threads the messaging tests share (a namespace, so that other test
/// files' helpers cannot clash).
enum Fixtures {
    /// A UDP socket bound to an ephemeral port of `::1` or `127.0.0.1`.
    static func udp(_ domain: Domain = .inet) throws -> Socket {
        let socket = try Socket.open(domain, .dgram)
        try socket.bind(domain == .inet6 ? .inet6(.loopback, port: 0) : .inet(.loopback, port: 0))
        return socket
    }

    /// A unique Linux abstract local address (no file to clean up).
    static func abstractAddress() -> SocketAddress {
        .local([0] + Array("otp-socket-messages-\(UUID().uuidString)".utf8))
    }

    /// Two bound local datagram sockets.
    static func localDgramPair() throws -> (Socket, Socket) {
        let a = try Socket.open(.local, .dgram)
        try a.bind(abstractAddress())
        let b = try Socket.open(.local, .dgram)
        try b.bind(abstractAddress())
        return (a, b)
    }

    /// A connected pair of local stream sockets.
    static func localStreamPair() throws -> (Socket, Socket) {
        let listener = try Socket.open(.local, .stream)
        try listener.bind(abstractAddress())
        try listener.listen()
        let client = try Socket.open(.local, .stream)
        try client.connect(to: listener.sockname())
        return (client, try listener.accept())
    }

    /// A connected TCP pair over 127.0.0.1.
    static func tcpPair() throws -> (client: Socket, server: Socket) {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let client = try Socket.open(.inet, .stream)
        try client.connect(to: listener.sockname())
        return (client, try listener.accept())
    }

    /// Deterministic bytes: `count` of them, starting at pattern position `seed`.
    static func pattern(_ count: Int, seed: Int = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 + seed) &* 31 &+ ($0 + seed) >> 8) }
    }

    /// A temporary file holding `bytes`; removed by the caller with `remove(_:)`.
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "otp-socket-sendfile-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Reads `count` bytes from `socket` in a thread of its own; `join` returns them (or what
    /// arrived before an error).
    final class Drain: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var bytes: [UInt8] = []

        init(_ socket: Socket, count: Int, delay: Duration = .zero) {
            let thread = Thread { [self] in
                if delay > .zero { Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds)) }
                var got: [UInt8] = []
                got.reserveCapacity(count)
                while got.count < count {
                    guard let chunk = try? socket.recv(0, timeout: .seconds(20)) else { break }
                    got += chunk
                }
                bytes = got
                done.signal()
            }
            thread.start()
        }

        func join() -> [UInt8] {
            done.wait()
            return bytes
        }
    }

    /// Runs `body` after `delay` in a thread of its own.
    static func later(_ delay: Duration, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            body()
        }
        thread.start()
    }

    /// The device and inode a descriptor refers to, or `nil` when it is not open.
    static func identity(_ fd: CInt) -> (UInt, UInt)? {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        return (UInt(status.st_dev), UInt(status.st_ino))
    }

    /// Calls `body` with `bytes` placed at the very end of a readable page that a
    /// `PROT_NONE` page follows: reading one byte past them crashes the test.
    static func withGuardedBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (bytes.count + page - 1) / page + 1
        let base = mmap(nil, (pages + 1) * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(base != MAP_FAILED)
        defer { munmap(base, (pages + 1) * page) }
        precondition(mprotect(base + pages * page, page, PROT_NONE) == 0)
        let start = base + pages * page - bytes.count
        bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(start), byteCount: bytes.count) }
        return body(UnsafeRawBufferPointer(start: start, count: bytes.count))
    }


    /// A network namespace with its loopback up, deleted with this object.
    final class Namespace {
        /// `ip` from iproute2, where it is.
        static let executable = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }
        /// Whether namespaces can be made here: as root, with iproute2.
        static var available: Bool { getuid() == 0 && executable != nil }

        let name = "otp-socket-messages-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var path: String { "/var/run/netns/\(name)" }

        @discardableResult
        static func ip(_ arguments: String...) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Namespace.executable!)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw SocketError.invalid("ip \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
            }
            return String(decoding: data, as: UTF8.self)
        }

        init() throws {
            try Namespace.ip("netns", "add", name)
            try Namespace.ip("-n", name, "link", "set", "lo", "up")
        }

        deinit { _ = try? Namespace.ip("netns", "delete", name) }

        /// The interface index of `lo` in the namespace (`1: lo: ...`).
        func loopbackIndex() throws -> Int32 {
            let line = try Namespace.ip("-n", name, "-o", "link", "show", "lo")
            guard let index = line.split(separator: ":").first.flatMap({ Int32($0) }) else {
                throw SocketError.invalid("no index in \(line)")
            }
            return index
        }
    }
}
