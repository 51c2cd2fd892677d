import Foundation
@testable import OTPSocket
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

    @Test func anOptionCallRacingCloseNeverReachesASocketThatGotTheSameNumber() async throws {
        // Options take no lock and no atomic: what keeps a setopt that raced close from
        // landing on a new socket given the same number is that close retires the number
        // (it names a file every socket call fails on) until the socket is let go.
        for _ in 0..<20 {
            let old = try Socket.open(.inet, .dgram)
            let number = try #require(old.fd)
            let marker = 7 * 1024 + 512
            let hammering = Background { () throws(SocketError) -> Int in
                var calls = 0
                while true {
                    calls += 1
                    do throws(SocketError) {
                        try old.setopt(.socket.rcvbuf, marker)
                    } catch {
                        guard error.reason == .closed else { throw error }
                        return calls
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(2))
            try old.close()
            // Without the retired number, these would get `number`, and the setopts still
            // on their way would change their receive buffer.
            let fresh = try (0..<8).map { _ throws(SocketError) in try Socket.open(.inet, .dgram) }
            #expect(try await hammering.value() > 0)
            #expect(!fresh.contains { $0.fd == number })
            #expect(descriptorTarget(number) == "anon_inode:[eventpoll]")
            for socket in fresh { #expect(try socket.getopt(.socket.rcvbuf) != 2 * marker) }
            #expect(throws: SocketError.closed) { try old.getopt(.socket.rcvbuf) }
            #expect(throws: SocketError.closed) { try old.sockname() }
        }
    }

    @Test func aNumberLentToAnOptionIsRetiredByCloseAndFreedWhenTheSocketIsLetGo() throws {
        var number: Int32 = -1
        do {
            let socket = try Socket.open(.inet, .stream)
            number = try #require(socket.fd)
            let target = try socketTarget(socket)
            _ = try socket.getopt(.socket.type)
            try socket.close()
            #expect(descriptorsReferring(to: target) == 0)
            #expect(descriptorTarget(number) == "anon_inode:[eventpoll]")
            #expect(throws: SocketError.closed) { try socket.setopt(.socket.keepalive, true) }
        }
        #expect(descriptorTarget(number) != "anon_inode:[eventpoll]")
    }

    @Test func theNumberFDGaveOutNamesTheRetiredFileAfterClose() throws {
        // `{otp, fd}` lends the number: a raw syscall on it after close fails, and the
        // number cannot be another socket's while the Socket lives.
        let socket = try Socket.open(.inet, .dgram)
        let number = try #require(socket.fd)
        try socket.close()
        #expect(descriptorTarget(number) == "anon_inode:[eventpoll]")
        #expect(socket.fd == nil)
        #expect(throws: SocketError.closed) { try socket.getopt(.otp.fd) }
        withExtendedLifetime(socket) {}
    }

    @Test func aNumberNeverLentIsClosedWithTheSocket() throws {
        let socket = try Socket.open(.inet, .stream)
        let number = socket.descriptor  // `fd` would lend it
        let target = try #require(descriptorTarget(number))
        try socket.close()
        #expect(descriptorsReferring(to: target) == 0)
        #expect(descriptorTarget(number) != "anon_inode:[eventpoll]")
        // Closed before any lending: the number is not touched again.
        #expect(throws: SocketError.closed) { try socket.getopt(.socket.type) }
        #expect(throws: SocketError.closed) { try socket.sockname() }
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
