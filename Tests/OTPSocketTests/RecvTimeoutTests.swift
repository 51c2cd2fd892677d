import Foundation
import OTPSocket
import SocketConstants
import Testing

/// `recv` and `recvfrom` with every timeout kind: infinity, a duration, `0` (poll once),
/// `nowait`, a caller's select handle, and async with and without a time-out; and the
/// partial results the manual promises for a stream.
@Suite struct RecvTimeoutTests {
    @Test func infinityWaitsForData() async throws {
        let (listener, client, server) = try tcpPair()
        let reader = Background { () throws(SocketError) in try server.recv(3) }
        #expect(await waitForReaders(server, 1))
        try await client.send([1])
        try await Task.sleep(for: .milliseconds(10))
        try await client.send([2, 3])
        #expect(try await reader.value() == [1, 2, 3])
        withExtendedLifetime(listener) {}
    }

    @Test func aDurationTimesOut() async throws {
        let (listener, client, server) = try tcpPair()
        let started = ContinuousClock.now
        let error = try await blocking { () throws(SocketError) in
            reason { () throws(SocketError) in _ = try server.recv(1, timeout: .milliseconds(60)) }
        }
        let waited = ContinuousClock.now - started
        #expect(error == .timeout)
        #expect(waited >= .milliseconds(60))
        #expect(waited < .seconds(3))
        #expect(counters(server).readWaits == 1)
        #expect(counters(server).readFails == 1)
        withExtendedLifetime((listener, client)) {}
    }

    @Test func zeroPollsOnce() async throws {
        let (listener, client, server) = try tcpPair()
        #expect(reason { () throws(SocketError) in _ = try server.recv(1, timeout: .zero) } == .timeout)
        #expect(counters(server).readTries == 1)
        #expect(counters(server).readWaits == 0)
        try await client.send([4, 5])
        #expect(await eventually { (try? server.recv(0, timeout: .zero)) == [4, 5] })
        withExtendedLifetime(listener) {}
    }

    @Test func aDurationReturnsDataThatArrivesInTime() async throws {
        let (listener, client, server) = try tcpPair()
        let reader = Background { () throws(SocketError) in try server.recv(2, timeout: .seconds(5)) }
        #expect(await waitForReaders(server, 1))
        try await client.send([6, 7])
        #expect(try await reader.value() == [6, 7])
        withExtendedLifetime(listener) {}
    }

