import Foundation
import OTPSocket
import SocketConstants
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// sendfile(2) has no `MSG_NOSIGNAL`: a stream that cannot send (shut down for writing, or
/// its peer closed) raises `SIGPIPE` in the calling thread, whose default action would end
/// the test process. `sendfile` fails with `epipe` instead, in every style, and leaves the
/// thread as it found it: its mask restored, no `SIGPIPE` pending; one the caller blocked
/// itself stays pending, the caller's.
@Suite struct SendfileSignalTests {
    enum Style: CaseIterable, Sendable { case infinity, timeout, nowait, async }

    /// Whether `SIGPIPE` is blocked, and pending, in this thread.
    struct PipeSignal: Equatable, Sendable {
        var blocked: Bool
        var pending: Bool

        static let clear = PipeSignal(blocked: false, pending: false)

        static var current: PipeSignal {
            var mask = sigset_t(), pending = sigset_t()
            pthread_sigmask(Native.SIG_BLOCK, nil, &mask)
            sigpending(&pending)
            return PipeSignal(blocked: sigismember(&mask, Native.SIGPIPE) == 1, pending: sigismember(&pending, Native.SIGPIPE) == 1)
        }
    }

    /// One `sendfile` of the whole file in `style`, and this thread's `SIGPIPE` state before
    /// and after it (the async style may end on another thread: it reports `.clear` twice).
    static func sendfile(_ socket: Socket, _ path: String, _ style: Style) async
        -> (before: PipeSignal, result: Result<Int, SocketError>, after: PipeSignal) {
        if style == .async {
            do throws(SocketError) {
                return (.clear, .success(try await socket.sendfile(.path(path), timeout: .seconds(10))), .clear)
            } catch {
                return (.clear, .failure(error), .clear)
            }
        }
        // A thread of its own: the signal mask is a thread's.
        let worker = Reliability.Worker { () -> (PipeSignal, Result<Int, SocketError>, PipeSignal) in
            let before = PipeSignal.current
            let result = Result { () throws(SocketError) in
                switch style {
                case .infinity: return try socket.sendfile(.path(path))
                case .timeout: return try socket.sendfile(.path(path), timeout: .seconds(10))
                default:
                    guard case .completed(let sent) = try socket.sendfile(.path(path), select: .nowait(Mailbox())) else {
                        throw SocketError(.timeout)
                    }
                    return sent
                }
            }
            return (before, result, PipeSignal.current)
        }
        return await worker.join(within: .seconds(20)) ?? (.clear, .failure(SocketError(.timeout)), .clear)
    }

    static func reason(_ result: Result<Int, SocketError>) -> SocketError.Reason? {
        if case .failure(let error) = result { return error.reason }
        return nil
    }

    @Test(arguments: [Domain.inet, .local], Style.allCases)
    func aStreamShutDownForWritingIsEpipe(_ domain: Domain, style: Style) async throws {
        let path = try Fixtures.file(Fixtures.pattern(64 * 1024))
        defer { Fixtures.remove(path) }
        let (client, server) = try Reliability.streamPair(domain)
        try server.shutdown(.write)
        let (before, result, after) = await Self.sendfile(server, path, style)
        #expect(Self.reason(result) == .errno(.brokenPipe), "\(result)")
        #expect(before == .clear && after == .clear, "\(domain) \(style): SIGPIPE before \(before), after \(after)")
        try client.close()
        try server.close()
    }

    /// A local peer's close is `epipe` at once; a TCP peer answers the first bytes after its
    /// close with a reset (`econnreset` once), and the next call is `epipe`.
    @Test(arguments: [Domain.inet, .local], Style.allCases)
    func aPeerThatClosedIsEpipe(_ domain: Domain, style: Style) async throws {
        let path = try Fixtures.file(Fixtures.pattern(64 * 1024))
        defer { Fixtures.remove(path) }
        let (client, server) = try Reliability.streamPair(domain)
        try client.close()
        var last: (before: PipeSignal, result: Result<Int, SocketError>, after: PipeSignal)?
        for _ in 0..<100 {
            let call = await Self.sendfile(server, path, style)
            last = call
            if case .failure(let error) = call.result, error.reason != .errno(.connectionReset) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let (before, result, after) = try #require(last)
        #expect(Self.reason(result) == .errno(.brokenPipe), "\(result)")
        #expect(before == .clear && after == .clear, "\(domain) \(style): SIGPIPE before \(before), after \(after)")
        try server.close()
    }

    @Test func aSIGPIPETheCallerBlockedStaysPendingAndBlocked() async throws {
        let path = try Fixtures.file(Fixtures.pattern(64 * 1024))
        defer { Fixtures.remove(path) }
        let (client, server) = try Reliability.streamPair(.local)
        try server.shutdown(.write)
        let worker = Reliability.Worker { () -> (Result<Int, SocketError>, PipeSignal, PipeSignal) in
            var pipe = sigset_t(), previous = sigset_t()
            sigemptyset(&pipe)
            sigaddset(&pipe, Native.SIGPIPE)
            pthread_sigmask(Native.SIG_BLOCK, &pipe, &previous)
            let result = Result { () throws(SocketError) in try server.sendfile(.path(path)) }
            let after = PipeSignal.current
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipe, nil, &now)  // the caller's to take
            pthread_sigmask(Native.SIG_SETMASK, &previous, nil)
            return (result, after, PipeSignal.current)
        }
        let (result, after, restored) = try #require(await worker.join(within: .seconds(20)))
        #expect(Self.reason(result) == .errno(.brokenPipe), "\(result)")
        #expect(after == PipeSignal(blocked: true, pending: true))
        #expect(restored == .clear)
        try client.close()
        try server.close()
    }
}
