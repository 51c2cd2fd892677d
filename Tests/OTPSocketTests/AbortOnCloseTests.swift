import Foundation
import OTPSocket
import SocketConstants
import Testing

/// `close` by anyone ends every operation waiting on the socket, in every style: blocking
/// calls and async tasks throw `closed`, `nowait` callers get `abort` with their handle.
/// Nothing hangs and the descriptor is released.
@Suite struct AbortOnCloseTests {
    func isAbort(_ handle: SelectHandle, of socket: Socket) -> @Sendable (SocketMessage) -> Bool {
        { message in
            if case .abort(let s, let h, .closed) = message { return s == socket && h == handle }
            return false
        }
    }

    @Test func readersInEveryStyleEndClosed() async throws {
        let (listener, client, server) = try tcpPair()
        let target = try socketTarget(server)
        let current = Background { () throws(SocketError) in try server.recv(1) }
        #expect(await waitForReaders(server, 1))
        let queuedBlocking = Background { () throws(SocketError) in try server.recv(1, timeout: .seconds(30)) }
        #expect(await waitForReaders(server, 2))
        let queuedAsync = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 3))
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        #expect(try server.recv(1, select: .handle(handle)).selectInfo?.handle == handle)
        #expect(users(server).readers == 4)

        let started = ContinuousClock.now
        try await blocking { () throws(SocketError) in try server.close() }
        #expect(ContinuousClock.now - started < .seconds(5))

        #expect(await current.failure() == .closed)
        #expect(await queuedBlocking.failure() == .closed)
        #expect(await failure(of: queuedAsync) == .closed)
        #expect(await receive(mailbox, where: isAbort(handle, of: server)) != nil)
        #expect(users(server).readers == 0)
        #expect(descriptorsReferring(to: target) == 0)
        withExtendedLifetime((listener, client)) {}
    }

    @Test func aParkedNowaitReaderGetsAbortWithItsHandle() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let info = try #require(try server.recv(0, select: .nowait(mailbox)).selectInfo)
        let other = Task.detached { try server.close() }
        try await other.value
        guard case .abort(let socket, let handle, let why)? = await receive(mailbox) else {
            Issue.record("no abort message"); return
        }
        #expect(socket == server)
        #expect(handle == info.handle)
        #expect(why == .closed)
        // No select message follows, even when the peer now writes.
        try await client.send([1])
        #expect(await receive(mailbox, within: 0.05) == nil)
        withExtendedLifetime(listener) {}
    }

    @Test func writersInEveryStyleEndClosed() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try fillSendBuffer(client)
        let target = try socketTarget(client)
        let big = [UInt8](repeating: 1, count: 1_000_000)  // more than the buffers can take
        let current = Background { () throws(SocketError) in try client.send(big) }
        #expect(await eventually { users(client).writers == 1 })
        let queuedAsync = Task { try await client.send(big) }
        #expect(await eventually { users(client).writers == 2 })
        let mailbox = Mailbox()
        let info = try #require(try client.send([3], select: .nowait(mailbox)).selectInfo)
        #expect(users(client).writers == 3)

        try await blocking { () throws(SocketError) in try client.close() }
        #expect(await current.failure() == .closed)
        #expect(await failure(of: queuedAsync) == .closed)
        #expect(await receive(mailbox, where: isAbort(info.handle, of: client)) != nil)
        #expect(descriptorsReferring(to: target) == 0)
        withExtendedLifetime((listener, server)) {}
    }

    @Test func acceptorsInEveryStyleEndClosed() async throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let target = try socketTarget(listener)
        let current = Background { () throws(SocketError) in try listener.accept() }
        #expect(await eventually { users(listener).acceptors == 1 })
        let queuedAsync = Task { try await listener.accept() }
        #expect(await eventually { users(listener).acceptors == 2 })
        let mailbox = Mailbox()
        let info = try #require(try listener.accept(select: .nowait(mailbox)).selectInfo)

        try await blocking { () throws(SocketError) in try listener.close() }
        #expect(await current.failure() == .closed)
        #expect(await failure(of: queuedAsync) == .closed)
        #expect(await receive(mailbox, where: isAbort(info.handle, of: listener)) != nil)
        #expect(descriptorsReferring(to: target) == 0)
    }

    @Test func connectorsInEveryStyleEndClosed() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }

        let blockingSocket = try Socket.open(.inet, .stream)
        let blockingConnect = Background { () throws(SocketError) in try blockingSocket.connect(to: address) }
        #expect(await eventually { users(blockingSocket).connectors == 1 })
        try blockingSocket.close()
        #expect(await blockingConnect.failure() == .closed)

        let asyncSocket = try Socket.open(.inet, .stream)
        let asyncConnect = Task { try await asyncSocket.connect(to: address) }
        #expect(await eventually { users(asyncSocket).connectors == 1 })
        try asyncSocket.close()
        #expect(await failure(of: asyncConnect) == .closed)

        let nowaitSocket = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        let info = try #require(try nowaitSocket.connect(to: address, select: .nowait(mailbox)).selectInfo)
        try nowaitSocket.close()
        #expect(await receive(mailbox, where: isAbort(info.handle, of: nowaitSocket)) != nil)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func everyOperationAfterCloseIsClosed() async throws {
        let (listener, client, server) = try tcpPair()
        try server.close()
        let mailbox = Mailbox()
        #expect(reason { () throws(SocketError) in try server.close() } == .closed)
        #expect(reason { () throws(SocketError) in _ = try server.recv(1, timeout: .zero) } == .closed)
        #expect(reason { () throws(SocketError) in _ = try server.recv(1, select: .nowait(mailbox)) } == .closed)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1) } == .closed)
        #expect(reason { () throws(SocketError) in try server.send([1], timeout: .zero) } == .closed)
        #expect(reason { () throws(SocketError) in _ = try server.send([1], select: .nowait(mailbox)) } == .closed)
        #expect(await reasonAsync { () async throws(SocketError) in try await server.send([1]) } == .closed)
        #expect(reason { () throws(SocketError) in _ = try listener.sockname(); _ = try server.sockname() } == .closed)
        #expect(reason { () throws(SocketError) in _ = try server.peername() } == .closed)
        #expect(reason { () throws(SocketError) in try server.shutdown(.write) } == .closed)
        #expect(reason { () throws(SocketError) in try server.connect() } == .closed)
        #expect(server.fd == nil)
        #expect(server.isClosed)
        #expect(mailbox.count == 0)
        withExtendedLifetime(client) {}
    }

    @Test func closeFromManyThreadsAtOnceClosesOnce() async throws {
        for _ in 0..<20 {
            let (listener, client, server) = try tcpPair()
            let target = try socketTarget(server)
            let reader = Background { () throws(SocketError) in try server.recv(1) }
            #expect(await waitForReaders(server, 1))
            let closers = (0..<4).map { _ in Background { () throws(SocketError) in try server.close() } }
            var succeeded = 0
            for closer in closers {
                switch await closer.outcome() {
                case .success?: succeeded += 1
                case .failure(let error)?: #expect(error.reason == .closed)
                case nil: Issue.record("close hung")
                }
            }
            #expect(succeeded == 1)
            #expect(await reader.failure() == .closed)
            #expect(descriptorsReferring(to: target) == 0)
            withExtendedLifetime((listener, client)) {}
        }
    }

    @Test func closeRacingReadinessNeitherHangsNorLeaks() async throws {
        // Readiness edges in flight in the reactor while the socket closes: every waiter
        // ends (with data or `closed`), every descriptor goes.
        var targets: [String] = []
        for i in 0..<100 {
            let (listener, client, server) = try tcpPair()
            targets.append(try socketTarget(server))
            let mailbox = Mailbox()
            let reader = Task { try await server.recv(1) }
            _ = try server.send([1], select: .nowait(mailbox))
            let accepting = Task { try await listener.accept() }
            if i % 3 == 0 { await Task.yield() }
            async let sent: Void = client.send([UInt8(truncatingIfNeeded: i)])
            let closer = Task.detached { try? server.close(); try? listener.close() }
            try await sent
            await closer.value
            let outcome = await within(5) { await reader.result }
            switch outcome {
            case .success(let data)?: #expect(data == [UInt8(truncatingIfNeeded: i)])
            case .failure(let error)?: #expect((error as? SocketError)?.reason == .closed)
            case nil: break
            }
            #expect(await within(5) { await failure(of: accepting) } == .closed)
        }
        #expect(targets.allSatisfy { descriptorsReferring(to: $0) == 0 })
    }
}
