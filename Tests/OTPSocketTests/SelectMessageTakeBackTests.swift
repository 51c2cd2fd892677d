@testable import OTPSocket
import Testing

/// A `nowait` caller that calls again takes over from its parked waiter, and the waiter's
/// `select` message, if still queued, is taken back (Erlang: the new call's result is what
/// counts). The mailbox knows which waiter sent each queued message and whether it was
/// received, so that the usual caller, who received it, costs no search of the queue; these
/// tests hold both cases to it, and a parked waiter to not keeping its socket alive.
@Suite struct SelectMessageTakeBackTests {
    @Test func callingAgainBeforeReceivingTheSelectMessageTakesItBack() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        _ = try #require(try server.recv(2, select: .nowait(mailbox)).selectInfo)
        try await client.send([1, 2])
        #expect(await eventually { mailbox.count == 1 })
        guard case .completed([1, 2]) = try server.recv(2, select: .nowait(mailbox)) else {
            Issue.record("the second call did not complete"); return
        }
        #expect(mailbox.count == 0)
        withExtendedLifetime(listener) {}
    }

    @Test func callingAgainAfterReceivingItLeavesTheOtherMessages() async throws {
        let (listenerA, clientA, serverA) = try tcpPair()
        let (listenerB, clientB, serverB) = try tcpPair()
        let mailbox = Mailbox()
        let infoA = try #require(try serverA.recv(1, select: .nowait(mailbox)).selectInfo)
        let infoB = try #require(try serverB.recv(1, select: .nowait(mailbox)).selectInfo)
        try await clientA.send([1])
        #expect(await eventually { mailbox.count == 1 })
        try await clientB.send([2])
        #expect(await eventually { mailbox.count == 2 })
        #expect(mailbox.receive(timeout: .zero)?.handle == infoA.handle)
        guard case .completed([1]) = try serverA.recv(1, select: .nowait(mailbox)) else {
            Issue.record("A's call after its message did not complete"); return
        }
        // B's message stays queued, and A's next wait gets a message of its own.
        #expect(mailbox.count == 1)
        let again = try #require(try serverA.recv(1, select: .nowait(mailbox)).selectInfo)
        try await clientA.send([3])
        #expect(await eventually { mailbox.count == 2 })
        #expect(mailbox.receive(timeout: .zero)?.handle == infoB.handle)
        #expect(mailbox.receive(timeout: .zero)?.handle == again.handle)
        withExtendedLifetime((listenerA, listenerB)) {}
    }

    /// A receive with a predicate takes the first message that matches, from anywhere in
    /// the queue, and leaves the others in their order (the first one is taken by another
    /// path than the rest).
    @Test func aSelectiveReceiveTakesFromTheMiddleAndKeepsTheOrder() async throws {
        let pairs = try (0..<3).map { _ in try tcpPair() }
        let mailbox = Mailbox()
        var handles: [SelectHandle] = []
        for (index, (_, client, server)) in pairs.enumerated() {
            handles.append(try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo).handle)
            try await client.send([UInt8(index)])
            #expect(await eventually { mailbox.count == index + 1 })
        }
        let middle = handles[1]
        #expect(mailbox.receive(timeout: .zero, where: { $0.handle == middle })?.handle == middle)
        #expect(mailbox.receive(timeout: .zero)?.handle == handles[0])
        #expect(mailbox.receive(timeout: .zero)?.handle == handles[2])
        #expect(mailbox.count == 0)
        // B's call after its message was received completes, and finds nothing to take back.
        guard case .completed([1]) = try pairs[1].2.recv(1, select: .nowait(mailbox)) else {
            Issue.record("the middle socket's call after its message did not complete"); return
        }
        withExtendedLifetime(pairs) {}
    }

    /// The waiter does not hold its socket: dropping the last reference to a socket whose
    /// `nowait` read is parked closes it (the peer reads the end of the stream), and no
    /// message names the released socket.
    @Test func aSocketDroppedWithAParkedNowaitReadIsReleased() async throws {
        let mailbox = Mailbox()
        let (listener, client) = try {
            let (listener, client, server) = try tcpPair()
            _ = try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo)
            return (listener, client)
        }()
        let end = await reasonAsync { () async throws(SocketError) in _ = try await client.recv(1, timeout: .seconds(10)) }
        #expect(end == .closed)
        #expect(mailbox.count == 0)
        withExtendedLifetime(listener) {}
    }
}
