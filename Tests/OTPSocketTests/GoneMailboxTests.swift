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

    /// A handle outlives its mailbox: it names a new, empty mailbox, and a message about it
    /// is dropped, with no crash and no message anywhere.
    @Test func aHandleOutlivesItsMailbox() throws {
        let (client, server) = try Reliability.streamPair(.inet)
        let handle = SelectHandle(mailbox: Mailbox())
        #expect(handle.mailbox.count == 0)
        let info = try #require(try server.recv(1, select: .handle(handle)).selectInfo)
        #expect(info.handle == handle)
        try client.send([1])
        // The parked reader's mailbox is gone: the data goes to the next reader.
        #expect(try server.recv(1, timeout: .seconds(5)) == [1])
    }

    /// A parked `nowait` reader whose mailbox dies while a blocking reader waits behind it
    /// gives up its turn when the data comes, as an Erlang process's death cancels its
    /// select: the queued reader gets the data.
    @Test func aParkedReaderWhoseMailboxDiesGivesUpItsTurnToTheQueue() async throws {
        let (client, server) = try Reliability.streamPair(.inet)
        do {
            let mailbox = Mailbox()
            #expect(try server.recv(1, select: .nowait(mailbox)).selectInfo != nil)
        }
        let queued = Background { () throws(SocketError) in try server.recv(1, timeout: .seconds(5)) }
        #expect(await eventually { server.info().numReaders == 2 })
        try await client.send([2])
        let received = try await queued.value()
        #expect(received == [2])
    }
}
