import Foundation
import OTPSocket
import SocketConstants
import Testing

/// One current reader, writer, acceptor and connector per socket; the others wait in FIFO
/// order (Erlang: "all other users are locked out"), and `cancel` takes one out.
@Suite struct QueueTests {
    @Test func blockingReadersAreServedInArrivalOrder() async throws {
        let (listener, client, server) = try tcpPair()
        var readers: [Background<[UInt8]>] = []
        for i in 1...3 {
            readers.append(Background { () throws(SocketError) in try server.recv(1, timeout: .seconds(5)) })
            #expect(await waitForReaders(server, i))
        }
        for byte: UInt8 in 1...3 {
            try await client.send([byte])
        }
        for (i, reader) in readers.enumerated() {
            #expect(try await reader.value() == [UInt8(i + 1)])
        }
        #expect(users(server).readers == 0)
        withExtendedLifetime(listener) {}
    }

    @Test func stylesShareOneQueue() async throws {
        let (listener, client, server) = try tcpPair()
        let blocking = Background { () throws(SocketError) in try server.recv(1, timeout: .seconds(5)) }
        #expect(await waitForReaders(server, 1))
        let async = Task { try await server.recv(1, timeout: .seconds(5)) }
        #expect(await waitForReaders(server, 2))
        let mailbox = Mailbox()
        let selected = try server.recv(1, select: .nowait(mailbox))
        let info = try #require(selected.selectInfo)
        #expect(users(server).readers == 3)

        try await client.send([1])
        #expect(try await blocking.value() == [1])
        try await client.send([2])
        #expect(try await async.value == [2])
        // Its turn: the nowait caller is told, and its call now gets the data.
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        try await client.send([3])
        guard case .completed(let data) = try server.recv(1, select: .handle(info.handle)) else {
            Issue.record("the promoted nowait reader did not get its data"); return
        }
        #expect(data == [3])
        withExtendedLifetime(listener) {}
    }

    @Test func aQueuedNowaitCallerHearsNothingBeforeItsTurn() async throws {
        let (listener, client, server) = try tcpPair()
        let first = Mailbox(), second = Mailbox()
        let current = try #require(try server.recv(1, select: .nowait(first)).selectInfo)
        let queued = try #require(try server.recv(1, select: .nowait(second)).selectInfo)
        try await client.send([1, 2])
        #expect(await receive(first, where: isSelect(current.handle)) != nil)
        #expect(await receive(second, within: 0.05) == nil)
        guard case .completed([1]) = try server.recv(1, select: .handle(current.handle)) else {
            Issue.record("the current reader did not get its byte"); return
        }
        #expect(await receive(second, where: isSelect(queued.handle)) != nil)
        guard case .completed([2]) = try server.recv(1, select: .handle(queued.handle)) else {
            Issue.record("the second reader did not get its byte"); return
        }
        withExtendedLifetime(listener) {}
    }

