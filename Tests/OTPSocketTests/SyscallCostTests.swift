import Foundation
import OTPSocket
import SocketConstants
import Testing

/// "A blocking call that could complete at once costs one syscall, not a reactor round
/// trip": checked with strace(1) attached to the calling thread, and with the counters.
@Suite struct SyscallCostTests {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The syscalls one thread makes while running `body`, as strace(1) lines, or `nil`
    /// (with the reason printed) when strace cannot attach here.
    func syscalls(warmUp: @escaping @Sendable () -> Void = {}, of body: @escaping @Sendable () -> Void) async throws -> [String]? {
        guard let strace = Self.strace else {
            print("skipped: strace is not installed (apt-get install strace)")
            return nil
        }
        let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0), leave = DispatchSemaphore(value: 0)
        let tid = ResultBox<Int32>()
        Thread.detachNewThread {
            // /proc/thread-self is "PID/task/TID".
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            tid.set(Int32(link.split(separator: "/").last ?? "") ?? -1)
            // First uses on a thread cost syscalls of their own (its eventfd, a lock's
            // cached thread id): the traced call is the steady state.
            warmUp()
            ready.signal()
            go.wait()
            _ = getppid()  // markers: the trace of `body` is what lies between them
            body()
            _ = getppid()
            done.signal()
            leave.wait()
        }
        var released = false
        defer { if !released { go.signal(); leave.signal() } }
        #expect(ready.wait(timeout: .now() + 5) == .success)
        let thread = try #require(tid.value)
        try #require(thread > 0)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("otp-strace-\(getpid())-\(thread).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: strace)
        process.arguments = ["-p", String(thread), "-o", log.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // strace says "Process N attached" once it has the thread.
        var said = Data()
        let attached = await eventually(5) {
            said += errors.fileHandleForReading.availableDataOrEmpty
            return String(decoding: said, as: UTF8.self).contains("attached") || !process.isRunning
        }
        guard attached, process.isRunning else {
            print("skipped: strace cannot attach here: \(String(decoding: said, as: UTF8.self))")
            return nil
        }
        go.signal()
        #expect(await eventually(5) { done.wait(timeout: .now()) == .success })
        released = true
        leave.signal()  // the thread ends, and strace with it
        if !(await eventually(5) { !process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("strace did not end with its thread")
        }
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let markers = lines.indices.filter { lines[$0].hasPrefix("getppid(") }
        guard markers.count == 2 else {
            Issue.record("the trace lacks its markers: \(lines)")
            return nil
        }
        return Array(lines[(markers[0] + 1)..<markers[1]])
    }

    @Test func aBlockingRecvWithDataThereIsOneSyscall() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3])
        #expect(await eventually { (try? server.recv(3, flags: .peek, timeout: .zero)) == [1, 2, 3] })
        let fd = try #require(server.fd)
        let received = ResultBox<[UInt8]>()
        guard let lines = try await syscalls(warmUp: {
            _ = try? server.recv(1)
        }, of: {
            received.set((try? server.recv(2)) ?? [])
        }) else { return }
        #expect(received.value == [2, 3])
        let socketCalls = lines.filter { $0.contains("(\(fd),") || $0.contains("(\(fd)<") }
        #expect(socketCalls.count == 1, "syscalls on the socket: \(socketCalls)")
        #expect(socketCalls.first?.hasPrefix("recvfrom(\(fd)") == true)
        let waits = lines.filter { $0.hasPrefix("poll(") || $0.hasPrefix("ppoll(") || $0.hasPrefix("epoll") || $0.hasPrefix("eventfd") }
        #expect(waits.isEmpty, "waits: \(waits)")
        // Nothing else at all.
        #expect(lines.count == 1, "all syscalls: \(lines)")
        withExtendedLifetime(listener) {}
    }

    @Test func aBlockingRecvThatWaitsPolls() async throws {
        // The same check sees the wait when there is one: it can fail.
        let (listener, client, server) = try tcpPair()
        let fd = try #require(server.fd)
        guard let lines = try await syscalls(warmUp: {
            _ = try? server.recv(1, timeout: .milliseconds(1))
        }, of: {
            _ = try? server.recv(1, timeout: .milliseconds(30))
        }) else { return }
        let socketCalls = lines.filter { $0.contains("(\(fd),") || $0.contains("[{fd=\(fd),") }
        #expect(socketCalls.count == 2, "syscalls on the socket: \(socketCalls)")  // recvfrom, poll
        #expect(lines.contains { $0.hasPrefix("poll(") || $0.hasPrefix("ppoll(") })
        withExtendedLifetime((listener, client)) {}
    }

    /// A blocking `sendfile` to the end of a file makes two sendfile(2) calls (the bytes,
    /// then 0 at the end) and blocks `SIGPIPE` once for both: two `rt_sigprocmask`, not four.
    @Test func aBlockingSendfileBlocksSIGPIPEOnceForAllItsChunks() async throws {
        let (listener, client, server) = try tcpPair()
        let size = 64 * 1024
        let path = try Fixtures.file(Fixtures.pattern(size))
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: 2 * size)
        let sent = ResultBox<Int>()
        guard let lines = try await syscalls(warmUp: {
            _ = try? client.sendfile(.path(path))
        }, of: {
            sent.set((try? client.sendfile(.path(path))) ?? -1)
        }) else { return }
        #expect(sent.value == size)
        #expect(drain.join().count == 2 * size)
        let sendfiles = lines.filter { $0.hasPrefix("sendfile(") }
        let masks = lines.filter { $0.hasPrefix("rt_sigprocmask(") }
        #expect(sendfiles.count == 2, "sendfile(2) calls: \(sendfiles)")
        #expect(masks.count == 2, "signal mask changes: \(masks)")
        #expect(!lines.contains { $0.hasPrefix("rt_sigtimedwait(") }, "a SIGPIPE taken after a success: \(lines)")
        withExtendedLifetime(listener) {}
    }

    @Test func theCountersAgree() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3, 4])
        #expect(await eventually { (try? server.recv(4, flags: .peek, timeout: .zero)) == [1, 2, 3, 4] })
        let before = counters(server)
        _ = try await blocking { () throws(SocketError) in try server.recv(2) }
        let after = counters(server)
        #expect(after.readTries - before.readTries == 1)
        #expect(after.readWaits - before.readWaits == 0)
        // The async style too: no reactor when the data is there.
        _ = try await server.recv(2)
        let last = counters(server)
        #expect(last.readTries - after.readTries == 1)
        #expect(last.readWaits - after.readWaits == 0)
        withExtendedLifetime(listener) {}
    }
}

extension FileHandle {
    /// What can be read now without blocking (the descriptor is made nonblocking).
    var availableDataOrEmpty: Data {
        let fd = fileDescriptor
        let flags = fcntl(fd, F_GETFL)
        if flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return n > 0 ? Data(buffer[0..<n]) : Data()
    }
}
