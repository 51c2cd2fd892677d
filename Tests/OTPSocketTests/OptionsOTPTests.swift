@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation

/// The `otp` level: this library's own settings of a socket.
@Suite struct OptionsOTPTests {
    @Test func defaultsAreOTPs() throws {
        let s = try Sockets.udp6()
        // OTP 25: rcvbuf 8192, rcvctrlbuf 1024, sndctrlbuf 1024, meta undefined,
        // use_registry true, debug false, iow false, fd, domain.
        #expect(try s.getopt(.otp.rcvbuf) == .size(8192))
        #expect(try s.getopt(.otp.rcvctrlbuf) == 1024)
        #expect(try s.getopt(.otp.sndctrlbuf) == 1024)
        #expect(try s.getopt(.otp.meta).value == nil)
        #expect(try s.getopt(.otp.useRegistry))
        #expect(try !s.getopt(.otp.debug))
        #expect(try !s.getopt(.otp.iow))
        #expect(try s.getopt(.otp.fd) == Int(s.fd!))
        #expect(try s.getopt(.otp.domain) == .inet6)
        #expect(try s.getopt(level: "otp", option: "rcvbuf") == .int(8192))
        #expect(try s.getopt(level: "otp", option: "meta") == .string("undefined"))
        #expect(try s.getopt(level: "otp", option: "domain") == .string("inet6"))
        #expect(try s.getopt(level: "otp", option: "fd") == .int(Int(s.fd!)))
    }

    /// OTP 25, same calls: {3, 4} then 26 bytes gives "abcdefghijkl", "mnopqrstuvwx", "yz";
    /// 5 gives "abcde", "fghij".
    @Test func rcvbufSizesARecvOfLengthZeroOnAStream() throws {
        let (_, client, server) = try tcpPair()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        try server.setopt(.otp.rcvbuf, .buffers(count: 3, size: 4))
        #expect(try server.getopt(.otp.rcvbuf) == .buffers(count: 3, size: 4))
        #expect(try server.getopt(level: "otp", option: "rcvbuf") == .list([.int(3), .int(4)]))
        try client.send(alphabet)
        try waitReadable(server, bytes: 26)
        #expect(try server.recv() == Array("abcdefghijkl".utf8))
        #expect(try server.recv() == Array("mnopqrstuvwx".utf8))
        #expect(try server.recv() == Array("yz".utf8))

        try server.setopt(level: "otp", option: "rcvbuf", value: .int(5))
        #expect(try server.getopt(.otp.rcvbuf) == .size(5))
        try client.send(alphabet)
        try waitReadable(server, bytes: 26)
        #expect(try server.recv() == Array("abcde".utf8))
        #expect(try server.recv() == Array("fghij".utf8))
        // A positive length is not limited by it.
        #expect(try server.recv(16) == Array("klmnopqrstuvwxyz".utf8))

        try server.setopt(level: "otp", option: "rcvbuf", value: .string("default"))
        #expect(try server.getopt(.otp.rcvbuf) == .size(8192))
    }

    /// OTP 25, same calls: {2, 4} then a 10-byte datagram gives "abcd" to recv and recvfrom.
    @Test func rcvbufSizesADatagramBuffer() throws {
        let s = try Sockets.udp4()
        try s.bind(.inet(.loopback, port: 0))
        let address = try s.sockname()
        try s.setopt(.otp.rcvbuf, .buffers(count: 2, size: 4))
        try s.sendto(Array("abcdefghij".utf8), to: address)
        #expect(try s.recv(timeout: .seconds(2)) == Array("abcd".utf8))
        try s.sendto(Array("abcdefghij".utf8), to: address)
        #expect(try s.recvfrom(timeout: .seconds(2)).data == Array("abcd".utf8))
    }

    @Test func rcvbufRefusesWhatOTPRefuses() throws {
        let s = try Sockets.tcp4()
        // OTP 25 refuses 0, -1 and {0, 100} alike.
        expectInvalid(["{otp, rcvbuf}", "0"]) { try s.setopt(.otp.rcvbuf, .size(0)) }
        expectInvalid(["{otp, rcvbuf}", "-1"]) { try s.setopt(level: "otp", option: "rcvbuf", value: .int(-1)) }
        expectInvalid(["{otp, rcvbuf}", "0", "100"]) { try s.setopt(level: "otp", option: "rcvbuf", value: .list([.int(0), .int(100)])) }
        expectInvalid(["{otp, rcvbuf}"]) { try s.setopt(.otp.rcvbuf, .buffers(count: Int.max, size: 2)) }
        #expect(try s.getopt(.otp.rcvbuf) == .size(8192))
    }