    @Test func aSecondNowaitCallFromTheSameMailboxReplacesItsHandle() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let old = try #require(try server.recv(4, select: .nowait(mailbox)).selectInfo)
        let new = try #require(try server.recv(4, select: .nowait(mailbox)).selectInfo)
        #expect(old.handle != new.handle)
        #expect(users(server).readers == 1)
        try await client.send([1, 2, 3, 4])
        guard case .select(_, let handle)? = await receive(mailbox) else {
            Issue.record("no select message"); return
        }
        #expect(handle == new.handle)
        #expect(await receive(mailbox, within: 0.05) == nil)
        #expect(reason { () throws(SocketError) in try server.cancel(old) } == .invalid("\(old)"))
        withExtendedLifetime(listener) {}
    }

    @Test func aQueuedCallerCallingAgainKeepsItsPlace() async throws {
        let (listener, client, server) = try tcpPair()
        let first = Mailbox(), second = Mailbox()
        let current = try #require(try server.recv(1, select: .nowait(first)).selectInfo)
        _ = try server.recv(1, select: .nowait(second))
        let replaced = try #require(try server.recv(1, select: .nowait(second)).selectInfo)
        #expect(users(server).readers == 2)
        try await client.send([1, 2])
        #expect(await receive(first, where: isSelect(current.handle)) != nil)
        _ = try server.recv(1, select: .handle(current.handle))
        guard case .select(_, let handle)? = await receive(second) else {
            Issue.record("the queued caller was not told"); return
        }
        #expect(handle == replaced.handle)
        withExtendedLifetime(listener) {}
    }

    @Test func cancelWithAnUnknownHandleIsInvalid() throws {
        let (listener, client, server) = try tcpPair()
        let info = SelectInfo(tag: .recv, handle: SelectHandle(mailbox: Mailbox()))
        #expect(reason { () throws(SocketError) in try server.cancel(info) } == .invalid("\(info)"))
        // A handle of another direction is unknown too.
        let mailbox = Mailbox()
        let pending = try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo)
        let wrongTag = SelectInfo(tag: .send, handle: pending.handle)
        #expect(reason { () throws(SocketError) in try server.cancel(wrongTag) } == .invalid("\(wrongTag)"))
        try server.cancel(pending)
        #expect(reason { () throws(SocketError) in try server.cancel(pending) } == .invalid("\(pending)"))
        try server.close()
        #expect(reason { () throws(SocketError) in try server.cancel(pending) } == .closed)
        withExtendedLifetime((listener, client)) {}
    }

    @Test func cancelAfterTheSelectMessageWasSentTakesItBack() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let info = try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo)
        try await client.send([1])
        #expect(await eventually { mailbox.count == 1 })
        try server.cancel(info)
        #expect(mailbox.count == 0)
        #expect(await receive(mailbox, within: 0.05) == nil)
        // The data is still there for the next reader.
        #expect(try await server.recv(1, timeout: .seconds(10)) == [1])
        withExtendedLifetime(listener) {}
    }

    @Test func cancelRacingTheSelectMessageNeverLetsItArrive() async throws {
        // The message is made under the socket's lock and posted after it: a cancel in
        // between must still win. Many rounds make the race likely.
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        for _ in 0..<300 {
            let info = try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo)
            try await client.send([1])
            try server.cancel(info)
            #expect(mailbox.count == 0)
            #expect(try await server.recv(1, timeout: .seconds(10)) == [1])
        }
        #expect(await receive(mailbox, within: 0.02) == nil)
        withExtendedLifetime(listener) {}
    }

    @Test func cancellingTheCurrentNowaitReaderPassesTheTurn() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let info = try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo)
        let next = Background { () throws(SocketError) in try server.recv(1, timeout: .seconds(5)) }
        #expect(await waitForReaders(server, 2))
        try server.cancel(info)
        try await client.send([9])
        #expect(try await next.value() == [9])
        #expect(await receive(mailbox, within: 0.02) == nil)
        withExtendedLifetime(listener) {}
    }

    @Test func cancellingAQueuedNowaitCallerLeavesTheOthers() async throws {
        let (listener, client, server) = try tcpPair()
        let first = Mailbox(), second = Mailbox()
        let current = try #require(try server.recv(1, select: .nowait(first)).selectInfo)
        let queued = try #require(try server.recv(1, select: .nowait(second)).selectInfo)
        try server.cancel(queued)
        #expect(users(server).readers == 1)
        try await client.send([5])
        #expect(await receive(first, where: isSelect(current.handle)) != nil)
        guard case .completed([5]) = try server.recv(1, select: .handle(current.handle)) else {
            Issue.record("the current reader lost its data"); return
        }
        #expect(await receive(second, within: 0.02) == nil)
        #expect(users(server).readers == 0)
        withExtendedLifetime(listener) {}
    }

    @Test func writersQueueBehindAWriterThatWaits() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try fillSendBuffer(client)
        // Each more than the buffers hold: the first waits for room, the second behind it.
        let ones = [UInt8](repeating: 1, count: 200_000), twos = [UInt8](repeating: 2, count: 200_000)
        let first = Background { () throws(SocketError) in try client.send(ones, timeout: .seconds(10)) }
        #expect(await eventually { users(client).writers == 1 })
        let second = Background { () throws(SocketError) in try client.send(twos, timeout: .seconds(10)) }
        #expect(await eventually { users(client).writers == 2 })
        var received: [UInt8] = []
        while received.last != 2 || received.filter({ $0 == 2 }).count < twos.count {
            received += try await server.recv(0, timeout: .seconds(5))
        }
        _ = try await first.value()
        _ = try await second.value()
        // The writers went in order, each whole: the fill, then all ones, then all twos.
        #expect(Array(received.drop(while: { $0 == 7 })) == ones + twos)
        withExtendedLifetime(listener) {}
    }

    @Test func acceptorsQueueInOrder() async throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let first = Background { () throws(SocketError) in try listener.accept(timeout: .seconds(5)) }
        #expect(await eventually { users(listener).acceptors == 1 })
        let second = Background { () throws(SocketError) in try listener.accept(timeout: .seconds(5)) }
        #expect(await eventually { users(listener).acceptors == 2 })
        let a = try Socket.open(.inet, .stream)
        try await a.connect(to: listener.sockname())
        #expect(try await first.value().peername() == a.sockname())
        let b = try Socket.open(.inet, .stream)
        try await b.connect(to: listener.sockname())
        #expect(try await second.value().peername() == b.sockname())
    }
}
