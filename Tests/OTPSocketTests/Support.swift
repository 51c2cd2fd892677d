import Foundation
@testable import OTPSocket
import SocketConstants
import SocketSpec
import Testing

/// A connected TCP pair over 127.0.0.1. With `buffer`, the client's send buffer and the
/// server's receive buffer are that small, so that a test fills them quickly.
func tcpPair(buffer: Int? = nil) throws -> (listener: Socket, client: Socket, server: Socket) {
    let listener = try Socket.open(.inet, .stream)
    if let buffer { try listener.setopt(.socket.rcvbuf, buffer) }
    try listener.bind(.inet(.loopback, port: 0))
    try listener.listen()
    let client = try Socket.open(.inet, .stream)
    if let buffer { try client.setopt(.socket.sndbuf, buffer) }
    try client.connect(to: listener.sockname())
    let server = try listener.accept()
    return (listener, client, server)
}

/// Two UDP sockets on 127.0.0.1, each connected to the other.
func udpPair() throws -> (a: Socket, b: Socket) {
    let a = try Socket.open(.inet, .dgram)
    let b = try Socket.open(.inet, .dgram)
    try a.bind(.inet(.loopback, port: 0))
    try b.bind(.inet(.loopback, port: 0))
    try a.connect(to: b.sockname())
    try b.connect(to: a.sockname())
    return (a, b)
}

/// A unique abstract unix address (Linux): a leading zero byte, no file to clean up.
func abstractAddress(_ tag: String = #function) -> SocketAddress {
    .local([0] + Array("otp-socket-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max))".utf8))
}

/// The descriptors this process has open, from `/proc/self/fd`.
func openDescriptors() -> Set<Int32> {
    Set(FileSystem.list("/proc/self/fd").compactMap { Int32($0) })
}

/// Whether `fd` is an open descriptor of this process.
func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }

/// Runs a blocking `body` on a thread of its own and gives back its result: a test never
/// blocks one of the cooperative pool's few threads (two on this machine), which the async
/// operations of every other test running in parallel need.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(SocketError) -> T) async throws(SocketError) -> T {
    let result: Result<T, SocketError> = await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            do throws(SocketError) { continuation.resume(returning: .success(try body())) } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}

/// Starts a blocking `body` on a thread of its own; ``outcome(within:)`` awaits it.
final class Background<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, SocketError>?

    init(_ body: @escaping @Sendable () throws(SocketError) -> T) {
        Thread.detachNewThread { [self] in
            let result: Result<T, SocketError>
            do throws(SocketError) { result = .success(try body()) } catch { result = .failure(error) }
            lock.withLock { self.result = result }
        }
    }

    /// Whether it finished.
    var isDone: Bool { lock.withLock { result != nil } }

    /// The outcome, or `nil` when it did not finish within `seconds`.
    func outcome(within seconds: Double = 5) async -> Result<T, SocketError>? {
        _ = await eventually(seconds) { isDone }
        return lock.withLock { result }
    }

    /// How it failed: `nil` when it succeeded; records an issue and says `timeout` when it
    /// did not finish in time.
    func failure(within seconds: Double = 5) async -> SocketError.Reason? {
        switch await outcome(within: seconds) {
        case .success?: return nil
        case .failure(let error)?: return error.reason
        case nil:
            Issue.record("a blocking call did not finish within \(seconds) s")
            return .timeout
        }
    }

    /// The value; throws its error, or records an issue and throws `timeout` when it hangs.
    func value(within seconds: Double = 5) async throws(SocketError) -> T {
        guard let outcome = await outcome(within: seconds) else {
            Issue.record("a blocking call did not finish within \(seconds) s")
            throw .timeout
        }
        return try outcome.get()
    }
}

/// Waits, without blocking a thread, until `condition` holds, at most `seconds`; returns
/// whether it did.
func eventually(_ seconds: Double = 5, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return try condition()
}

/// The first message in `mailbox` that matches, waiting at most `seconds` without blocking
/// a thread; `nil` when none came.
func receive(_ mailbox: Mailbox, within seconds: Double = 5,
             where predicate: @escaping @Sendable (SocketMessage) -> Bool = { _ in true }) async -> SocketMessage? {
    var message: SocketMessage?
    _ = await eventually(seconds) {
        message = mailbox.receive(timeout: .zero, where: predicate)
        return message != nil
    }
    return message
}

/// The reason of the error `body` throws, or `nil` when it throws none.
func reason(_ body: () throws(SocketError) -> Void) -> SocketError.Reason? {
    do throws(SocketError) { try body(); return nil } catch { return error.reason }
}

func reasonAsync(_ body: () async throws(SocketError) -> Void) async -> SocketError.Reason? {
    do throws(SocketError) { try await body(); return nil } catch { return error.reason }
}

