@testable import OTPSocket
import SocketConstants
import Testing

/// `sendmsg`: I/O vectors (also longer than `IOV_MAX`), addresses, every timeout kind, and
/// the continuation after a partial `nowait` send.
@Suite struct SendMsgTests {
    static var iovMax: Int { Int(Native.IOV_MAX) }

    /// `count` small elements of different sizes (some empty), and their concatenation.
    func vector(_ count: Int, size: Int = 5) -> ([[UInt8]], [UInt8]) {
        let iov = (0..<count).map { Fixtures.pattern($0 % (size + 1), seed: $0) }
        return (iov, Array(iov.joined()))
    }

    @Test func aStreamSendsAnIOVectorLongerThanIovMaxInTurns() throws {
        let (client, server) = try Fixtures.tcpPair()
        let (iov, all) = vector(Self.iovMax * 3 + 7)
        try client.sendmsg(MsgSend(iov: iov))
        #expect(try server.recv(all.count, timeout: .seconds(5)) == all)
    }

    @Test func aLargeStreamVectorLongerThanIovMaxArrivesWholeWhileTheReaderDrains() throws {
        let (client, server) = try Fixtures.tcpPair()
        try client.setopt(.socket.sndbuf, 16 * 1024)
        let iov = (0..<(Self.iovMax * 2 + 100)).map { Fixtures.pattern(1000 + $0 % 7, seed: $0) }
        let all = Array(iov.joined())
        let drain = Fixtures.Drain(server, count: all.count)
        try client.sendmsg(MsgSend(iov: iov), timeout: .seconds(20))
        #expect(drain.join() == all)
    }

    @Test func aStreamVectorLongerThanIovMaxAlsoGoesAsync() async throws {
        let (client, server) = try Fixtures.tcpPair()
        let (iov, all) = vector(Self.iovMax + 1)
        try await client.sendmsg(MsgSend(iov: iov))
        #expect(try await server.recv(all.count, timeout: .seconds(5)) == all)
    }

