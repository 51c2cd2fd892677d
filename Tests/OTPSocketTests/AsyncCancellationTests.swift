import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Task cancellation is Erlang's `cancel/2` for async calls: the operation ends with
/// `cancelled` and the socket stays usable.
@Suite struct AsyncCancellationTests {
    @Test func cancellingAPendingRecvLeavesTheSocketUsable() async throws {
        let (listener, client, server) = try tcpPair()
        let pending = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 1))
        pending.cancel()
        #expect(await failure(of: pending) == .cancelled)
        #expect(users(server).readers == 0)
        try await client.send([1])
        #expect(try await server.recv(1, timeout: .seconds(10)) == [1])
        withExtendedLifetime(listener) {}
    }

    @Test func aCancelledRecvDoesNotTakeLaterData() async throws {
        let (listener, client, server) = try tcpPair()
        for _ in 0..<50 {
            let pending = Task { try await server.recv(1) }
            #expect(await waitForReaders(server, 1))
            pending.cancel()
            #expect(await failure(of: pending) == .cancelled)
        }
        try await client.send([7])
        #expect(try await server.recv(1, timeout: .seconds(10)) == [7])
        withExtendedLifetime(listener) {}
    }

    @Test func cancellingAQueuedRecvKeepsTheQueueInOrder() async throws {
        let (listener, client, server) = try tcpPair()
        let first = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 1))
        let second = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 2))
        let third = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 3))
        second.cancel()
        #expect(await failure(of: second) == .cancelled)
        #expect(users(server).readers == 2)
        try await client.send([1])
        #expect(try await first.value == [1])
        try await client.send([3])
        #expect(try await third.value == [3])
        withExtendedLifetime(listener) {}
    }

    @Test func aTaskCancelledBeforeItWaitsEndsAtOnce() async throws {
        let (listener, client, server) = try tcpPair()
        let outcome = await within {
            withUnsafeCurrentTask { $0?.cancel() }
            return await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1) }
        }
        #expect(outcome == .cancelled)
        // With data there, a cancelled task still gets it: only waiting is cancelled.
        try await client.send([1])
        try await Task.sleep(for: .milliseconds(10))
        let got = await within { () -> [UInt8]? in
            withUnsafeCurrentTask { $0?.cancel() }
            return try? await server.recv(1)
        }
        #expect(got == [1])
        withExtendedLifetime(listener) {}
    }

    @Test func cancellationRacingReadinessNeverHangs() async throws {
        // Cancel at every moment relative to the data's arrival: each recv ends, with the
        // data or with `cancelled`, and no byte is lost or read twice.
        let (listener, client, server) = try tcpPair()
        var received: [UInt8] = []
        for i in 0..<200 {
            let pending = Task { try await server.recv(1) }
            if i % 2 == 0 { await Task.yield() }
            try await client.send([UInt8(truncatingIfNeeded: i)])
            pending.cancel()
            guard let outcome = await within(5, { await pending.result }) else { break }
            if case .success(let data) = outcome { received += data }
        }
        while let more = try? await server.recv(0, timeout: .milliseconds(20)) { received += more }
        #expect(received == (0..<200).map { UInt8(truncatingIfNeeded: $0) })
        withExtendedLifetime(listener) {}
    }

    @Test func cancellingAcceptSendAndConnect() async throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let accepting = Task { try await listener.accept() }
        #expect(await eventually { users(listener).acceptors == 1 })
        accepting.cancel()
        #expect(await failure(of: accepting) == .cancelled)
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: listener.sockname())
        let server = try await listener.accept(timeout: .seconds(10))

        let (pairListener, writer, reader) = try tcpPair(buffer: 4096)
        try fillSendBuffer(writer)
        let sending = Task { try await writer.send([UInt8](repeating: 1, count: 1_000_000)) }
        #expect(await eventually { users(writer).writers == 1 })
        sending.cancel()
        #expect(await failure(of: sending) == .cancelled)
        #expect(users(writer).writers == 0)
        withExtendedLifetime((server, reader, pairListener)) {}

        let (saturated, address, fillers) = try await blocking { () throws(SocketError) in try saturatedListener() }
        let connector = try Socket.open(.inet, .stream)
        let connecting = Task { try await connector.connect(to: address) }
        #expect(await eventually { users(connector).connectors == 1 })
        connecting.cancel()
        #expect(await failure(of: connecting) == .cancelled)
        #expect(users(connector).connectors == 0)
        withExtendedLifetime((saturated, fillers)) {}
    }

    @Test func cancellationDoesNotCountAsAFailure() async throws {
        let (listener, client, server) = try tcpPair()
        let pending = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 1))
        pending.cancel()
        _ = await pending.result
        #expect(counters(server).readFails == 0)
        #expect(counters(server).readWaits == 1)
        withExtendedLifetime((listener, client)) {}
    }
}
