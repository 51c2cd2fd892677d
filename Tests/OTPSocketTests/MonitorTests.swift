import Foundation
import OTPSocket
import SocketConstants
import Testing

/// The DOWN message `mailbox` holds for `ref`, waiting up to `timeout`.
func down(_ mailbox: Mailbox, _ ref: MonitorRef, timeout: Duration = .seconds(2)) -> (Socket, SocketError.Reason)? {
    let message = mailbox.receive(timeout: timeout) { message in
        if case .down(let got, _, _) = message { return got == ref }
        return false
    }
    guard case .down(_, let socket, let reason)? = message else { return nil }
    return (socket, reason)
}

@Suite struct MonitorTests {
    @Test func closeDeliversOneDownMessage() throws {
        let socket = try Socket.open(.inet, .dgram)
        let mailbox = Mailbox()
        let ref = socket.monitor(mailbox)
        #expect(mailbox.count == 0)
        try socket.close()
        let message = try #require(down(mailbox, ref))
        #expect(message.0 == socket)
        #expect(message.1 == .closed)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(mailbox.count == 0, "exactly one DOWN per monitor")
    }

    @Test func monitoringAClosedSocketDeliversAtOnce() throws {
        let socket = try Socket.open(.inet, .stream)
        try socket.close()
        let mailbox = Mailbox()
        let ref = socket.monitor(mailbox)
        #expect(mailbox.count == 1)
        let message = try #require(down(mailbox, ref, timeout: .zero))
        #expect(message.0 == socket)
        #expect(message.1 == .closed)
        #expect(Socket.cancelMonitor(ref) == false, "a fired monitor is not active")
    }

    @Test func releasingTheLastReferenceDeliversDown() throws {
        let mailbox = Mailbox()
        var socket: Socket? = try Socket.open(.local, .dgram)
        let id = try #require(socket?.id)
        let ref = socket!.monitor(mailbox)
        socket = nil
        let message = try #require(down(mailbox, ref))
        #expect(message.0.id == id, "the DOWN message carries the released socket's identity")
        #expect(message.0.isClosed)
        #expect(message.0.fd == nil)
        #expect(message.1 == .closed)
        #expect(Socket.cancelMonitor(ref) == false)
    }

    @Test func severalMonitorsAreIndependent() throws {
        let socket = try Socket.open(.inet6, .dgram)
        let first = Mailbox(), second = Mailbox()
        let a = socket.monitor(first)
        let b = socket.monitor(first)
        let c = socket.monitor(second)
        #expect(Set([a, b, c]).count == 3)
        #expect(socket.monitors == [a, b, c])
        #expect(Socket.cancelMonitor(b))
        #expect(socket.monitors == [a, c])
        try socket.close()
        #expect(down(first, a) != nil)
        #expect(down(second, c) != nil)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(first.count == 0, "the cancelled monitor sent nothing")
        #expect(second.count == 0)
    }

    @Test func cancelMonitorReportsWhetherItWasActive() throws {
        let socket = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        let ref = socket.monitor(mailbox)
        #expect(Socket.cancelMonitor(ref) == true)
        #expect(Socket.cancelMonitor(ref) == false)
        try socket.close()
        Thread.sleep(forTimeInterval: 0.05)
        #expect(mailbox.count == 0)
        #expect(socket.monitors.isEmpty)
    }

    @Test func closeFromAnotherThreadDeliversToAnAsyncWaiter() async throws {
        let socket = try Socket.open(.inet, .stream)
        let mailbox = Mailbox()
        let ref = socket.monitor(mailbox)
        Thread.detachNewThread { try? socket.close() }
        let message = await mailbox.next { if case .down(ref, _, _) = $0 { return true } else { return false } }
        guard case .down(_, let closed, .closed)? = message else {
            Issue.record("expected DOWN, got \(String(describing: message))")
            return
        }
        #expect(closed == socket)
    }

    @Test func cancellingTheLastHoldOfAMailboxReleasesTheSocketsInIt() throws {
        // The registry holds the only reference to a mailbox whose DOWN message holds the only
        // reference to another socket: cancelling the monitor releases all three.
        let watched = try Socket.open(.inet, .dgram)
        var mailbox: Mailbox? = Mailbox()
        let ref = watched.monitor(mailbox!)
        do {
            let closed = try Socket.open(.inet, .dgram)
            closed.monitor(mailbox!)
            try closed.close()
        }
        #expect(mailbox?.count == 1)
        mailbox = nil
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var cancelled = false
        Thread.detachNewThread {
            cancelled = Socket.cancelMonitor(ref)
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 2) == .success, "cancelMonitor returned")
        #expect(cancelled)
    }

    @Test func unlistedSocketsAreMonitoredToo() throws {
        let socket = try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: false))
        let mailbox = Mailbox()
        let ref = socket.monitor(mailbox)
        #expect(!socket.usesRegistry, "monitoring does not list the socket, unlike OTP")
        try socket.close()
        #expect(down(mailbox, ref) != nil)
    }
}