    @Test func controlBuffers() throws {
        let s = try Sockets.udp4()
        try s.setopt(.otp.rcvctrlbuf, 2048)
        try s.setopt(level: "otp", option: "sndctrlbuf", value: .int(77))
        #expect(try s.getopt(.otp.rcvctrlbuf) == 2048)
        #expect(try s.getopt(level: "otp", option: "sndctrlbuf") == .int(77))
        try s.setopt(level: "otp", option: "rcvctrlbuf", value: .string("default"))
        #expect(try s.getopt(.otp.rcvctrlbuf) == 1024)
        expectInvalid(["{otp, rcvctrlbuf}", "0"]) { try s.setopt(.otp.rcvctrlbuf, 0) }
    }

    @Test func metaKeepsAnyValue() throws {
        let s = try Sockets.udp4()
        try s.setopt(.otp.meta, OTPMeta(["peer": 7]))
        #expect(try s.getopt(.otp.meta).value as? [String: Int] == ["peer": 7])
        try s.setopt(level: "otp", option: "meta", value: .structured(["a": .list([.int(1), .string("b")])]))
        #expect(try s.getopt(level: "otp", option: "meta") == .structured(["a": .list([.int(1), .string("b")])]))
        try s.setopt(.otp.meta, OTPMeta(nil))
        #expect(try s.getopt(level: "otp", option: "meta") == .string("undefined"))
    }

    @Test func useRegistryListsAndUnlists() throws {
        let s = try Sockets.udp4()
        #expect(SocketRegistry.shared.sockets().contains(s))
        // OTP 25 refuses to set false after open; both directions work here.
        try s.setopt(.otp.useRegistry, false)
        #expect(try !s.getopt(.otp.useRegistry))
        #expect(!SocketRegistry.shared.sockets().contains(s))
        try s.setopt(level: "otp", option: "use_registry", value: .bool(true))
        #expect(try s.getopt(.otp.useRegistry))
        #expect(SocketRegistry.shared.sockets().contains(s))

        let unlisted = try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: false))
        #expect(try !unlisted.getopt(.otp.useRegistry))
    }

    @Test func debugAndIow() throws {
        let s = try Sockets.udp4()
        try s.setopt(.otp.debug, true)
        try s.setopt(level: "otp", option: "iow", value: .bool(true))
        #expect(try s.getopt(.otp.debug))
        #expect(try s.getopt(level: "otp", option: "iow") == .bool(true))
        // Erlang takes only booleans here ({otp, iow} = 1 is invalid in OTP 25 too).
        expectInvalid(["{otp, iow}", "1"]) { try s.setopt(level: "otp", option: "iow", value: .int(1)) }
        let debugged = try Socket.open(.inet, .dgram, options: OpenOptions(debug: true))
        #expect(try debugged.getopt(.otp.debug))
    }

    @Test func fdAndDomainAreOnlyValidToGet() throws {
        let s = try Sockets.tcp4()
        // OTP 25 answers a set of fd or domain with {invalid, {otp_socket_option, N}}
        // (and crashes the caller of setopt(S, {otp, fd}, 3)).
        expectInvalid(["{otp, fd}", "only valid to get"]) { try s.setopt(level: "otp", option: "fd", value: .int(3)) }
        expectInvalid(["{otp, domain}", "only valid to get"]) { try s.setopt(level: "otp", option: "domain", value: .string("inet")) }
        #expect(try s.getopt(.otp.domain) == .inet)
        // The descriptor is the one the kernel knows the socket by.
        guard let (level, option) = nativeKey("socket", "type") else { return }
        let fd = try s.getopt(.otp.fd)
        let same = try Socket.open(fd: CInt(fd))
        #expect(try same.getoptNative(level, option, as: .integer) == .integer(Int(SocketType.stream.rawValue)))
    }

    @Test func controllingProcessHasNoSwiftMeaning() throws {
        let s = try Sockets.tcp4()
        // No owner process: refused by name, with the reason, in both directions.
        expectInvalid(["controlling_process", "no owner process"]) { _ = try s.getopt(level: "otp", option: "controlling_process") }
        expectInvalid(["controlling_process", "no owner process"]) {
            try s.setopt(level: "otp", option: "controlling_process", value: .string("<0.9.0>"))
        }
    }

    @Test func aClosedSocketAnswersClosed() throws {
        // OTP 25: every otp getopt and setopt on a closed socket is {error, closed}.
        let s = try Sockets.tcp4()
        try s.close()
        for name in OTPLevelOptions.names where name != "controlling_process" {
            expectErrno("closed", "get \(name)") { _ = try s.getopt(level: "otp", option: name) }
        }
        expectErrno("closed", "set meta") { try s.setopt(.otp.meta, OTPMeta(1)) }
    }
}

/// Waits until `socket` has `bytes` bytes to read, so that a recv sees them all at once.
func waitReadable(_ socket: Socket, bytes: Int) throws {
    let deadline = Date().addingTimeInterval(2)
    while Date() < deadline {
        if let available = try? socket.recv(bytes, flags: .peek, timeout: .milliseconds(50)), available.count >= bytes { return }
    }
    Issue.record("\(bytes) bytes did not arrive")
}
