import OTPSocket
import Testing

/// A `nowait` caller whose mailbox is gone is like an Erlang process that exited: its queued
/// operation is dropped when its turn comes, and a new mailbox is never taken for it, even
/// where the new one reuses the dead one's memory.
@Suite struct GoneMailboxTests {
    @Test func aQueuedReaderWhoseMailboxIsGoneIsSkipped() throws {
        let (client, server) = try Reliability.streamPair(.inet)
        let first = Mailbox()
        guard let current = try server.recv(1, select: .nowait(first)).selectInfo else {
            Issue.record("the first reader did not have to wait")
            return
        }
        // Many short-lived mailboxes queue and die: each new one may reuse a dead one's
        // address, and must still queue as a caller of its own.
        for _ in 0..<20 {
            let gone = Mailbox()
            #expect(try server.recv(1, select: .nowait(gone)).selectInfo != nil)
        }
        let last = Mailbox()
        guard let waiting = try server.recv(1, select: .nowait(last)).selectInfo else {
            Issue.record("the last reader did not have to wait")
            return
        }
        #expect(server.info().numReaders == 22)

        // The current reader gives up its turn: the dead ones are skipped, the last one is next.
        try server.cancel(current)
        try client.send([42])
        guard case .select(_, let handle)? = last.receive(timeout: .seconds(5)) else {
            Issue.record("the live reader behind the dead ones got no select message")
            return
        }
        #expect(handle == waiting.handle)
        #expect(server.info().numReaders == 1)
        guard case .completed(let data) = try server.recv(1, select: .nowait(last)) else {
            Issue.record("the live reader's second call did not complete")
            return
        }
        #expect(data == [42])
        #expect(server.info().numReaders == 0)
        withExtendedLifetime(first) {}
    }
}
