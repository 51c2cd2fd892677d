import Foundation
import OTPSocket
import SocketConstants
import Testing

/// `close` and the last release: the descriptor is closed exactly once, by `close` or when
/// the last reference goes, and `{socket, linger}` is honoured.
@Suite struct CloseTests {
    @Test func closeReleasesTheDescriptor() throws {
        var targets: [String] = []
        for _ in 0..<50 {
            let socket = try Socket.open(.inet, .stream)
            targets.append(try socketTarget(socket))
            try socket.close()
        }
        #expect(targets.allSatisfy { descriptorsReferring(to: $0) == 0 })
    }

    @Test func theLastReleaseClosesTheSocket() throws {
        var target = ""
        do {
            let socket = try Socket.open(.inet, .dgram)
            try socket.bind(.inet(.loopback, port: 0))
            target = try socketTarget(socket)
            #expect(descriptorsReferring(to: target) == 1)
        }
        #expect(descriptorsReferring(to: target) == 0)
    }

    @Test func aPendingNowaitOperationDoesNotKeepTheSocketAlive() async throws {
        let mailbox = Mailbox()
        var target = ""
        var info: SelectInfo?
        do {
            let (listener, client, server) = try tcpPair()
            target = try socketTarget(server)
            info = try server.recv(1, select: .nowait(mailbox)).selectInfo
            withExtendedLifetime((listener, client)) {}
        }
        #expect(info != nil)
        #expect(descriptorsReferring(to: target) == 0)
        #expect(mailbox.count == 0)
    }

    @Test func aSelectMessageKeepsTheSocketItNames() async throws {
        // Holding the message is holding the socket, as an Erlang message holds the socket
        // term: the caller may drop its own reference once the message is there.
        let mailbox = Mailbox()
        var pair: (listener: Socket, client: Socket, server: Socket)? = try tcpPair()
        _ = try pair!.server.recv(1, select: .nowait(mailbox))
        try await pair!.client.send([42])
        #expect(await eventually { mailbox.count == 1 })
        let client = pair!.client
        pair = nil
        guard case .select(let server, let handle)? = await receive(mailbox) else {
            Issue.record("no select message"); return
        }
        guard case .completed([42]) = try server.recv(1, select: .handle(handle)) else {
            Issue.record("the socket from the message did not read"); return
        }
        withExtendedLifetime(client) {}
    }

    @Test func aMailboxDroppedWithItsMessagesReleasesTheirSockets() async throws {
        var target = ""
        do {
            let mailbox = Mailbox()
            let (listener, client, server) = try tcpPair()
            target = try socketTarget(server)
            _ = try server.recv(1, select: .nowait(mailbox))
            try await client.send([1])
            #expect(await eventually { mailbox.count == 1 })
            withExtendedLifetime(listener) {}
        }
        #expect(descriptorsReferring(to: target) == 0)
    }

    @Test func droppingManySocketsReleasesEveryDescriptor() async throws {
        var targets: [String] = []
        do {
            var sockets: [Socket] = []
            for _ in 0..<20 {
                let (listener, client, server) = try tcpPair()
                targets += [try socketTarget(listener), try socketTarget(client), try socketTarget(server)]
                _ = try server.recv(0, select: .nowait(Mailbox()))
                // An async wait registers the socket with the reactor; dropping must undo it.
                #expect(await reasonAsync { () async throws(SocketError) in _ = try await client.recv(1, timeout: .milliseconds(1)) } == .timeout)
                sockets += [listener, client, server]
            }
            #expect(targets.allSatisfy { descriptorsReferring(to: $0) == 1 })
        }
        let left = targets.enumerated().filter { descriptorsReferring(to: $0.element) != 0 }.map { $0.offset % 3 }
        #expect(left.isEmpty, "left open (0 listener, 1 client, 2 server): \(left)")
    }

    @Test func lingerMakesCloseWaitForUnsentData() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try fillSendBuffer(client)
        try client.setopt(.socket.linger, Linger(onoff: true, linger: 1))
        let started = ContinuousClock.now
        try await blocking { () throws(SocketError) in try client.close() }
        let lingered = ContinuousClock.now - started
        // The peer never reads: the kernel lingers the full second, in the closing thread.
        #expect(lingered >= .milliseconds(900))
        #expect(lingered < .seconds(5))
        withExtendedLifetime((listener, server)) {}
    }

    @Test func withoutLingerCloseReturnsAtOnce() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try fillSendBuffer(client)
        let started = ContinuousClock.now
        try client.close()
        #expect(ContinuousClock.now - started < .milliseconds(500))
        withExtendedLifetime((listener, server)) {}
    }

    @Test func lingerDeliversTheDataBeforeClosing() async throws {
        let (listener, client, server) = try tcpPair()
        try client.setopt(.socket.linger, Linger(onoff: true, linger: 5))
        let payload = [UInt8](repeating: 3, count: 200_000)
        let reader = Task {
            var received: [UInt8] = []
            while true {
                do throws(SocketError) {
                    received += try await server.recv(0, timeout: .seconds(5))
                } catch {
                    #expect(error.reason == .closed)
                    return received
                }
            }
        }
        try await client.send(payload)
        try await blocking { () throws(SocketError) in try client.close() }
        #expect(await reader.value == payload)
        withExtendedLifetime(listener) {}
    }

    @Test func closeWaitsForAThreadInsideASyscallAndClosesItself() async throws {
        // A blocked reader is inside poll(2) on the descriptor: close wakes it, waits for it
        // to leave, and only then closes, so the reader never polls a recycled number.
        for _ in 0..<50 {
            let (listener, client, server) = try tcpPair()
            let target = try socketTarget(server)
            let reader = Background { () throws(SocketError) in try server.recv(1) }
            #expect(await waitForReaders(server, 1))
            try await blocking { () throws(SocketError) in try server.close() }
            #expect(descriptorsReferring(to: target) == 0)
            #expect(await reader.failure() == .closed)
            withExtendedLifetime((listener, client)) {}
        }
    }
}
