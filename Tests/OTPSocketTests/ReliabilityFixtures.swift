import OTPSocket
import SocketConstants
import SocketSpec
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the reliability tests share: descriptor counting, the descriptor limit, loopback
/// pairs of every kind, and threads that can be joined with a time limit.
enum Reliability {
    /// A failure inside an exit test (a child process of the test run).
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Ends an exit test's child process with `failure`, which the parent reports.
    static func fail(_ failure: any Error) -> Never {
        Issue.record("\(failure)")
        exit(EXIT_FAILURE)
    }

    /// `count` divided by `OTP_SOCKET_STRESS_DIVISOR` (at least 1): the sanitizer runs
    /// (`.ci/sanitizers.sh`) shrink the load tests tenfold, where each operation costs many
    /// times more and 20,000 sockets would starve the tests beside them. The checks stay.
    static func scaled(_ count: Int) -> Int {
        let divisor = ProcessInfo.processInfo.environment["OTP_SOCKET_STRESS_DIVISOR"].flatMap(Int.init) ?? 1
        return max(1, count / max(1, divisor))
    }

    /// The descriptors this process has open: the entries of `/proc/self/fd`, without the
    /// one that reading the directory opens.
    static func openDescriptors() -> Int {
        FileSystem.list("/proc/self/fd").count - 1
    }

    /// Under a sanitizer, starts its symbolizer now, so that descriptor counts taken after
    /// the warm-up see it on both sides: a report that `.ci/tsan.supp` suppresses is still
    /// symbolized to be matched, which starts `llvm-symbolizer` on two pipes that stay open
    /// (it broke ManyConnectionsTests' count under ThreadSanitizer). Without a sanitizer
    /// there is no `__sanitizer_symbolize_pc` and nothing happens.
    static func startSanitizerSymbolizer() {
        typealias Symbolize = @convention(c) (UnsafeRawPointer, UnsafePointer<CChar>, UnsafeMutablePointer<CChar>, Int) -> Void
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__sanitizer_symbolize_pc") else { return }
        let symbolize = unsafeBitCast(symbol, to: Symbolize.self)
        let code: @convention(c) () -> Void = {}
        var name = [CChar](repeating: 0, count: 256)
        symbolize(unsafeBitCast(code, to: UnsafeRawPointer.self), "%f", &name, name.count)
    }

    /// What each open descriptor refers to (`/proc/self/fd`), for failure messages.
    static func describeDescriptors() -> String {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap(Int.init).sorted().map { fd in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? "?"
            return "\(fd) -> \(target)"
        }.joined(separator: ", ")
    }

