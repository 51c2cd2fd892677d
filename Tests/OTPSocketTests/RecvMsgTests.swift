@testable import OTPSocket
import SocketConstants
import Testing

/// `recvmsg` with every timeout kind, buffer defaults and flags.
@Suite struct RecvMsgTests {
    @Test func blockingWaitsForTheMessage() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let destination = try rx.sockname()
        Fixtures.later(.milliseconds(50)) { try? tx.sendto([1, 2, 3], to: destination) }
        let message = try rx.recvmsg()
        #expect(message.data == [1, 2, 3])
        #expect(message.addr == (try tx.sockname()))
        #expect(message.flags == [])
        #expect(message.length == 3)
    }

    @Test func aDurationTimesOut() throws {
        let rx = try Fixtures.udp()
        let start = ContinuousClock.now
        #expect(throws: SocketError.timeout) { try rx.recvmsg(timeout: .milliseconds(50)) }
        #expect(ContinuousClock.now - start >= .milliseconds(50))
    }

    @Test func zeroPollsOnce() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        #expect(throws: SocketError.timeout) { try rx.recvmsg(timeout: .zero) }
        try tx.sendto([4], to: rx.sockname())
        // Loopback delivery is synchronous: the datagram is there when sendto returns.
        #expect(try rx.recvmsg(timeout: .zero).data == [4])
    }

    @Test func nowaitSelectsThenDelivers() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let mailbox = Mailbox()
        guard case .selected(let info) = try rx.recvmsg(select: .nowait(mailbox)) else {
            Issue.record("expected select"); return
        }
        #expect(info.tag == .recvmsg)
        try tx.sendto([5, 6], to: rx.sockname())
        guard case .select(let socket, let handle)? = mailbox.receive(timeout: .seconds(2)) else {
            Issue.record("no select message"); return
        }
        #expect(socket == rx)
        #expect(handle == info.handle)
        guard case .completed(let message) = try rx.recvmsg(select: .nowait(mailbox)) else {
            Issue.record("expected the message"); return
        }
        #expect(message.data == [5, 6])
    }

    @Test func aSelectHandleIsTheOneInTheMessage() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let mailbox = Mailbox()  // a handle does not keep its mailbox alive: this does
        let handle = SelectHandle(mailbox: mailbox)
        guard case .selected(let info) = try rx.recvmsg(bufSize: 4, ctrlSize: 64, select: .handle(handle)) else {
            Issue.record("expected select"); return
        }
        #expect(info.handle == handle)
        try tx.sendto([1, 2, 3, 4, 5, 6], to: rx.sockname())
        #expect(handle.mailbox.receive(timeout: .seconds(2))?.handle == handle)
        guard case .completed(let message) = try rx.recvmsg(bufSize: 4, ctrlSize: 64, select: .handle(handle)) else {
            Issue.record("expected the message"); return
        }
        #expect(message.data == [1, 2, 3, 4])
        withExtendedLifetime(mailbox) {}
        #expect(message.flags.contains(.trunc))
    }

    @Test func aNowaitRecvmsgCanBeCancelled() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let mailbox = Mailbox()
        guard case .selected(let info) = try rx.recvmsg(select: .nowait(mailbox)) else {
            Issue.record("expected select"); return
        }
        try rx.cancel(info)
        try tx.sendto([1], to: rx.sockname())
        // Cancelled: no select message; a blocking receive gets the datagram.
        #expect(try rx.recvmsg(timeout: .seconds(2)).data == [1])
        #expect(mailbox.receive(timeout: .milliseconds(20)) == nil)
    }

    @Test func asyncWaitsWithoutAThread() async throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let destination = try rx.sockname()
        Fixtures.later(.milliseconds(30)) { try? tx.sendto([7, 7], to: destination) }
        let message = try await rx.recvmsg(timeout: .seconds(5))
        #expect(message.data == [7, 7])
        await #expect(throws: SocketError.timeout) { try await rx.recvmsg(timeout: .milliseconds(20)) }
    }

    @Test func theBufferSizesDefaultToTheOtpLevelSettings() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        rx.withLock { $0.otp.rcvbuf = 5 }
        try tx.sendto(Fixtures.pattern(9), to: rx.sockname())
        let message = try rx.recvmsg(flags: [.trunc], timeout: .seconds(2))
        #expect(message.data == Fixtures.pattern(5))
        #expect(message.length == 9)
        rx.withLock { $0.otp.rcvctrlbuf = 1 }
        try rx.setopt(.socket.timestamp, true)
        try tx.sendto([1], to: rx.sockname())
        #expect(try rx.recvmsg(timeout: .seconds(2)).flags.contains(.ctrunc))
    }

    @Test func negativeSizesAreInvalid() throws {
        let rx = try Fixtures.udp()
        #expect(throws: SocketError.invalid("buffer size -1")) { try rx.recvmsg(bufSize: -1) }
        #expect(throws: SocketError.invalid("control buffer size -1")) { try rx.recvmsg(ctrlSize: -1) }
    }

    @Test func aStreamPeerClosingIsClosed() throws {
        let (client, server) = try Fixtures.tcpPair()
        try client.send([1])
        try client.close()
        #expect(try server.recvmsg(timeout: .seconds(2)).data == [1])
        #expect(throws: SocketError.closed) { try server.recvmsg(timeout: .seconds(2)) }
    }

    @Test func peekLeavesTheMessageQueued() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        try tx.sendto([3, 1, 4], to: rx.sockname())
        #expect(try rx.recvmsg(flags: [.peek], timeout: .seconds(2)).data == [3, 1, 4])
        #expect(try rx.recvmsg(timeout: .zero).data == [3, 1, 4])
    }

    @Test func recvWithLengthWorksInEveryStyle() async throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let mailbox = Mailbox()
        guard case .selected = try rx.recvfromWithLength(2, flags: [.trunc], select: .nowait(mailbox)) else {
            Issue.record("expected select"); return
        }
        try await tx.sendto([1, 2, 3], to: rx.sockname())
        _ = mailbox.receive(timeout: .seconds(2))
        guard case .completed(let first) = try rx.recvfromWithLength(2, flags: [.trunc], select: .nowait(mailbox)) else {
            Issue.record("expected data"); return
        }
        #expect(first == RecvLength(source: try tx.sockname(), data: [1, 2], length: 3))
        try await tx.sendto([4, 5, 6, 7], to: rx.sockname())
        let second = try await rx.recvWithLength(1, flags: [.trunc], timeout: .seconds(2))
        #expect(second == RecvLength(data: [4], length: 4))
        try await tx.sendto([8], to: rx.sockname())
        let third = try await rx.recvfromWithLength(timeout: .seconds(2))
        #expect(third.data == [8] && !third.isTruncated)
        guard case .selected(let info) = try rx.recvWithLength(select: .nowait(mailbox)) else {
            Issue.record("expected select"); return
        }
        try rx.cancel(info)
    }
}