    @Test func nowaitSelectsAndTheMessageNamesTheHandle() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let info = try #require(try server.recv(2, select: .nowait(mailbox)).selectInfo)
        #expect(info.tag == .recv)
        #expect(info.handle.mailbox === mailbox)
        try await client.send([1, 2])
        guard case .select(let socket, let handle)? = await receive(mailbox) else {
            Issue.record("no select message"); return
        }
        #expect(socket == server)
        #expect(handle == info.handle)
        guard case .completed([1, 2]) = try server.recv(2, select: .nowait(mailbox)) else {
            Issue.record("no data after the select message"); return
        }
        withExtendedLifetime(listener) {}
    }

    @Test func aCallerHandleIsTheOneInTheMessage() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        #expect(try server.recv(0, select: .handle(handle)).selectInfo == SelectInfo(tag: .recv, handle: handle))
        try await client.send([1])
        #expect(await receive(mailbox, where: isSelect(handle)) != nil)
        guard case .completed([1]) = try server.recv(0, select: .handle(handle)) else {
            Issue.record("no data"); return
        }
        withExtendedLifetime(listener) {}
    }

    @Test func nowaitWithDataCompletesAtOnce() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3])
        #expect(await eventually { if case .completed([1, 2, 3])? = try? server.recv(3, select: .nowait(Mailbox())) { true } else { false } })
        withExtendedLifetime(listener) {}
    }

    @Test func asyncWithAndWithoutTimeout() async throws {
        let (listener, client, server) = try tcpPair()
        async let first = server.recv(2)
        #expect(await waitForReaders(server, 1))
        try await client.send([1, 2])
        #expect(try await first == [1, 2])
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1, timeout: .milliseconds(30)) } == .timeout)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1, timeout: .zero) } == .timeout)
        async let second = server.recv(1, timeout: .seconds(5))
        #expect(await waitForReaders(server, 1))
        try await client.send([3])
        #expect(try await second == [3])
        withExtendedLifetime(listener) {}
    }

    @Test func manyShortAsyncTimeoutsAllEnd() async throws {
        // Time-outs that fire before, during and after the task parks: none may be lost.
        let (listener, client, server) = try tcpPair()
        for i in 0..<300 {
            let timeout: Duration = .microseconds(i % 7 == 0 ? 0 : (i % 50) * 20)
            let outcome = await within {
                await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1, timeout: timeout) }
            }
            #expect(outcome == .timeout)
            if outcome == nil { break }
        }
        #expect(users(server).readers == 0)
        withExtendedLifetime((listener, client)) {}
    }

    // MARK: Partial results of a stream

    @Test func aTimeoutCarriesTheDataReceivedSoFar() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2])
        let outcome = try await blocking { () throws(SocketError) -> SocketError? in
            do throws(SocketError) { _ = try server.recv(4, timeout: .milliseconds(50)); return nil } catch { return error }
        }
        #expect(outcome?.reason == .timeout)
        #expect(outcome?.received == [1, 2])
        withExtendedLifetime(listener) {}
    }

    @Test func anAsyncTimeoutCarriesTheDataReceivedSoFar() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2])
        do throws(SocketError) {
            _ = try await server.recv(4, timeout: .milliseconds(50))
            Issue.record("expected a time-out")
        } catch {
            #expect(error.reason == .timeout)
            #expect(error.received == [1, 2])
        }
        withExtendedLifetime(listener) {}
    }

    @Test func nowaitReturnsPartialDataWithItsSelectInfo() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2])
        let mailbox = Mailbox()
        var partial: (SelectInfo, [UInt8])?
        _ = await eventually {
            if case .partial(let info, let data)? = try? server.recv(4, select: .nowait(mailbox)) { partial = (info, data) }
            return partial != nil
        }
        let (info, data) = try #require(partial)
        #expect(data == [1, 2])
        try await client.send([3, 4])
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        guard case .completed([3, 4]) = try server.recv(2, select: .handle(info.handle)) else {
            Issue.record("the rest did not come"); return
        }
        withExtendedLifetime(listener) {}
    }

    @Test func anErrorCarriesTheDataReceivedBeforeIt() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2])
        try client.close()
        let outcome = try await blocking { () throws(SocketError) -> SocketError? in
            do throws(SocketError) { _ = try server.recv(4, timeout: .seconds(5)); return nil } catch { return error }
        }
        #expect(outcome?.reason == .closed)
        #expect(outcome?.received == [1, 2])
        withExtendedLifetime(listener) {}
    }

    @Test func lengthZeroReturnsWhatIsAvailable() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3])
        #expect(await eventually { users(server).readers == 0 })
        let data = try await blocking { () throws(SocketError) in try server.recv(0) }
        #expect(data == [1, 2, 3])
        withExtendedLifetime(listener) {}
    }

    @Test func lengthZeroReadsAtMostTheOTPReceiveBuffer() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([UInt8](repeating: 1, count: 20_000))
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await server.recv(0).count == 8192)
        withExtendedLifetime(listener) {}
    }

    @Test func aNegativeLengthIsInvalid() throws {
        let (listener, client, server) = try tcpPair()
        #expect(reason { () throws(SocketError) in _ = try server.recv(-1) } == .invalid("length -1"))
        withExtendedLifetime((listener, client)) {}
    }

    @Test func peekLeavesTheDataInPlace() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3])
        #expect(await eventually { (try? server.recv(3, flags: .peek, timeout: .zero)) == [1, 2, 3] })
        #expect(try await server.recv(3) == [1, 2, 3])
        withExtendedLifetime(listener) {}
    }

    @Test func outOfBandDataWithTheOobFlag() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([9], flags: .oob)
        #expect(await eventually { (try? server.recv(1, flags: .oob, timeout: .zero)) == [9] })
        withExtendedLifetime(listener) {}
    }

    // MARK: recvfrom

    @Test func recvfromWithEveryTimeoutKind() async throws {
        let (a, b) = try udpPair()
        let source = try a.sockname()
        // infinity
        let reader = Background { () throws(SocketError) in try b.recvfrom() }
        #expect(await waitForReaders(b, 1))
        try await a.send([1])
        let first = try await reader.value()
        #expect(first.source == source)
        #expect(first.data == [1])
        // a duration, and zero
        let timedOut = try await blocking { () throws(SocketError) in
            reason { () throws(SocketError) in _ = try b.recvfrom(timeout: .milliseconds(30)) }
        }
        #expect(timedOut == .timeout)
        #expect(reason { () throws(SocketError) in _ = try b.recvfrom(timeout: .zero) } == .timeout)
        // nowait, with a caller handle
        let mailbox = Mailbox()
        let handle = SelectHandle(mailbox: mailbox)
        #expect(try b.recvfrom(select: .handle(handle)).selectInfo == SelectInfo(tag: .recvfrom, handle: handle))
        try await a.send([2])
        #expect(await receive(mailbox, where: isSelect(handle)) != nil)
        guard case .completed(let message) = try b.recvfrom(select: .handle(handle)) else {
            Issue.record("no datagram"); return
        }
        #expect(message == RecvFrom(source: source, data: [2]))
        // async
        async let third = b.recvfrom(timeout: .seconds(5))
        #expect(await waitForReaders(b, 1))
        try await a.send([3])
        #expect(try await third.data == [3])
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await b.recvfrom(timeout: .milliseconds(10)) } == .timeout)
    }
}
