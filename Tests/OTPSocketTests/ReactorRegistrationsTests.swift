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

    /// The first async wait registers the descriptor and says so; later waits read the flag.
    @Test func theFirstAsyncWaitMarksTheSocketRegistered() async throws {
        let (listener, client, server) = try tcpPair()
        func registered() -> Bool { server.registered.load(ordering: .relaxed) }
        #expect(!registered())
        let reader = Task { try await server.recv(1, timeout: .seconds(10)) }
        #expect(await eventually { registered() })
        #expect(server.withLock { $0.token } != nil)
        try await client.send([7])
        #expect(try await reader.value == [7])
        // A second wait on the registered socket completes as well.
        let second = Task { try await server.recv(1, timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(20))
        try await client.send([8])
        #expect(try await second.value == [8])
        withExtendedLifetime(listener) {}
    }
}
