import Foundation
import OTPSocket
import SocketConstants
import Testing

/// `recv(into:)`, `recvfrom(into:)`, and `send`/`sendto` of an `UnsafeRawBufferPointer`:
/// the calls that read into and send from the caller's memory, in every style.
@Suite struct BufferIOTests {
    /// Memory for one test, zeroed, freed when the test ends.
    final class Memory: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer
        init(_ count: Int) {
            buffer = .allocate(byteCount: count, alignment: 16)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        }
        deinit { buffer.deallocate() }
        var bytes: [UInt8] { Array(buffer) }
        func prefix(_ n: Int) -> [UInt8] { Array(buffer[..<n]) }
    }

    @Test func aStreamReadReturnsWhatIsThereWithoutWaitingForTheBufferToFill() throws {
        let (listener, client, server) = try tcpPair()
        let memory = Memory(64)
        try [UInt8]([1, 2, 3, 4, 5]).withUnsafeBytes { bytes in try client.send(bytes) }
        #expect(try server.recv(into: memory.buffer, timeout: .seconds(5)) == 5)
        #expect(memory.prefix(5) == [1, 2, 3, 4, 5])
        #expect(memory.buffer[5] == 0)
        // Counted as an array read is: one packet, its bytes.
        #expect(counters(server).readPkg == 1 && counters(server).readByte == 5)
        #expect(counters(client).writePkg == 1 && counters(client).writeByte == 5)
        withExtendedLifetime(listener) {}
    }

    @Test func aStreamWhosePeerClosedIsClosed() throws {
        let (listener, client, server) = try tcpPair()
        let memory = Memory(16)
        try client.close()
        #expect(reason { () throws(SocketError) in _ = try server.recv(into: memory.buffer, timeout: .seconds(5)) } == .closed)
        withExtendedLifetime(listener) {}
    }

    @Test func anEmptyBufferIsInvalidOnAStreamAndReadsADatagramAway() throws {
        let (listener, client, server) = try tcpPair()
        let empty = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        guard case .invalid? = reason({ () throws(SocketError) in _ = try server.recv(into: empty) }) else {
            Issue.record("an empty buffer on a stream must be invalid")
            return
        }
        withExtendedLifetime((listener, client)) {}

        // On a datagram socket it takes the next datagram and keeps none of it, as recv(2).
        let (a, b) = try udpPair()
        let memory = Memory(8)
        try a.send([1, 1, 1])
        try a.send([2, 2])
        #expect(try b.recv(into: empty, timeout: .seconds(5)) == 0)
        #expect(try b.recv(into: memory.buffer, timeout: .seconds(5)) == 2)
        #expect(memory.prefix(2) == [2, 2])
    }

    @Test func aDatagramAndItsSourceComeIntoTheBufferTruncatedToIt() throws {
        let (a, b) = try udpPair()
        let memory = Memory(4)
        try [UInt8](1...10).withUnsafeBytes { bytes in try a.sendto(bytes, to: try b.sockname()) }
        let (source, count) = try b.recvfrom(into: memory.buffer, timeout: .seconds(5))
        #expect(count == 4)
        #expect(memory.bytes == [1, 2, 3, 4])
        #expect(source == (try a.sockname()))
        // The rest of a truncated datagram is gone: the next read gets the next datagram.
        try a.send([42])
        #expect(try b.recvfrom(into: memory.buffer, timeout: .seconds(5)).count == 1)
        #expect(memory.buffer[0] == 42)
    }

    @Test func aUnixStreamEchoesThroughTheCallersMemory() throws {
        let address = abstractAddress()
        let listener = try Socket.open(.local, .stream)
        try listener.bind(address)
        try listener.listen()
        let client = try Socket.open(.local, .stream)
        try client.connect(to: address)
        let server = try listener.accept()
        let memory = Memory(32)
        let message = [UInt8]("ping through the caller's memory".utf8)
        try message.withUnsafeBytes { bytes in try client.send(bytes) }
        var got = 0
        while got < message.count {
            got += try server.recv(into: UnsafeMutableRawBufferPointer(rebasing: memory.buffer[got...]), timeout: .seconds(5))
        }
        try server.send(UnsafeRawBufferPointer(memory.buffer))
        #expect(try client.recv(message.count, timeout: .seconds(5)) == message)
    }

    @Test func aTimeoutEndsAReadThatGetsNothing() throws {
        let (a, b) = try udpPair()
        let memory = Memory(8)
        #expect(reason { () throws(SocketError) in _ = try b.recv(into: memory.buffer, timeout: .milliseconds(20)) } == .timeout)
        #expect(reason { () throws(SocketError) in _ = try b.recvfrom(into: memory.buffer, timeout: .zero) } == .timeout)
        withExtendedLifetime(a) {}
    }

    @Test func nowaitSelectsAndTheCallAfterTheSelectMessageCompletes() async throws {
        let (a, b) = try udpPair()
        let memory = Memory(8)
        let mailbox = Mailbox()
        guard case .selected(let info) = try b.recv(into: memory.buffer, select: .nowait(mailbox)) else {
            Issue.record("nothing to read must select")
            return
        }
        try await a.send([9, 8, 7])
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        guard case .completed(let n) = try b.recv(into: memory.buffer, select: .handle(info.handle)) else {
            Issue.record("the call after the select message must complete")
            return
        }
        #expect(n == 3 && memory.prefix(3) == [9, 8, 7])

        guard case .selected(let again) = try b.recvfrom(into: memory.buffer, select: .nowait(mailbox)) else {
            Issue.record("nothing to read must select")
            return
        }
        try await a.send([6])
        #expect(await receive(mailbox, where: isSelect(again.handle)) != nil)
        guard case .completed(let message) = try b.recvfrom(into: memory.buffer, select: .handle(again.handle)) else {
            Issue.record("the call after the select message must complete")
            return
        }
        #expect(message == RecvFromCount(source: try a.sockname(), count: 1))
    }

    @Test func aNowaitSendOfMoreThanTheBufferTakesIsPartialAndGoesOnFromWhereItStopped() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        let payload = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let mailbox = Mailbox()
        let reader = Task { () async throws -> [UInt8] in
            var received: [UInt8] = []
            while received.count < payload.count { received += try await server.recv(0, timeout: .seconds(5)) }
            return received
        }
        var sent = 0
        var partials = 0
        while sent < payload.count {
            let completion = try payload.withUnsafeBytes { bytes in
                try client.send(UnsafeRawBufferPointer(rebasing: bytes[sent...]), select: .nowait(mailbox))
            }
            switch completion {
            case .completed(let n):
                #expect(n == payload.count - sent)
                sent += n
            case .partial(let info, let n):
                #expect(n > 0 && n < payload.count - sent)
                partials += 1
                sent += n
                #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
            case .selected(let info):
                #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
            }
        }
        #expect(partials > 0)
        #expect(try await reader.value == payload)
        withExtendedLifetime(listener) {}
    }

    @Test func aBlockingSendThatTimesOutGivesBackTheRest() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        let payload = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let outcome = try await blocking { () throws(SocketError) -> SocketError? in
            payload.withUnsafeBytes { bytes in
                do throws(SocketError) { try client.send(bytes, timeout: .milliseconds(50)); return nil } catch { return error }
            }
        }
        #expect(outcome?.reason == .timeout)
        let rest = try #require(outcome?.rest)
        #expect(!rest.isEmpty && rest.count < payload.count)
        #expect(rest == Array(payload.suffix(rest.count)))
        withExtendedLifetime((listener, server)) {}
    }

    @Test func asyncCallsWaitForDataAndCancellingOneLeavesTheSocketUsable() async throws {
        let (listener, client, server) = try tcpPair()
        let memory = Memory(64)
        let reading = Task { () async throws -> Int in try await server.recv(into: memory.buffer) }
        #expect(await waitForReaders(server, 1))
        try [UInt8]([3, 1, 4]).withUnsafeBytes { bytes in try client.send(bytes) }
        #expect(try await reading.value == 3)
        #expect(memory.prefix(3) == [3, 1, 4])

        let cancelled = Task { () async throws -> Int in try await server.recv(into: memory.buffer) }
        #expect(await waitForReaders(server, 1))
        cancelled.cancel()
        #expect(await failure(of: cancelled) == .cancelled)

        let sending = Task { () async throws in
            try await client.send(UnsafeRawBufferPointer(memory.buffer), timeout: .seconds(5))
        }
        try await sending.value
        var got = 0
        let echo = Memory(64)
        while got < 64 {
            got += try await server.recv(into: UnsafeMutableRawBufferPointer(rebasing: echo.buffer[got...]), timeout: .seconds(5))
        }
        #expect(echo.bytes == memory.bytes)
        withExtendedLifetime(listener) {}
    }

    /// An actor that keeps its own memory hands it to the socket: the async calls run on
    /// the caller's actor (they are `nonisolated(nonsending)`), so the memory never crosses
    /// to another isolation domain.
    actor Reader {
        let socket: Socket
        private let memory = Memory(64)
        init(_ socket: Socket) { self.socket = socket }

        func read() async throws -> [UInt8] {
            let n = try await socket.recv(into: memory.buffer, timeout: .seconds(5))
            return memory.prefix(n)
        }
    }

    @Test func anActorReceivesIntoItsOwnMemory() async throws {
        let (a, b) = try udpPair()
        let reader = Reader(b)
        try await a.send([7, 7, 7])
        #expect(try await reader.read() == [7, 7, 7])
    }

    @Test func asyncDatagramsRoundTripWithTheirSource() async throws {
        let (a, b) = try udpPair()
        let memory = Memory(16)
        let receiving = Task { () async throws -> RecvFromCount in
            let (source, count) = try await b.recvfrom(into: memory.buffer, timeout: .seconds(5))
            return RecvFromCount(source: source, count: count)
        }
        #expect(await waitForReaders(b, 1))
        let message = Memory(4)
        message.buffer.initializeMemory(as: UInt8.self, repeating: 5)
        try await a.sendto(UnsafeRawBufferPointer(message.buffer), to: try b.sockname(), timeout: .seconds(5))
        #expect(try await receiving.value == RecvFromCount(source: try a.sockname(), count: 4))
        #expect(memory.prefix(4) == [5, 5, 5, 5])
    }
}
