@testable import OTPSocket
import Testing

/// An async read or write that waits without a deadline leaves its waiter as the
/// direction's spare, and the next such wait uses it instead of allocating one; a waiter
/// that something else may still hold (a time-out's timer) is never kept.
@Suite struct SpareWaiterTests {
    /// The waiter parked in the read slot now, if any. Held strongly by the test, so that a
    /// new waiter cannot be given a freed one's address and pass for it.
    private func parkedReader(_ socket: Socket) -> Waiter? {
        socket.withLock { $0[owner: .read].waiter }
    }

    @Test func theNextAsyncWaitUsesTheWaiterOfTheOneBefore() async throws {
        let (listener, client, server) = try tcpPair()
        let first = Task { try await server.recv(1) }
        #expect(await eventually { parkedReader(server) != nil }, "the first recv waits")
        let firstWaiter = parkedReader(server)
        try await client.send([1])
        #expect(try await first.value == [1])

        let second = Task { try await server.recv(1) }
        #expect(await eventually { parkedReader(server) != nil }, "the second recv waits")
        #expect(parkedReader(server) === firstWaiter, "the same waiter, kept in between")
        try await client.send([2])
        #expect(try await second.value == [2])
        withExtendedLifetime(listener) {}
    }

    @Test func aWaitWithADeadlineKeepsNoWaiter() async throws {
        let (listener, client, server) = try tcpPair()
        let timed = Task { try await server.recv(1, timeout: .seconds(30)) }
        #expect(await eventually { parkedReader(server) != nil })
        let timedWaiter = parkedReader(server)
        try await client.send([1])
        #expect(try await timed.value == [1])
        #expect(server.withLock { $0.withRare { $0.takeSpare(.read) } ?? nil } == nil,
                "a timed wait's waiter may still be held by its timer: not kept")

        let untimed = Task { try await server.recv(1) }
        #expect(await eventually { parkedReader(server) != nil })
        #expect(parkedReader(server) !== timedWaiter)
        try await client.send([2])
        #expect(try await untimed.value == [2])
        withExtendedLifetime(listener) {}
    }

    /// A cancellation that came while the kept waiter's last operation was running (it
    /// succeeded anyway) must not end the next operation's wait, another task's.
    @Test func aKeptWaiterForgetsTheWakeOfItsLastOperation() {
        let rare = Socket.RareState()
        let waiter = Waiter(kind: .async)
        waiter.wake = .cancelled
        rare.keepSpare(waiter, .read)
        let spare = rare.takeSpare(.read)?.takeRetainedValue()
        #expect(spare === waiter)
        #expect(spare?.wake == nil)
        #expect(rare.takeSpare(.read) == nil, "taken once")
    }

    /// A task that reuses the spare and is cancelled while it waits ends with `cancelled`;
    /// the next task's wait is not disturbed by it.
    @Test func cancellingAWaitOnAReusedWaiterEndsOnlyThatWait() async throws {
        let (listener, client, server) = try tcpPair()
        let first = Task { try await server.recv(1) }
        #expect(await eventually { parkedReader(server) != nil })
        try await client.send([1])
        #expect(try await first.value == [1])

        let cancelled = Task { try await server.recv(1) }
        #expect(await eventually { parkedReader(server) != nil })
        cancelled.cancel()
        await #expect(throws: SocketError.self) { try await cancelled.value }

        let next = Task { try await server.recv(1) }
        #expect(await eventually { parkedReader(server) != nil })
        try await client.send([3])
        #expect(try await next.value == [3])
        withExtendedLifetime(listener) {}
    }
}
