@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Control messages through the real kernel: descriptors and credentials over local sockets,
/// IP and IPv6 ancillary data on UDP, the error queue, truncation.
@Suite struct ControlMessageTests {
    func values(_ message: MsgRecv) -> [CmsgRecv.Value] { message.ctrl.compactMap(\.value) }

    // MARK: socket level

    @Test func descriptorsPassOverALocalDatagramSocketAndArriveOwnedAndCloseOnExec() throws {
        let (a, b) = try Fixtures.localDgramPair()
        let payload = try Fixtures.udp()
        try a.sendmsg(MsgSend(addr: b.sockname(), iov: [[42]], ctrl: [.rights([payload.fd!])]))
        let message = try b.recvmsg(timeout: .seconds(2))
        #expect(message.data == [42])
        guard case .rights(let received)? = values(message).first else {
            Issue.record("no rights in \(message.ctrl)"); return
        }
        #expect(received.descriptors.count == 1)
        let fd = received.take()[0]
        #expect(received.remaining.isEmpty)
        #expect(fd != payload.fd)
        #expect(fcntl(fd, Native.F_GETFD) & Native.FD_CLOEXEC != 0)
        // The descriptor is the same socket: a socket made from it has the same address.
        let adopted = try Socket.open(fd: fd, options: OpenOptions(dup: false))
        #expect(try adopted.sockname() == payload.sockname())
    }

    @Test func descriptorsPassOverALocalStreamSocket() throws {
        let (a, b) = try Fixtures.localStreamPair()
        let first = try Fixtures.udp(), second = try Fixtures.udp()
        try a.sendmsg(MsgSend(iov: [[1, 2, 3]], ctrl: [.rights([first.fd!, second.fd!])]))
        let message = try b.recvmsg(timeout: .seconds(2))
        #expect(message.data == [1, 2, 3])
        #expect(message.addr == nil)  // a connected stream reports no source
        guard case .rights(let received)? = values(message).first else {
            Issue.record("no rights in \(message.ctrl)"); return
        }
        let fds = received.take()
        #expect(fds.count == 2)
        let sockets = try fds.map { (fd) throws(SocketError) in try Socket.open(fd: fd, options: OpenOptions(dup: false)) }
        #expect(try sockets.map { try $0.sockname() } == [try first.sockname(), try second.sockname()])
    }

    @Test func receivedDescriptorsNotTakenAreClosedWithTheMessage() throws {
        let (a, b) = try Fixtures.localDgramPair()
        let payload = try Fixtures.udp()
        let original = Fixtures.identity(payload.fd!)
        try a.sendmsg(MsgSend(addr: b.sockname(), iov: [[0]], ctrl: [.rights([payload.fd!])]))
        var fd: CInt = -1
        do {
            let message = try b.recvmsg(timeout: .seconds(2))
            guard case .rights(let received)? = values(message).first else {
                Issue.record("no rights in \(message.ctrl)"); return
            }
            fd = received.descriptors[0]
            #expect(Fixtures.identity(fd).map { $0 == original! } == true)
        }
        // The message is gone: its descriptor is closed (or, by now, reused for something else).
        let after = Fixtures.identity(fd)
        #expect(after == nil || after! != original!)
        #expect(payload.fd != nil)
    }

    @Test func credentialsSentExplicitlyArriveDecoded() throws {
        let (a, b) = try Fixtures.localDgramPair()
        try b.setopt(.socket.passcred, true)
        let mine = Ucred(pid: Int(getpid()), uid: UInt(getuid()), gid: UInt(getgid()))
        try a.sendmsg(MsgSend(addr: b.sockname(), iov: [[9]], ctrl: [.credentials(mine)]))
        let message = try b.recvmsg(timeout: .seconds(2))
        #expect(values(message).contains(.credentials(mine)))
        #expect(message.ctrl.first?.level == .socket)
    }

    @Test func credentialsArriveOnAStreamWithPasscredAlone() throws {
        let (a, b) = try Fixtures.localStreamPair()
        try b.setopt(.socket.passcred, true)
        try a.send([5])
        let message = try b.recvmsg(timeout: .seconds(2))
        #expect(values(message).contains(.credentials(Ucred(pid: Int(getpid()), uid: UInt(getuid()), gid: UInt(getgid())))))
    }

    @Test func credentialsOfAProcessThatDoesNotExistAreRefused() throws {
        let (a, b) = try Fixtures.localDgramPair()
        // Above any pid_max: a non-root sender may not claim it (eperm), root finds no such
        // process (esrch).
        let nobody = Ucred(pid: Int(Int32.max), uid: UInt(getuid()), gid: UInt(getgid()))
        do {
            try a.sendmsg(MsgSend(addr: b.sockname(), iov: [[9]], ctrl: [.credentials(nobody)]))
            Issue.record("credentials of pid \(nobody.pid) were accepted")
        } catch {
            #expect(error.reason == .errno(.noSuchProcess) || error.reason == .errno(.notPermitted))
        }
    }