/// Fills `socket`'s send buffer (its peer does not read) until a send would block, and
/// stays full: the kernel moves bytes on to the peer as (delayed, up to 40 ms) ACKs come
/// in, so it fills again until a round 50 ms later adds nothing. Returns the bytes sent.
@discardableResult
func fillSendBuffer(_ socket: Socket) throws(SocketError) -> Int {
    let chunk = [UInt8](repeating: 7, count: 65536)
    var total = 0
    var round = 0
    repeat {
        round = 0
        while true {
            do throws(SocketError) {
                try socket.send(chunk, timeout: .zero)
                round += chunk.count
            } catch {
                guard error.reason == .timeout else { throw error }
                round += chunk.count - (error.rest?.count ?? chunk.count)
                break
            }
        }
        total += round
        usleep(50_000)
    } while round > 0
    return total
}

/// A listener whose accept queue is full: a new TCP connect to it stays in progress (its
/// SYN is dropped), which is how a test gets a connect that waits on loopback.
func saturatedListener() throws(SocketError) -> (listener: Socket, address: SocketAddress, fillers: [Socket]) {
    let listener = try Socket.open(.inet, .stream)
    try listener.bind(.inet(.loopback, port: 0))
    try listener.listen(backlog: 0)
    let address = try listener.sockname()
    var fillers: [Socket] = []
    for _ in 0..<16 {
        let client = try Socket.open(.inet, .stream)
        fillers.append(client)
        do throws(SocketError) {
            try client.connect(to: address, timeout: .milliseconds(200))
        } catch {
            guard error.reason == .timeout else { throw error }
            return (listener, address, fillers)
        }
    }
    Issue.record("the accept queue never filled")
    return (listener, address, fillers)
}

/// Matches the `select` message for `handle`.
func isSelect(_ handle: SelectHandle) -> @Sendable (SocketMessage) -> Bool {
    { message in
        if case .select(_, let h) = message { return h == handle }
        return false
    }
}

/// Current plus queued users of each direction (Erlang `num_readers`, `num_writers`,
/// `num_acceptors`), read from the socket's state for tests.
func users(_ socket: Socket) -> (readers: Int, writers: Int, acceptors: Int, connectors: Int) {
    socket.withLock { ($0.users(.read), $0.users(.write), $0.users(.accept), $0.users(.connect)) }
}

/// The socket's counters, read from the socket's state for tests.
func counters(_ socket: Socket) -> SocketCounters {
    socket.withLock { $0.counters }
}

/// Waits until `socket` has `count` readers (current plus queued).
func waitForReaders(_ socket: Socket, _ count: Int) async -> Bool {
    await eventually { users(socket).readers == count }
}

/// What `/proc/self/fd/N` links to: `socket:[INODE]` for a socket. The inode names the
/// socket itself, so a test can tell whether it is still open even while tests running in
/// parallel reuse its descriptor number.
func descriptorTarget(_ fd: Int32) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
}

/// How many descriptors of this process refer to the socket `target` (from
/// ``descriptorTarget(_:)``).
func descriptorsReferring(to target: String) -> Int {
    openDescriptors().filter { descriptorTarget($0) == target }.count
}

/// The `socket:[INODE]` of an open socket.
func socketTarget(_ socket: Socket) throws -> String {
    let fd = try #require(socket.fd)
    return try #require(descriptorTarget(fd))
}

/// How a task failed: `nil` when it succeeded (or failed with another error type).
func failure<T>(of task: Task<T, any Error>) async -> SocketError.Reason? {
    do {
        _ = try await task.value
        return nil
    } catch let error as SocketError {
        return error.reason
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// The value of `operation`, run as a task, or `nil` (and an issue) when it has not
/// finished within `seconds`: a hang fails the test instead of hanging the run.
func within<T: Sendable>(_ seconds: Double = 5, _ operation: @escaping @Sendable () async -> T) async -> T? {
    let box = ResultBox<T>()
    let task = Task { box.set(await operation()) }
    guard await eventually(seconds, { box.value != nil }) else {
        Issue.record("an async operation did not finish within \(seconds) s")
        task.cancel()
        return nil
    }
    return box.value
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    func set(_ value: T) { lock.withLock { stored = value } }
    var value: T? { lock.withLock { stored } }
}

/// Runs `body` here and now: inside it, a call picks the blocking overload, not the async
/// one an async test would otherwise get. For blocking calls that do not wait.
func sync<T>(_ body: () throws(SocketError) -> T) throws(SocketError) -> T {
    try body()
}

/// A value behind an `NSLock` (a pthread mutex, which ThreadSanitizer sees; the library's
/// own `Mutex` stands in for `Synchronization.Mutex` under ThreadSanitizer, so a test that
/// names `Mutex` would be ambiguous there).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
