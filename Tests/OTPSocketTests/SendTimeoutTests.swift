import Foundation
import OTPSocket
import SocketConstants
import Testing

/// `send` and `sendto` with every timeout kind. A stream send that times out or fails after
/// part of the data went out gives back the rest (Erlang `{error, {timeout, RestData}}`);
/// `nowait` gives `.partial(info, rest)`; datagrams are never split.
@Suite struct SendTimeoutTests {
    /// `count` bytes whose values tell where they came from.
    func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) } }

    /// Reads from `socket` until `count` bytes came.
    func drain(_ socket: Socket, _ count: Int) async throws -> [UInt8] {
        var received: [UInt8] = []
        while received.count < count {
            received += try await socket.recv(0, timeout: .seconds(5))
        }
        return received
    }

    @Test func infinityWaitsForRoom() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        let payload = pattern(1_000_000)
        let writer = Background { () throws(SocketError) in try client.send(payload) }
        #expect(await eventually { users(client).writers == 1 })
        #expect(try await drain(server, payload.count) == payload)
        _ = try await writer.value()
        // With timeout `infinity` the send sleeps in the kernel (one syscall, as in C): the
        // library sees no wait of its own, only the bytes.
        #expect(counters(client).writeByte == UInt64(payload.count))
        withExtendedLifetime(listener) {}
    }

    @Test func aDurationTimesOutWithTheRest() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        let payload = pattern(1_000_000)
        let outcome = try await blocking { () throws(SocketError) -> SocketError? in
            do throws(SocketError) { try client.send(payload, timeout: .milliseconds(50)); return nil } catch { return error }
        }
        #expect(outcome?.reason == .timeout)
        let rest = try #require(outcome?.rest)
        #expect(!rest.isEmpty && rest.count < payload.count)
        #expect(rest == Array(payload.suffix(rest.count)))
        // Exactly the part not in `rest` went out.
        #expect(try await drain(server, payload.count - rest.count) == Array(payload.prefix(payload.count - rest.count)))
        withExtendedLifetime(listener) {}
    }

    @Test func aFullBufferTimesOutWithoutRest() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try fillSendBuffer(client)
        let outcome = try await blocking { () throws(SocketError) -> SocketError? in
            do throws(SocketError) { try client.send([1, 2, 3], timeout: .milliseconds(30)); return nil } catch { return error }
        }
        #expect(outcome?.reason == .timeout)
        #expect(outcome?.rest == nil)
        withExtendedLifetime((listener, server)) {}
    }

    @Test func zeroPollsOnce() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try sync { () throws(SocketError) in try client.send([1], timeout: .zero) }
        try fillSendBuffer(client)
        let before = counters(client)
        let more = [UInt8](repeating: 2, count: 1_000_000)  // more than any room left
        #expect(reason { () throws(SocketError) in try client.send(more, timeout: .zero) } == .timeout)
        let after = counters(client)
        #expect(after.writeTries == before.writeTries + 1)
        #expect(after.writeWaits == before.writeWaits)
        withExtendedLifetime((listener, server)) {}
    }

    @Test func nowaitGivesTheRestThenContinues() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        let payload = pattern(500_000)
        let mailbox = Mailbox()
        guard case .partial(let info, var rest) = try client.send(payload, select: .nowait(mailbox)) else {
            Issue.record("a send larger than the buffers did not go out in part"); return
        }
        #expect(info.tag == .send)
        #expect(rest == Array(payload.suffix(rest.count)))
        let reader = Task { try await drain(server, payload.count) }
        // Erlang's send(Socket, RestData, Cont): call again with the rest and the handle.
        var rounds = 0
        while !rest.isEmpty {
            rounds += 1
            guard await receive(mailbox, where: isSelect(info.handle)) != nil else {
                Issue.record("no select message for the rest"); return
            }
            switch try client.send(rest, select: .handle(info.handle)) {
            case .completed: rest = []
            case .partial(_, let left): rest = left
            case .selected: break
            }
        }
        #expect(rounds >= 1)
        #expect(try await reader.value == payload)
        withExtendedLifetime(listener) {}
    }

    @Test func nowaitOnAFullBufferSelects() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try fillSendBuffer(client)
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        guard case .selected(let info) = try client.send([1], select: .handle(handle)) else {
            Issue.record("expected select"); return
        }
        #expect(info.handle == handle)
        let reader = Task { try await drain(server, 1) }
        #expect(await receive(mailbox, where: isSelect(handle)) != nil)
        reader.cancel()
        _ = await reader.result
        try client.cancel(info)
        withExtendedLifetime(listener) {}
    }

    @Test func asyncWaitsForRoomAndTimesOutWithTheRest() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        let payload = pattern(300_000)
        async let received = drain(server, payload.count)
        try await client.send(payload)
        #expect(try await received == payload)

        do throws(SocketError) {
            try await client.send(payload, timeout: .milliseconds(30))
            Issue.record("expected a time-out")
        } catch {
            #expect(error.reason == .timeout)
            #expect(error.rest.map { $0 == Array(payload.suffix($0.count)) } == true)
        }
        #expect(await reasonAsync { () async throws(SocketError) in try await client.send(payload, timeout: .zero) } == .timeout)
        withExtendedLifetime(listener) {}
    }

    @Test func aPeerThatClosedMakesSendFailWithTheRest() async throws {
        let (listener, client, server) = try tcpPair(buffer: 4096)
        try server.close()
        let outcome = try await blocking { () throws(SocketError) -> SocketError? in
            do throws(SocketError) {
                for _ in 0..<100 { try client.send([UInt8](repeating: 1, count: 100_000), timeout: .seconds(5)) }
                return nil
            } catch { return error }
        }
        // The peer's RST: `epipe` or `econnreset`, never a SIGPIPE.
        #expect(outcome?.reason == .errno(.brokenPipe) || outcome?.reason == .errno(.connectionReset))
        withExtendedLifetime(listener) {}
    }

    @Test func sendtoWithEveryTimeoutKind() async throws {
        let (a, b) = try udpPair()
        let receiver = try Socket.open(.inet, .dgram)
        try receiver.bind(.inet(.loopback, port: 0))
        let to = try receiver.sockname()
        let sender = try Socket.open(.inet, .dgram)
        try await blocking { () throws(SocketError) in try sender.sendto([1], to: to) }
        try sync { () throws(SocketError) in
            try sender.sendto([2], to: to, timeout: .seconds(10))
            try sender.sendto([3], to: to, timeout: .zero)
        }
        guard case .completed([]) = try sender.sendto([4], to: to, select: .nowait(Mailbox())) else {
            Issue.record("a datagram did not go out at once"); return
        }
        try await sender.sendto([5], to: to)
        try await sender.sendto([6], to: to, timeout: .seconds(10))
        var got: [UInt8] = []
        for _ in 1...6 {
            let (source, data) = try await receiver.recvfrom(timeout: .seconds(10))
            // The sender was bound implicitly, to 0.0.0.0 and a port: the datagram comes from
            // 127.0.0.1 and that port.
            #expect(source == .inet(.loopback, port: try #require(try sender.sockname().port)))
            got += data
        }
        #expect(got == [1, 2, 3, 4, 5, 6])
        withExtendedLifetime((a, b)) {}
    }

    @Test func aDatagramIsNeverSplit() async throws {
        let (a, b) = try udpPair()
        let big = pattern(60_000)
        try await a.send(big)
        #expect(try await b.recv(0, timeout: .seconds(10)).count == 8192)  // {otp, rcvbuf}: truncated, not split
        try await a.send(big)
        #expect(try await b.recv(big.count, timeout: .seconds(10)) == big)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await b.recv(0, timeout: .zero) } == .timeout)
        // Too big for one datagram: an error, not a partial send.
        #expect(await reasonAsync { () async throws(SocketError) in try await a.send(pattern(70_000)) } == .errno(.messageTooLong))
    }

    @Test func sendtoThatMustWaitSelectsAndBlocks() async throws {
        // A unix datagram socket pushes back when its receiver's queue is full: sendto then
        // waits in every style.
        let address = abstractAddress()
        let receiver = try Socket.open(.local, .dgram)
        try receiver.bind(address)
        let sender = try Socket.open(.local, .dgram)
        var queued = 0
        while (try? sync { () throws(SocketError) in try sender.sendto([1], to: address, timeout: .zero) }) != nil {
            queued += 1
        }
        #expect(queued > 0)
        #expect(reason { () throws(SocketError) in try sender.sendto([2], to: address, timeout: .zero) } == .timeout)
        let timedOut = try await blocking { () throws(SocketError) in
            reason { () throws(SocketError) in try sender.sendto([2], to: address, timeout: .milliseconds(20)) }
        }
        #expect(timedOut == .timeout)
        #expect(await reasonAsync { () async throws(SocketError) in try await sender.sendto([2], to: address, timeout: .milliseconds(20)) } == .timeout)
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        guard case .selected(let info) = try sender.sendto([3], to: address, select: .handle(handle)) else {
            Issue.record("a sendto to a full queue did not select"); return
        }
        #expect(info == SelectInfo(tag: .sendto, handle: handle))
        _ = try await receiver.recv(0)
        #expect(await receive(mailbox, where: isSelect(handle)) != nil)
        guard case .completed = try sender.sendto([3], to: address, select: .handle(handle)) else {
            Issue.record("the sendto did not go after the select message"); return
        }
        // A blocking sendto waits for room, and gets it.
        let writer = Background { () throws(SocketError) in try sender.sendto([4], to: address) }
        #expect(await eventually { users(sender).writers == 1 })
        _ = try await receiver.recv(0)
        _ = try await writer.value()
        var last: [UInt8] = []
        while let datagram = try? await receiver.recv(0, timeout: .zero) { last = datagram }
        #expect(last == [4])
    }
}
