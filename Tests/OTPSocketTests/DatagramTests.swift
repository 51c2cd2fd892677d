import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Datagram sockets: one message per call, zero-length messages, truncation to the buffer
/// (and never past it, unlike OTP with `trunc`).
@Suite struct DatagramTests {
    @Test func aZeroLengthDatagramIsAnEmptyMessage() async throws {
        let (a, b) = try udpPair()
        try await a.send([])
        #expect(try await b.recv(0, timeout: .seconds(10)) == [])
        try await a.send([])
        let (source, data) = try await b.recvfrom(timeout: .seconds(10))
        #expect(data == [])
        #expect(source == (try a.sockname()))
        // Not `closed`, as a zero-length read of a stream would be.
        try await a.send([])
        #expect(try await b.recv(5, timeout: .seconds(10)) == [])
    }

    @Test func aLongerDatagramIsTruncatedToTheLength() async throws {
        let (a, b) = try udpPair()
        try await a.send([1, 2, 3, 4, 5, 6])
        #expect(try await b.recv(3, timeout: .seconds(10)) == [1, 2, 3])
        // The rest of it is gone: the next read waits for the next datagram.
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await b.recv(3, timeout: .zero) } == .timeout)
    }

    @Test func recvfromTruncatesToTheBufferSize() async throws {
        let (a, b) = try udpPair()
        try await a.send(Array(1...10))
        let (source, data) = try await b.recvfrom(4, timeout: .seconds(10))
        #expect(data == [1, 2, 3, 4])
        #expect(source == (try a.sockname()))
    }

    @Test func theTruncFlagNeverReturnsBytesPastTheBuffer() async throws {
        // With MSG_TRUNC the kernel reports the datagram's real length (10); OTP 25 returns
        // that many bytes, 6 of them from past its buffer. Here: the 4 the buffer holds.
        let (a, b) = try udpPair()
        try await a.send(Array(1...10))
        #expect(try await b.recv(4, flags: .trunc, timeout: .seconds(10)) == [1, 2, 3, 4])
        try await a.send(Array(1...10))
        #expect(try await b.recvfrom(4, flags: .trunc, timeout: .seconds(10)).data == [1, 2, 3, 4])
        try await a.send(Array(1...10))
        #expect(try await b.recv(0, flags: .trunc, timeout: .seconds(10)) == Array(1...10))
        #expect(counters(b).readPkgMax <= 10)
        // Buffers over 1 KiB take the other path (the data lands in the array itself).
        let large = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        try await a.send(large)
        #expect(try await b.recv(2048, flags: .trunc, timeout: .seconds(10)) == Array(large[0..<2048]))
        try await a.send(large)
        #expect(try await b.recvfrom(2048, flags: .trunc, timeout: .seconds(10)).data == Array(large[0..<2048]))
        try await a.send(Array(large[0..<1500]))
        #expect(try await b.recvfrom(2048, flags: .trunc, timeout: .seconds(10)).data == Array(large[0..<1500]))
    }

    @Test func truncOnAStreamNeverShowsUninitializedMemory() async throws {
        // On TCP, MSG_TRUNC discards the data without copying it into the buffer.
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3, 4])
        #expect(await eventually { (try? server.recv(0, flags: .peek, timeout: .zero))?.count == 4 })
        let discarded = try await server.recv(4, flags: .trunc, timeout: .seconds(10))
        #expect(discarded.count == 4)
        #expect(discarded == [0, 0, 0, 0])
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(0, timeout: .zero) } == .timeout)
        // A first read over 1 KiB lands in the array itself: zeroed as well.
        try await client.send([UInt8](repeating: 7, count: 2000))
        #expect(await eventually { (try? server.recv(0, flags: .peek, timeout: .zero))?.count == 2000 })
        let large = try await server.recv(2000, flags: .trunc, timeout: .seconds(10))
        #expect(large == [UInt8](repeating: 0, count: 2000))
        withExtendedLifetime(listener) {}
    }

    @Test func lengthZeroReadsAWholeDatagramUpToTheOTPBuffer() async throws {
        let (a, b) = try udpPair()
        try await a.send([UInt8](repeating: 9, count: 3000))
        #expect(try await b.recv(0, timeout: .seconds(10)).count == 3000)
        try await a.send([UInt8](repeating: 9, count: 9000))
        #expect(try await b.recvfrom(timeout: .seconds(10)).data.count == 8192)
    }

    @Test func oneDatagramPerCall() async throws {
        let (a, b) = try udpPair()
        for i: UInt8 in 1...5 { try await a.send([i, i]) }
        for i: UInt8 in 1...5 {
            #expect(try await b.recv(10, timeout: .seconds(10)) == [i, i])
        }
    }

    @Test func unconnectedSocketsUseSendtoAndRecvfrom() async throws {
        let receiver = try Socket.open(.inet, .dgram)
        try receiver.bind(.inet(.loopback, port: 0))
        let sender = try Socket.open(.inet, .dgram)
        try sender.bind(.inet(.loopback, port: 0))
        try await sender.sendto([1, 2], to: receiver.sockname())
        let (source, data) = try await receiver.recvfrom(timeout: .seconds(10))
        #expect(data == [1, 2])
        #expect(source == (try sender.sockname()))
        // Reply to where it came from.
        try await receiver.sendto([3], to: source)
        #expect(try await sender.recv(0, timeout: .seconds(10)) == [3])
        // A send without a destination on an unconnected datagram socket.
        #expect(await reasonAsync { () async throws(SocketError) in try await sender.send([1]) } == .errno(.addressRequired))
    }

    @Test func nowaitRecvfromDeliversTheMessageAfterTheSelect() async throws {
        let (a, b) = try udpPair()
        let mailbox = Mailbox()
        let info = try #require(try b.recvfrom(select: .nowait(mailbox)).selectInfo)
        #expect(info.tag == .recvfrom)
        try await a.send([7])
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        guard case .completed(let message) = try b.recvfrom(select: .handle(info.handle)) else {
            Issue.record("no datagram"); return
        }
        #expect(message.data == [7])
        #expect(message.source == (try a.sockname()))
    }

    @Test func peekLeavesTheDatagram() async throws {
        let (a, b) = try udpPair()
        try await a.send([1, 2, 3])
        #expect(try await b.recv(0, flags: .peek, timeout: .seconds(10)) == [1, 2, 3])
        #expect(try await b.recv(0, timeout: .seconds(10)) == [1, 2, 3])
    }
}