    /// Raises the soft limit on open descriptors to at least `wanted`, up to the hard limit
    /// (and the hard limit too where the process may: as root, up to `fs.nr_open`). Returns
    /// the soft limit in force afterwards.
    @discardableResult
    static func raiseDescriptorLimit(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return 0 }
        if Int(limit.rlim_cur) >= wanted { return Int(limit.rlim_cur) }
        if Int(limit.rlim_max) < wanted {
            var raised = limit
            raised.rlim_max = rlim_t(wanted)
            raised.rlim_cur = rlim_t(wanted)
            if setrlimit(RLIMIT_NOFILE_VALUE, &raised) == 0 { return wanted }
        }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
        _ = getrlimit(RLIMIT_NOFILE_VALUE, &limit)
        return Int(limit.rlim_cur)
    }

    static var RLIMIT_NOFILE_VALUE: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }

    /// A listening socket on an ephemeral port of the loopback of `domain` (`inet`, `inet6`)
    /// or on a unique abstract local address.
    static func listener(_ domain: Domain, backlog: Int = 128) throws(SocketError) -> Socket {
        let socket = try Socket.open(domain, .stream)
        try socket.bind(address(domain))
        try socket.listen(backlog: backlog)
        return socket
    }

    /// An address to bind in `domain`: port 0 of the loopback, or a unique abstract name.
    static func address(_ domain: Domain) -> SocketAddress {
        switch domain {
        case .inet6: return .inet6(.loopback, port: 0)
        case .local: return .local([0] + Array("otp-socket-reliability-\(UUID().uuidString)".utf8))
        default: return .inet(.loopback, port: 0)
        }
    }

    /// A connected stream pair in `domain`.
    static func streamPair(_ domain: Domain = .inet) throws(SocketError) -> (client: Socket, server: Socket) {
        let listener = try listener(domain)
        defer { try? listener.close() }
        let client = try Socket.open(domain, .stream)
        try client.connect(to: listener.sockname())
        return (client, try listener.accept(timeout: .seconds(10)))
    }

    /// A listener whose accept queue is full: a TCP SYN to it is dropped (the connect
    /// stays in progress), a local connect finds no room. The fillers must stay open.
    static func fullListener(_ domain: Domain) throws(SocketError) -> (listener: Socket, fillers: [Socket]) {
        let listener = try listener(domain, backlog: 0)
        var fillers: [Socket] = []
        for _ in 0..<8 {
            let filler = try Socket.open(domain, .stream)
            fillers.append(filler)
            do throws(SocketError) {
                guard case .selected = try filler.connect(to: listener.sockname(), select: .nowait(Mailbox())) else { continue }
            } catch where error.reason == .errno(.resourceTemporarilyUnavailable) {
                break  // local: no room
            }
            // A TCP connect is in progress until the handshake ends; one that still is after
            // a while was dropped.
            sleep(.milliseconds(100))
            if (try? filler.peername()) == nil { break }
        }
        return (listener, fillers)
    }

    /// A byte each way between two connected sockets (blocking, with a time-out): both are
    /// still usable.
    static func exchange(_ a: Socket, _ b: Socket) throws(SocketError) {
        try a.send([0xA5], timeout: .seconds(5))
        guard try b.recv(1, timeout: .seconds(5)) == [0xA5] else { throw .invalid("the byte changed on the way") }
        try b.send([0x5A], timeout: .seconds(5))
        guard try a.recv(1, timeout: .seconds(5)) == [0x5A] else { throw .invalid("the reply changed on the way") }
    }

    /// Fills the send buffer of `socket` (and its peer's receive buffer) with small
    /// buffers, so that the next `send` has to wait. Returns the bytes it sent.
    @discardableResult
    static func fill(_ socket: Socket) throws(SocketError) -> Int {
        try socket.setopt(.socket.sndbuf, 4096)
        var sent = 0
        let chunk = [UInt8](repeating: 0x5A, count: 65536)
        while true {
            do throws(SocketError) {
                try socket.send(chunk, timeout: .zero)
                sent += chunk.count
            } catch where error.reason == .timeout {
                return sent + chunk.count - (error.rest?.count ?? chunk.count)
            }
        }
    }

    /// A thread that runs `body` once; ``join(within:)`` waits for its result.
    final class Worker<Result: Sendable>: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var result: Result?

        init(_ body: @escaping @Sendable () -> Result) {
            let thread = Thread { [self] in
                let value = body()
                lock.withLock { result = value }
                done.signal()
            }
            thread.start()
        }

        /// The result, or `nil` when the thread is still running after `limit` (the calling
        /// thread waits).
        func join(within limit: Duration) -> Result? {
            let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
            guard done.wait(timeout: .now() + seconds) == .success else { return nil }
            return lock.withLock { result }
        }

        /// The result, or `nil` when the thread is still running after `limit` (the calling
        /// task sleeps; no thread waits).
        func join(within limit: Duration) async -> Result? {
            _ = await Reliability.eventually(within: limit) { lock.withLock { result != nil } }
            return lock.withLock { result }
        }
    }

    /// Sleeps this thread.
    static func sleep(_ duration: Duration) {
        Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// Waits up to `limit` for `condition`, checking every millisecond.
    static func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while clock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }
}