    @Test func timestampArrivesAsATimeval() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        try rx.setopt(.socket.timestamp, true)
        var now = timeval()
        gettimeofday(&now, nil)
        try tx.sendto([1], to: rx.sockname())
        let message = try rx.recvmsg(timeout: .seconds(2))
        guard case .timestamp(let stamp)? = values(message).first else {
            Issue.record("no timestamp in \(message.ctrl)"); return
        }
        #expect(abs(stamp.sec - Int(now.tv_sec)) <= 2)
        #expect((0..<1_000_000).contains(stamp.usec))
    }

    // MARK: ip level

    @Test func udpReceivesTosTtlPktinfoAndOrigdstaddr() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        try rx.setopt(.ip.recvtos, true)
        try rx.setopt(.ip.recvttl, true)
        try rx.setopt(.ip.pktinfo, true)
        try rx.setopt(.ip.recvorigdstaddr, true)
        let destination = try rx.sockname()
        try tx.sendmsg(MsgSend(addr: destination, iov: [[1, 2], [3]], ctrl: [.tos(.lowdelay), .ttl(33)]))
        let message = try rx.recvmsg(timeout: .seconds(2))
        #expect(message.data == [1, 2, 3])
        #expect(message.addr == (try tx.sockname()))
        let got = values(message)
        #expect(got.contains(.tos(.lowdelay)))
        #expect(got.contains(.ttl(33)))
        #expect(got.contains(.origdstaddr(destination)))
        let loopbackIndex = Int(if_nametoindex("lo"))
        #expect(got.contains(.pktinfo(InPktinfo(ifindex: loopbackIndex, specDst: .loopback, addr: .loopback))))
        #expect(message.ctrl.allSatisfy { $0.level == .ip })
    }

    @Test func ipv6ReceivesHoplimitTclassAndPktinfo() throws {
        let (rx, tx) = (try Fixtures.udp(.inet6), try Fixtures.udp(.inet6))
        try rx.setopt(.ipv6.recvhoplimit, true)
        try rx.setopt(.ipv6.recvtclass, true)
        try rx.setopt(.ipv6.recvpktinfo, true)
        try tx.sendmsg(MsgSend(addr: rx.sockname(), iov: [[7]], ctrl: [.hoplimit(7), .tclass(0x20)]))
        let message = try rx.recvmsg(timeout: .seconds(2))
        let got = values(message)
        #expect(got.contains(.hoplimit(7)))
        #expect(got.contains(.tclass(0x20)))
        #expect(got.contains(.ipv6Pktinfo(In6Pktinfo(addr: .loopback, ifindex: UInt(if_nametoindex("lo"))))))
    }

    @Test func icmpPortUnreachableIsReadFromTheErrorQueue() throws {
        let closed = try Fixtures.udp()
        let port = try closed.sockname().port!
        try closed.close()
        let socket = try Fixtures.udp()
        try socket.setopt(.ip.recverr, true)
        try socket.sendto([1, 2, 3], to: .inet(.loopback, port: port))
        let message = try socket.recvmsg(flags: [.errqueue], timeout: .seconds(2))
        #expect(message.flags.contains(.errqueue))
        #expect(message.data == [1, 2, 3])  // the datagram that failed
        guard case .recverr(let error)? = values(message).first else {
            Issue.record("no recverr in \(message.ctrl)"); return
        }
        #expect(error.error == .connectionRefused)
        #expect(error.origin == .icmp)
        #expect(error.icmpType == .destUnreach)
        #expect(error.icmpDestUnreach == .portUnreach)
        #expect(error.offender == .inet(.loopback, port: 0))
        #expect(error.description.contains("port_unreach"))
        // The queue is now empty: a zero time-out polls it once.
        #expect(throws: SocketError.timeout) { try socket.recvmsg(flags: [.errqueue], timeout: .zero) }
    }

    @Test func icmp6PortUnreachableIsReadFromTheErrorQueue() throws {
        let closed = try Fixtures.udp(.inet6)
        let port = try closed.sockname().port!
        try closed.close()
        let socket = try Fixtures.udp(.inet6)
        try socket.setopt(.ipv6.recverr, true)
        try socket.sendto([4], to: .inet6(.loopback, port: port))
        let message = try socket.recvmsg(flags: [.errqueue], timeout: .seconds(2))
        guard case .ipv6Recverr(let error)? = values(message).first else {
            Issue.record("no ipv6 recverr in \(message.ctrl)"); return
        }
        #expect(error.error == .connectionRefused)
        #expect(error.origin == .icmp6)
        #expect(error.icmp6Type == .destUnreach)
        #expect(error.icmp6DestUnreach == .portUnreach)
        #expect(error.offender?.domain == .inet6)
        if case .inet6(let address, _, _, _)? = error.offender { #expect(address == .loopback) }
    }

    @Test(.enabled(if: Fixtures.Namespace.available, "needs root and iproute2 to make a network namespace"))
    func aLocalErrorIsReadFromTheErrorQueueWithTheMtu() throws {
        // A namespace whose loopback has a small MTU, so that a datagram with `mtu_discover
        // do` is too big before it leaves.
        let namespace = try Fixtures.Namespace()
        try Fixtures.Namespace.ip("-n", namespace.name, "link", "set", "lo", "mtu", "1280")
        let socket = try Socket.open(.inet, .dgram, options: OpenOptions(netns: namespace.path))
        try socket.bind(.inet(.loopback, port: 0))
        try socket.setopt(.ip.mtuDiscover, .do)
        try socket.setopt(.ip.recverr, true)
        #expect(throws: SocketError.errno(.messageTooLong)) {
            try socket.sendto(Fixtures.pattern(2000), to: .inet(.loopback, port: 9))
        }
        let message = try socket.recvmsg(flags: [.errqueue], timeout: .seconds(2))
        guard case .recverr(let error)? = values(message).first else {
            Issue.record("no recverr in \(message.ctrl)"); return
        }
        #expect(error.error == .messageTooLong)
        #expect(error.origin == .local)
        #expect(error.info == 1280)
        #expect(error.icmpType == nil && error.icmp6Type == nil)
        #expect(error.offender?.domain == .unspec)
    }

    // MARK: truncation

    @Test func aTruncatedDatagramReportsTruncAndCtruncAndItsRealLength() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        try rx.setopt(.socket.timestamp, true)
        let datagram = Fixtures.pattern(100)
        try tx.sendto(datagram, to: rx.sockname())
        // Room for a control header and 4 bytes of the 16-byte timeval.
        let message = try rx.recvmsg(bufSize: 10, ctrlSize: ControlBuffer.length(4), flags: [.trunc], timeout: .seconds(2))
        #expect(message.flags.contains(.trunc))
        #expect(message.flags.contains(.ctrunc))
        #expect(message.data == Array(datagram[0..<10]))
        #expect(message.length == 100)
        #expect(message.ctrl.count == 1)
        #expect(message.ctrl.first?.data.count == 4)
        #expect(message.ctrl.first?.value == nil)
    }

    @Test func aControlBufferSmallerThanAHeaderGetsNoMessagesAndCtrunc() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        try rx.setopt(.socket.timestamp, true)
        try tx.sendto([1, 2], to: rx.sockname())
        let message = try rx.recvmsg(bufSize: 10, ctrlSize: 1, timeout: .seconds(2))
        #expect(message.flags.contains(.ctrunc))
        #expect(!message.flags.contains(.trunc))
        #expect(message.ctrl.isEmpty)
        #expect(message.data == [1, 2])
    }

    @Test func recvfromWithTruncReturnsTheBufferAndReportsTheRealLength() throws {
        let (rx, tx) = (try Fixtures.udp(), try Fixtures.udp())
        let datagram = Fixtures.pattern(300)
        try tx.sendto(datagram, to: rx.sockname())
        try tx.sendto(datagram, to: rx.sockname())
        try tx.sendto([1, 2, 3], to: rx.sockname())
        let result = try rx.recvfromWithLength(16, flags: [.trunc], timeout: .seconds(2))
        #expect(result.data == Array(datagram[0..<16]))
        #expect(result.length == 300)
        #expect(result.isTruncated)
        #expect(result.source == (try tx.sockname()))
        let plain = try rx.recvWithLength(16, flags: [.trunc], timeout: .seconds(2))
        #expect(plain.data == Array(datagram[0..<16]))
        #expect(plain.length == 300)
        #expect(plain.source == nil)
        // The existing recv and recvfrom keep their results and never return more than
        // their buffer (OTP 25 returns bytes from past it).
        let (_, small) = try rx.recvfrom(2, flags: [.trunc], timeout: .seconds(2))
        #expect(small == [1, 2])
        try tx.sendto(datagram, to: rx.sockname())
        #expect(try rx.recv(4, flags: [.trunc], timeout: .seconds(2)) == Array(datagram[0..<4]))
    }
}
