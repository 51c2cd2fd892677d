@testable import OTPSocket
import SocketConstants
import Testing

/// Erlang's guarantee for `cancel/2`: once it returns, no `select` message for the handle
/// arrives. The race it has to win, played step by step: `Socket.ready` (or `park`,
/// `promote`) decides on the message under the socket's lock and posts it after unlocking,
/// so a `cancel` can run in between, find nothing queued to take back, and return before
/// the message is posted. The waiter's revocation, set by `cancel` under the socket's lock
/// and read by the post under the mailbox's lock, drops that late message.
@Suite struct CancelRevocationTests {
    @Test(arguments: [Domain.inet, .local])
    func aSelectMessageDecidedBeforeCancelAndPostedAfterItNeverArrives(_ domain: Domain) throws {
        let (client, server) = try Reliability.streamPair(domain)
        let mailbox = Mailbox()
        guard case .selected(let info) = try server.recv(1, select: .nowait(mailbox)) else {
            Issue.record("the receive did not wait")
            return
        }
        // What the reactor's readiness edge takes under the socket's lock: the parked owner.
        let owner = try #require(server.withLock { $0[owner: .read].waiter })
        try server.cancel(info)
        // The edge's post, after its unlock: here, after `cancel` returned.
        owner.post(from: server)
        #expect(mailbox.receive(timeout: .zero) == nil)
        // The socket stays usable, and a new wait gets its message.
        guard case .selected(let again) = try server.recv(1, select: .nowait(mailbox)) else {
            Issue.record("the second receive did not wait")
            return
        }
        try client.send([7], timeout: .seconds(10))
        let message = mailbox.receive(timeout: .seconds(10))
        #expect(message?.handle == again.handle)
        // Answering the message: the same mailbox calls again and gets the byte.
        guard case .completed(let got) = try server.recv(1, select: .nowait(mailbox)) else {
            Issue.record("the receive after the select message did not complete")
            return
        }
        #expect(got == [7])
    }

    /// The other order: the message is already queued when `cancel` runs, which takes it back.
    @Test func aQueuedSelectMessageIsTakenBackByCancel() throws {
        let (client, server) = try Reliability.streamPair(.inet)
        let mailbox = Mailbox()
        guard case .selected(let info) = try server.recv(1, select: .nowait(mailbox)) else {
            Issue.record("the receive did not wait")
            return
        }
        try client.send([9], timeout: .seconds(10))
        let clock = ContinuousClock(), end = clock.now + .seconds(10)
        while mailbox.count == 0, clock.now < end { Reliability.sleep(.microseconds(100)) }
        #expect(mailbox.count == 1)
        try server.cancel(info)
        #expect(mailbox.receive(timeout: .zero) == nil)
        #expect(try server.recv(1, timeout: .seconds(10)) == [9])
    }
}
