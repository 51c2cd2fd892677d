import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Erlang `accept/1,2` with every timeout kind.
@Suite struct AcceptTests {
    func listener() throws -> (Socket, SocketAddress) {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        return (listener, try listener.sockname())
    }

    @Test func blockingAcceptWaitsForAConnection() async throws {
        let (listener, address) = try listener()
        let acceptor = Background { () throws(SocketError) in try listener.accept() }
        #expect(await eventually { users(listener).acceptors == 1 })
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        let server = try await acceptor.value()
        #expect(try server.peername() == client.sockname())
        #expect(try server.sockname() == address)
    }

    @Test func acceptedSocketsInheritDomainTypeAndProtocol() async throws {
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        let server = try await listener.accept()
        #expect(server.domain == .inet)
        #expect(server.type == .stream)
        #expect(server.protocol == .tcp)
        #expect(server.creation == .normal)
        #expect(server != listener)
        // The listener still listens (OTP marks it connected).
        let second = try Socket.open(.inet, .stream)
        try await second.connect(to: address)
        #expect(try await listener.accept(timeout: .seconds(10)).peername() == second.sockname())
    }

    @Test func acceptTimesOut() async throws {
        let (listener, _) = try listener()
        let started = ContinuousClock.now
        let error = try await blocking { () throws(SocketError) in
            reason { () throws(SocketError) in _ = try listener.accept(timeout: .milliseconds(80)) }
        }
        #expect(error == .timeout)
        #expect(ContinuousClock.now - started >= .milliseconds(80))
        #expect(users(listener).acceptors == 0)
    }

    @Test func aZeroTimeoutPollsOnce() async throws {
        let (listener, address) = try listener()
        #expect(reason { () throws(SocketError) in _ = try listener.accept(timeout: .zero) } == .timeout)
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        // With a connection pending, `0` accepts it without waiting.
        #expect(await eventually {
            (try? listener.accept(timeout: .zero)).map { _ in true } ?? false
        })
        #expect(counters(listener).accWaits == 0)
    }

    @Test func nowaitAcceptSelectsThenAccepts() async throws {
        let (listener, address) = try listener()
        let mailbox = Mailbox()
        let info = try #require(try listener.accept(select: .nowait(mailbox)).selectInfo)
        #expect(info.tag == .accept)
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        guard case .select(let socket, let handle)? = await receive(mailbox) else {
            Issue.record("no select message"); return
        }
        #expect(socket == listener)
        #expect(handle == info.handle)
        guard case .completed(let server) = try listener.accept(select: .nowait(mailbox)) else {
            Issue.record("no connection after the select message"); return
        }
        #expect(try server.peername() == client.sockname())
        #expect(users(listener).acceptors == 0)
    }

    @Test func nowaitAcceptWithACallerHandle() async throws {
        let (listener, address) = try listener()
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        #expect(try listener.accept(select: .handle(handle)).selectInfo?.handle == handle)
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        #expect(await receive(mailbox, where: isSelect(handle)) != nil)
        guard case .completed(let server) = try listener.accept(select: .handle(handle)) else {
            Issue.record("no connection"); return
        }
        #expect(try server.peername() == client.sockname())
    }

    @Test func nowaitAcceptWithAConnectionPendingCompletes() async throws {
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        #expect(await eventually {
            if case .completed? = try? listener.accept(select: .nowait(Mailbox())) { return true }
            return false
        })
    }

    @Test func asyncAccept() async throws {
        let (listener, address) = try listener()
        async let accepted = listener.accept()
        #expect(await eventually { users(listener).acceptors == 1 })
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        #expect(try await accepted.peername() == client.sockname())
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await listener.accept(timeout: .milliseconds(20)) } == .timeout)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await listener.accept(timeout: .zero) } == .timeout)
        #expect(users(listener).acceptors == 0)
    }

    @Test func acceptOnASocketThatDoesNotListenFails() async throws {
        let socket = try Socket.open(.inet, .stream)
        #expect(reason { () throws(SocketError) in _ = try socket.accept(timeout: .zero) } == .errno(.invalidArgument))
        let udp = try Socket.open(.inet, .dgram)
        #expect(reason { () throws(SocketError) in _ = try udp.accept(timeout: .zero) } == .errno(.notSupported))
    }
}
