import Foundation
@testable import OTPSocket
import SocketConstants
import Testing

@Suite struct SocketInfoTests {
    @Test func statesThroughATCPSocketsLife() throws {
        let listener = try Socket.open(.inet, .stream)
        var info = listener.info()
        #expect(info.domain == .inet)
        #expect(info.type == .stream)
        #expect(info.protocol == .tcp)
        #expect(info.ctype == .normal)
        #expect(info.rstates == [])
        #expect(info.wstates == [])
        #expect(info.fd == listener.fd && info.fd != nil)

        try listener.bind(.inet(.loopback, port: 0))
        #expect(listener.info().rstates == [.bound])
        try listener.listen()
        info = listener.info()
        #expect(info.rstates == [.bound, .listening])
        #expect(info.wstates == [])
        #expect(!info.readable, "no connection is pending")

        // A blocking accept in another thread: accepting, one acceptor.
        nonisolated(unsafe) var accepted: Socket?
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            accepted = try? listener.accept(timeout: .seconds(5))
            done.signal()
        }
        #expect(eventually { listener.info().numAcceptors == 1 })
        #expect(listener.info().rstates == [.bound, .listening, .accepting])
        let client = try Socket.open(.inet, .stream)
        try client.connect(to: listener.sockname())
        #expect(done.wait(timeout: .now() + 5) == .success)
        let server = try #require(accepted)
        #expect(eventually { listener.info().numAcceptors == 0 })
        #expect(listener.info().rstates == [.bound, .listening], "unlike OTP, accept leaves the listener unconnected")
        #expect(listener.info().wstates == [])

        // A nowait accept waits for its select message: accepting and selected.
        let mailbox = Mailbox()
        guard case .selected(let acceptInfo) = try listener.accept(select: .nowait(mailbox)) else {
            Issue.record("expected select"); return
        }
        #expect(listener.info().rstates == [.bound, .listening, .accepting, .selected])
        try listener.cancel(acceptInfo)
        #expect(listener.info().rstates == [.bound, .listening])

        // Both ends of the connection.
        #expect(client.info().wstates == [.connected])
        #expect(client.info().rstates == [])
        #expect(server.info().wstates == [.connected])
        #expect(server.info().ctype == .normal)
        #expect(!server.info().readable)
        #expect(server.info().writable)

        // A nowait read waits: selected, one reader; a second one queues behind it.
        let other = Mailbox()
        guard case .selected(let first) = try server.recv(1, select: .nowait(mailbox)),
              case .selected(let second) = try server.recv(1, select: .nowait(other)) else {
            Issue.record("expected select"); return
        }
        info = server.info()
        #expect(info.rstates == [.selected])
        #expect(info.numReaders == 2)
        #expect(info.numWriters == 0)
        try server.cancel(second)
        #expect(server.info().numReaders == 1)
        try server.cancel(first)
        #expect(server.info().numReaders == 0)
        #expect(server.info().rstates == [])

        try client.send([1])
        #expect(eventually { server.info().readable })

        try server.close()
        info = server.info()
        #expect(info.rstates == [.closed])
        #expect(info.wstates == [.closed])
        #expect(!info.readable && !info.writable)
        #expect(info.fd == nil)
        #expect(info.counters.readByte == 0)
    }

    @Test func aWriterWaitingForRoomIsSelected() throws {
        let (_, client, server) = try tcpPair()
        try client.setopt(.socket.sndbuf, 4096)
        try server.setopt(.socket.rcvbuf, 4096)
        let mailbox = Mailbox()
        guard case .partial(let pending, _) = try client.send([UInt8](repeating: 0, count: 1 << 20), select: .nowait(mailbox)) else {
            Issue.record("expected a partial send"); return
        }
        var info = client.info()
        #expect(info.wstates == [.connected, .selected])
        #expect(info.numWriters == 1)
        #expect(!info.writable)
        try client.cancel(pending)
        info = client.info()
        #expect(info.wstates == [.connected])
        #expect(info.numWriters == 0)
    }

    @Test func aConnectThatMustWaitIsConnecting() throws {
        // A listener with a full accept queue drops the next SYN: that connect stays in progress.
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen(backlog: 0)
        let queued = try Socket.open(.inet, .stream)
        try queued.connect(to: listener.sockname())
        let waiting = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        guard case .selected(let pending) = try waiting.connect(to: listener.sockname(), select: .nowait(mailbox)) else {
            Issue.record("expected the connect to wait"); return
        }
        #expect(waiting.info().wstates == [.connecting, .selected])
        try waiting.cancel(pending)
        #expect(waiting.info().wstates == [])
        #expect(queued.info().wstates == [.connected])
    }

    /// `close` waits for the threads inside a syscall on the descriptor; meanwhile the socket
    /// says `closing`.
    @Test func closingWhileAnOperationHoldsTheDescriptor() async throws {
        let socket = try Socket.open(.inet, .dgram)
        let held = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // An operation in flight, between its entry and its leaving, as a syscall is.
            guard case .proceed = socket.enter(.read, orQueue: { nil }) else { return }
            held.signal()
            release.wait()
            socket.leave(.read)
        }
        held.wait()
        let closing = Background { () throws(SocketError) in try socket.close() }
        #expect(await eventually { socket.info().rstates == [.closing] })
        let info = socket.info()
        #expect(info.wstates == [.closing])
        #expect(info.fd == nil)
        release.signal()
        #expect(await closing.failure() == nil)
        #expect(socket.info().rstates == [.closed])
    }

    @Test func socketsFromDescriptorsSayHowTheyWereMade() throws {
        let original = try Socket.open(.local, .dgram)
        let fd = try #require(original.fd)
        let duplicate = try Socket.open(fd: fd)
        #expect(duplicate.info().ctype == .fromFDDup(fd))
        #expect(duplicate.info().domain == .local, "unix sockets are local, not inet6")
        #expect(duplicate.info().type == .dgram)
    }
}
