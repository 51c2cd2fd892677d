import OTPSocket
import SocketConstants
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A local stream connect to a listener whose queue is full fails at once with `eagain`,
/// whatever its timeout, and leaves the socket unconnected and usable: a retry connects once
/// the listener has accepted. Nothing else is right: the kernel signals nothing when room
/// appears, and a local socket that never connected polls writable with `SO_ERROR` 0, which
/// OTP 25 (and this library before) took for a connection (`ok`, then `enotconn`). A
/// blocking connect must not sleep in the kernel either, where `close` cannot wake it.
@Suite struct ConnectToAFullListenerTests {
    enum Mode: String, CaseIterable, Sendable { case blockingInfinity, blockingTimeout, nowait, asyncInfinity, asyncTimeout }

    /// The blocking calls, out of async code (where the async overloads would be chosen).
    static func connectBlocking(_ socket: Socket, to address: SocketAddress, timeout: Duration?) throws(SocketError) {
        try socket.connect(to: address, timeout: timeout)
    }

    static func accept(_ listener: Socket) throws(SocketError) -> Socket {
        try listener.accept(timeout: .seconds(5))
    }

    static func connect(_ socket: Socket, to address: SocketAddress, _ mode: Mode) async throws(SocketError) {
        switch mode {
        case .blockingInfinity: try connectBlocking(socket, to: address, timeout: nil)
        case .blockingTimeout: try connectBlocking(socket, to: address, timeout: .seconds(5))
        case .nowait:
            if case .selected(let info) = try socket.connect(to: address, select: .nowait(Mailbox())) {
                throw .invalid("a local connect selected (\(info)); it never completes")
            }
        case .asyncInfinity: try await socket.connect(to: address)
        case .asyncTimeout: try await socket.connect(to: address, timeout: .seconds(5))
        }
    }

    @Test(arguments: Mode.allCases)
    func aLocalConnectToAFullListenerFailsWithEagainAndCanBeRetried(_ mode: Mode) async throws {
        let (listener, fillers) = try Reliability.fullListener(.local)
        let address = try listener.sockname()
        let socket = try Socket.open(.local, .stream)
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: SocketError(.errno(.resourceTemporarilyUnavailable))) {
            try await Self.connect(socket, to: address, mode)
        }
        #expect(clock.now - start < .seconds(2), "\(mode): the connect waited")
        #expect(throws: SocketError(.errno(.socketNotConnected))) { try socket.peername() }
        #expect(socket.info().numReaders == 0 && socket.info().wstates.contains(.connected) == false)
        // Once the listener takes the queued connection, there is room: the retry connects.
        let first = try Self.accept(listener)
        try await Self.connect(socket, to: address, mode)
        let second = try Self.accept(listener)
        try Reliability.exchange(socket, second)
        withExtendedLifetime((fillers, first)) {}
    }

    /// A blocking connect keeps the descriptor blocking: the next blocking receive sleeps in
    /// the kernel, as before.
    @Test func aBlockingLocalConnectLeavesTheDescriptorBlocking() throws {
        let listener = try Reliability.listener(.local)
        let socket = try Socket.open(.local, .stream)
        try socket.connect(to: listener.sockname())
        let fd = try #require(socket.fd)
        #expect(fcntl(fd, Native.F_GETFL) & Native.O_NONBLOCK == 0)
    }
}
