@testable import OTPSocket
import SocketConstants
import Testing

/// The reactor's table of watched sockets: an event's token finds its socket while it is
/// registered, and never a socket registered later in the same slot.
@Suite struct ReactorRegistrationsTests {
    @Test func aTokenFindsItsSocketUntilItIsRemoved() throws {
        let (listener, client, server) = try tcpPair()
        var table = ReactorRegistrations()
        let clientToken = table.insert(UnretainedReference(client))
        let serverToken = table.insert(UnretainedReference(server))
        #expect(clientToken != serverToken)
        #expect(table[clientToken]?.load() === client)
        #expect(table[serverToken]?.load() === server)
        table.remove(clientToken)
        #expect(table[clientToken] == nil)
        #expect(table[serverToken]?.load() === server)
        withExtendedLifetime(listener) {}
    }

    @Test func aStaleTokenNeverFindsTheSocketThatReusedItsSlot() throws {
        let (listener, client, server) = try tcpPair()
        var table = ReactorRegistrations()
        let old = table.insert(UnretainedReference(client))
        table.remove(old)
        let new = table.insert(UnretainedReference(server))
        #expect(new & 0xFFFF_FFFF == old & 0xFFFF_FFFF, "the freed slot is reused")
        #expect(new != old)
        #expect(table[old] == nil)
        #expect(table[new]?.load() === server)
        // Removing by the stale token leaves the new registration alone.
        table.remove(old)
        #expect(table[new]?.load() === server)
        withExtendedLifetime(listener) {}
    }

    @Test func noTokenIsTheWakeupToken() throws {
        let (listener, client, _) = try tcpPair()
        var table = ReactorRegistrations()
        for _ in 0..<1000 {
            let token = table.insert(UnretainedReference(client))
            #expect(token != 0)
            table.remove(token)
        }
        #expect(table[0] == nil)
        withExtendedLifetime(listener) {}
    }

    @Test func unknownTokensFindNothing() {
        let table = ReactorRegistrations()
        #expect(table[1 << 32 | 7] == nil)
        #expect(table[UInt64.max] == nil)
    }

    /// The first async wait registers the descriptor for what it needs, and later waits
    /// read that without a lock.
    @Test func theFirstReaderToWaitHasTheDescriptorWatchedForReading() async throws {
        let (listener, client, server) = try tcpPair()
        func watched() -> Reactor.Interest { Reactor.Interest(rawValue: server.watched.load(ordering: .relaxed)) }
        #expect(watched().isEmpty)
        let reader = Task { try await server.recv(1, timeout: .seconds(10)) }
        #expect(await eventually { !watched().isEmpty })
        #expect(watched() == .readable)
        #expect(server.withLock { $0.token } != nil)
        try await client.send([7])
        #expect(try await reader.value == [7])
        // A second wait on the registered socket completes as well.
        let second = Task { try await server.recv(1, timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(20))
        try await client.send([8])
        #expect(try await second.value == [8])
        #expect(watched() == .readable)
        withExtendedLifetime(listener) {}
    }

    /// A writer that waits on a socket only readers waited on before has it watched for
    /// writability too, and is woken when the peer drains the buffer.
    @Test func aWriterWaitingAfterReadersWidensTheWatchAndIsWoken() async throws {
        let (listener, client, server, filled) = try ReactorRegistrationTests.pairWithAFullSendBuffer()
        func watched() -> Reactor.Interest { Reactor.Interest(rawValue: client.watched.load(ordering: .relaxed)) }
        let reader = Task { try await client.recv(1, timeout: .seconds(10)) }
        #expect(await eventually { watched() == .readable })
        try await server.send([1])
        #expect(try await reader.value == [1])
        let writer = Task { try await client.send([9], timeout: .seconds(10)) }
        #expect(await eventually { watched() == [.readable, .writable] })
        let drained = try await server.recv(filled + 1, timeout: .seconds(10))
        #expect(drained.count == filled + 1)
        try await writer.value
        withExtendedLifetime(listener) {}
    }

    /// A UDP socket watched for reading is not told each time the kernel frees a datagram it
    /// sent (UDP reports writable space on every one): its readiness count for writing stays.
    @Test func aDatagramSocketWatchedForReadingGetsNoEdgeForEachDatagramItSends() async throws {
        let (a, b) = try udpPair()
        let reader = Task { try await a.recv(0, timeout: .seconds(10)) }
        #expect(await eventually { a.watched.load(ordering: .relaxed) != 0 })
        try await b.send([1])
        #expect(try await reader.value == [1])
        for _ in 0..<50 {
            try await a.send([2])
            #expect(try await b.recv(0, timeout: .seconds(10)) == [2])
        }
        // Let any edge the sends caused reach the socket before looking.
        let late = Task { try await a.recv(0, timeout: .seconds(10)) }
        try await b.send([3])
        #expect(try await late.value == [3])
        #expect(a.withLock { $0.writeSequence } == 0)
    }
}
