import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Erlang `connect/1,2,3`: every timeout kind, `nowait` with its finalization, refusal, and
/// the one-connector rule (`already`).
@Suite struct ConnectTests {
    func listener() throws -> (Socket, SocketAddress) {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        return (listener, try listener.sockname())
    }

    /// An address nobody listens on: connecting to it is refused.
    func refusingAddress() throws -> SocketAddress {
        let socket = try Socket.open(.inet, .stream)
        try socket.bind(.inet(.loopback, port: 0))
        let address = try socket.sockname()
        try socket.close()
        return address
    }

    @Test func blockingConnectWithoutTimeout() async throws {
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        try await blocking { () throws(SocketError) in try client.connect(to: address) }
        #expect(try client.peername() == address)
        let server = try await listener.accept(timeout: .seconds(10))
        #expect(try server.peername() == client.sockname())
    }

    @Test func blockingConnectWithATimeout() async throws {
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        try await blocking { () throws(SocketError) in try client.connect(to: address, timeout: .seconds(10)) }
        #expect(try client.peername() == address)
        withExtendedLifetime(listener) {}
    }

    @Test func aConnectThatCannotFinishTimesOut() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let client = try Socket.open(.inet, .stream)
        let started = ContinuousClock.now
        let error = try await blocking { () throws(SocketError) in
            reason { () throws(SocketError) in try client.connect(to: address, timeout: .milliseconds(100)) }
        }
        #expect(error == .timeout)
        #expect(ContinuousClock.now - started >= .milliseconds(100))
        // The kernel goes on connecting: a second connect is not `already` but waits again.
        #expect(reason { () throws(SocketError) in try client.connect(to: address, timeout: .milliseconds(20)) } == .timeout)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func aZeroTimeoutPollsOnceAndARetryCompletes() async throws {
        // Erlang gives {error, timeout} for connect(S, Addr, 0): a TCP connect never
        // finishes inside connect(2). Connecting again waits for the same attempt.
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        #expect(reason { () throws(SocketError) in try client.connect(to: address, timeout: .zero) } == .timeout)
        try await blocking { () throws(SocketError) in try client.connect(to: address, timeout: .seconds(10)) }
        #expect(try client.peername() == address)
        withExtendedLifetime(listener) {}
    }

    @Test func nowaitConnectSelectsThenConnectFinalizes() async throws {
        // A TCP connect never finishes inside connect(2): nowait always selects, even when
        // the handshake is over by the time the call parks (the message then comes at once).
        let (listener, address) = try listener()
        for _ in 0..<20 {
            let client = try Socket.open(.inet, .stream)
            let mailbox = Mailbox()
            let info = try #require(try client.connect(to: address, select: .nowait(mailbox)).selectInfo)
            #expect(info.tag == .connect)
            guard case .select(let socket, let handle)? = await receive(mailbox) else {
                Issue.record("no select message"); return
            }
            #expect(socket == client)
            #expect(handle == info.handle)
            try client.connect()
            #expect(try client.peername() == address)
            #expect(users(client).connectors == 0)
            // Finalized: there is nothing left to finalize.
            #expect(reason { () throws(SocketError) in try client.connect() } == .invalid("state"))
            #expect(await receive(mailbox, within: 0.01) == nil)
            _ = try await listener.accept(timeout: .seconds(10))
        }
    }

    @Test func nowaitConnectWithACallerHandle() async throws {
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        #expect(try client.connect(to: address, select: .handle(handle)).selectInfo?.handle == handle)
        #expect(await receive(mailbox, where: isSelect(handle)) != nil)
        try client.connect()
        #expect(try client.peername() == address)
        withExtendedLifetime(listener) {}
    }

    @Test func connectingAgainFromTheSameMailboxFinalizesToo() async throws {
        // Erlang allows connect/2,3 instead of connect/1 after the select message.
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        _ = try #require(try client.connect(to: address, select: .nowait(mailbox)).selectInfo)
        #expect(await receive(mailbox) != nil)
        guard case .completed = try client.connect(to: address, select: .nowait(mailbox)) else {
            Issue.record("the second connect did not finalize"); return
        }
        #expect(try client.peername() == address)
        #expect(users(client).connectors == 0)
        withExtendedLifetime(listener) {}
    }

    @Test func finalizingWithoutAPendingConnectIsInvalid() throws {
        let client = try Socket.open(.inet, .stream)
        #expect(reason { () throws(SocketError) in try client.connect() } == .invalid("state"))
    }

    @Test func finalizingTooEarlyLeavesTheConnectPending() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let client = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        let info = try #require(try client.connect(to: address, select: .nowait(mailbox)).selectInfo)
        // OTP reads SO_ERROR (0 during the handshake) and says ok here; the connection is
        // not there yet.
        #expect(reason { () throws(SocketError) in try client.connect() } == .errno(.nowInProgress))
        #expect(users(client).connectors == 1)
        #expect(reason { () throws(SocketError) in _ = try client.peername() } == .errno(.socketNotConnected))
        try client.cancel(info)
        #expect(users(client).connectors == 0)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func aSecondConnectWhileOneIsPendingIsAlready() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let client = try Socket.open(.inet, .stream)
        let first = Mailbox(), other = Mailbox()
        let info = try #require(try client.connect(to: address, select: .nowait(first)).selectInfo)
        let already = SocketError.Reason.errno(.alreadyInProcess)
        #expect(reason { () throws(SocketError) in try client.connect(to: address, timeout: .seconds(10)) } == already)
        #expect(reason { () throws(SocketError) in _ = try client.connect(to: address, select: .nowait(other)) } == already)
        #expect(await reasonAsync { () async throws(SocketError) in try await client.connect(to: address) } == already)
        #expect(already.description == "ealready")
        try client.cancel(info)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func aBlockingConnectHoldsOffOthers() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let client = try Socket.open(.inet, .stream)
        let pending = Background { () throws(SocketError) in try client.connect(to: address, timeout: .seconds(10)) }
        #expect(await eventually { users(client).connectors == 1 })
        #expect(reason { () throws(SocketError) in _ = try client.connect(to: address, select: .nowait(Mailbox())) } == .errno(.alreadyInProcess))
        try client.close()
        #expect(await pending.failure() == .closed)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func refusedBlocking() async throws {
        let address = try refusingAddress()
        let client = try Socket.open(.inet, .stream)
        let error = try await blocking { () throws(SocketError) in
            reason { () throws(SocketError) in try client.connect(to: address, timeout: .seconds(5)) }
        }
        #expect(error == .errno(.connectionRefused))
    }

    @Test func refusedNowaitIsReportedByTheFinalization() async throws {
        let address = try refusingAddress()
        for _ in 0..<20 {
            let client = try Socket.open(.inet, .stream)
            let mailbox = Mailbox()
            let info = try #require(try client.connect(to: address, select: .nowait(mailbox)).selectInfo)
            #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
            #expect(reason { () throws(SocketError) in try client.connect() } == .errno(.connectionRefused))
            #expect(reason { () throws(SocketError) in try client.connect() } == .invalid("state"))
            #expect(users(client).connectors == 0)
        }
    }

    @Test func refusedAsync() async throws {
        let address = try refusingAddress()
        let client = try Socket.open(.inet, .stream)
        #expect(await reasonAsync { () async throws(SocketError) in try await client.connect(to: address, timeout: .seconds(5)) } == .errno(.connectionRefused))
    }

    @Test func asyncConnectWithAndWithoutTimeout() async throws {
        let (listener, address) = try listener()
        let a = try Socket.open(.inet, .stream)
        try await a.connect(to: address)
        #expect(try a.peername() == address)
        let b = try Socket.open(.inet, .stream)
        try await b.connect(to: address, timeout: .seconds(10))
        #expect(try b.peername() == address)
        withExtendedLifetime(listener) {}
    }

    @Test func asyncConnectTimesOut() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let client = try Socket.open(.inet, .stream)
        #expect(await reasonAsync { () async throws(SocketError) in try await client.connect(to: address, timeout: .milliseconds(50)) } == .timeout)
        #expect(await reasonAsync { () async throws(SocketError) in try await client.connect(to: address, timeout: .zero) } == .timeout)
        #expect(users(client).connectors == 0)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func cancellingANowaitConnect() async throws {
        let (listener, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let client = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        let info = try #require(try client.connect(to: address, select: .nowait(mailbox)).selectInfo)
        try client.cancel(info)
        #expect(reason { () throws(SocketError) in try client.cancel(info) } == .invalid("\(info)"))
        #expect(reason { () throws(SocketError) in try client.connect() } == .invalid("state"))
        #expect(users(client).connectors == 0)
        withExtendedLifetime((listener, fillers)) {}
    }

    @Test func connectingAConnectedSocketIsEisconn() async throws {
        let (listener, address) = try listener()
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: address)
        #expect(await reasonAsync { () async throws(SocketError) in try await client.connect(to: address) } == .errno(.socketIsConnected))
        withExtendedLifetime(listener) {}
    }
}