    @Test func aDatagramVectorLongerThanIovMaxIsInvalid() throws {
        let (tx, rx) = (try Fixtures.udp(), try Fixtures.udp())
        let (iov, _) = vector(Self.iovMax + 1)
        do {
            try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: iov))
            Issue.record("sent \(iov.count) elements as one datagram")
        } catch {
            guard case .invalid(let what) = error.reason else { Issue.record("\(error)"); return }
            #expect(what.hasPrefix("iov"))
        }
        // Exactly IOV_MAX elements go as one datagram.
        let (fits, joined) = vector(Self.iovMax, size: 1)
        try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: fits))
        #expect(try rx.recv(0, timeout: .seconds(2)) == joined)
    }

    @Test func aDatagramGoesToTheMessagesAddressAsOneDatagram() throws {
        let (tx, rx) = (try Fixtures.udp(), try Fixtures.udp())
        try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: [[1], [], [2, 3]]))
        try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: []))
        let (source, data) = try rx.recvfrom(timeout: .seconds(2))
        #expect(source == (try tx.sockname()))
        #expect(data == [1, 2, 3])
        #expect(try rx.recv(timeout: .seconds(2)) == [])  // the empty datagram
    }

    @Test func rawControlDataGoesAsGiven() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        try rx.setopt(.ip.recvttl, true)
        let ttl: CInt = 9
        let raw = withUnsafeBytes(of: ttl) { Array($0) }
        try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: [[1]], ctrl: [.native(level: .ip, type: Native.IP_TTL, data: raw)]))
        let message = try rx.recvmsg(timeout: .seconds(2))
        #expect(message.ctrl.compactMap(\.value).contains(.ttl(9)))
    }

    @Test func aControlValueTheKernelRefusesIsItsErrno() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        // IP_TTL must be 1..255.
        #expect(throws: SocketError.errno(.invalidArgument)) {
            try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: [[1]], ctrl: [.ttl(300)]))
        }
        #expect(throws: SocketError.self) {
            try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: [[1]], ctrl: [.ttl(Int(CInt.max) + 1)]))
        }
    }

    @Test func aFullStreamTimesOutWithTheRestAsData() throws {
        let (client, server) = try Fixtures.tcpPair()
        try client.setopt(.socket.sndbuf, 4096)
        try server.setopt(.socket.rcvbuf, 4096)
        let iov = (0..<64).map { Fixtures.pattern(8 * 1024, seed: $0) }
        do {
            try client.sendmsg(MsgSend(iov: iov), timeout: .milliseconds(100))
            Issue.record("512 KiB went into a 4 KiB socket")
        } catch {
            #expect(error.reason == .timeout)
            let rest = try #require(error.rest)
            #expect(rest.count > 0 && rest.count < 64 * 8 * 1024)
            let all = Array(iov.joined())
            #expect(rest == Array(all[(all.count - rest.count)...]))
        }
        _ = server
    }

    @Test func aZeroTimeoutSendsWhatFitsOnce() throws {
        let (client, server) = try Fixtures.tcpPair()
        try client.sendmsg(MsgSend(iov: [[1, 2], [3]]), timeout: .zero)
        #expect(try server.recv(3, timeout: .seconds(2)) == [1, 2, 3])
    }

    /// Sends `iov` with `nowait` (or a handle) and goes on after each `select` message until
    /// all is sent; returns how many partial results there were.
    func sendInTurns(_ client: Socket, _ iov: [[UInt8]], handle: Bool) throws -> Int {
        let mailbox = Mailbox()
        let mode: SelectMode = handle ? .handle(SelectHandle(mailbox: mailbox)) : .nowait(mailbox)
        var result = try client.sendmsg(MsgSend(iov: iov), select: mode)
        var partials = 0
        // What is still to send: nothing of it went out when a call answers `.selected`.
        var pending = iov
        while true {
            switch result {
            case .completed(let rest):
                #expect(rest.isEmpty)
                return partials
            case .selected(let info):
                #expect(info.tag == .sendmsg)
                _ = try #require(mailbox.receive(timeout: .seconds(10)))
                result = try client.sendmsg(MsgSend(iov: pending), select: .handle(info.handle))
            case .partial(let info, let rest):
                partials += 1
                #expect(info.tag == .sendmsg)
                if handle, case .handle(let mine) = mode { #expect(info.handle == mine) }
                let message = try #require(mailbox.receive(timeout: .seconds(10)))
                #expect(message.handle == info.handle)
                // The rest: the unsent end of one element, then the following elements as they were.
                let head = try #require(rest.first)
                let element = iov.count - rest.count
                #expect(head == Array(iov[element].suffix(head.count)))
                #expect(Array(rest.dropFirst()) == Array(iov[(element + 1)...]))
                pending = rest
                result = try client.sendmsg(rest, continuing: info, select: .handle(info.handle))
            }
        }
    }

    @Test(arguments: [false, true])
    func aNowaitSendReturnsTheRestAsAnIOVectorAndContinues(handle: Bool) throws {
        let (client, server) = try Fixtures.tcpPair()
        try client.setopt(.socket.sndbuf, 8192)
        let iov = (0..<300).map { Fixtures.pattern(3000, seed: $0) }
        let all = Array(iov.joined())
        let drain = Fixtures.Drain(server, count: all.count, delay: .milliseconds(20))
        let partials = try sendInTurns(client, iov, handle: handle)
        #expect(partials > 0)
        #expect(drain.join() == all)
    }

    @Test func aBlockingContinuationSendsTheRestAfterANowaitPartial() throws {
        let (client, server) = try Fixtures.tcpPair()
        try client.setopt(.socket.sndbuf, 8192)
        let iov = (0..<200).map { Fixtures.pattern(3000, seed: $0) }
        let all = Array(iov.joined())
        let result = try client.sendmsg(MsgSend(iov: iov), select: .nowait(Mailbox()))
        guard case .partial(let info, let rest) = result else { Issue.record("expected a partial send: \(result)"); return }
        let drain = Fixtures.Drain(server, count: all.count)
        try client.sendmsg(rest, continuing: info, timeout: .seconds(20))
        #expect(drain.join() == all)
    }
}
