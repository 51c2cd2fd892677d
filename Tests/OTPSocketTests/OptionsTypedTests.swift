@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation

/// The typed keys (`.socket.linger`, `.ip.tos`, ...) and their structured values, and the
/// errors every form of getopt/setopt reports.
@Suite struct OptionsTypedTests {
    @Test func accessIsPartOfTheKeyType() throws {
        let s = try Sockets.tcp4()
        // `try s.setopt(.socket.acceptconn, true)` does not compile: the key is a
        // SocketOption<Bool, ReadOnly> and setopt wants a SettableAccess. Likewise
        // `try s.getopt(.ip.addMembership)`: a SocketOption<IPMreq, WriteOnly> is not gettable.
        #expect(type(of: SocketOption<Bool, ReadWrite>.socket.acceptconn) == SocketOption<Bool, ReadOnly>.self)
        #expect(type(of: SocketOption<Bool, ReadWrite>.ip.addMembership) == SocketOption<IPMreq, WriteOnly>.self)
        #expect(type(of: SocketOption<Bool, ReadWrite>.otp.fd) == SocketOption<Int, ReadOnly>.self)
        // By name, the same rules hold at run time.
        expectInvalid(["{socket, acceptconn}", "only valid to get"]) {
            try s.setopt(level: "socket", option: "acceptconn", value: .bool(true))
        }
        expectInvalid(["{ip, add_membership}", "only valid to set"]) { _ = try s.getopt(level: "ip", option: "add_membership") }
        expectInvalid(["{otp, fd}", "only valid to get"]) { try s.setopt(level: "otp", option: "fd", value: .int(3)) }
        let acceptconn = try #require(SpecTables.optionKey(level: "socket", name: "acceptconn"))
        #expect(acceptconn.isGettable && !acceptconn.isSettable)
    }

    @Test func integersAndBooleansByKey() throws {
        let s = try Sockets.udp4()
        try s.setopt(.socket.reuseaddr, true)
        #expect(try s.getopt(.socket.reuseaddr))
        try s.setopt(.ip.ttl, 7)
        #expect(try s.getopt(.ip.ttl) == 7)
        try s.setopt(.socket.mark, UInt(7))
        #expect(try s.getopt(.socket.mark) == 7)
    }

    @Test func lingerAbortResetsTheConnectionOnClose() throws {
        let (_, client, server) = try tcpPair()
        try client.setopt(.socket.linger, .abort)
        #expect(try client.getopt(.socket.linger) == Linger(onoff: true, linger: 0))
        try client.send([1, 2, 3])
        try client.close()
        // The peer sees the data, then a reset instead of an orderly end of stream.
        #expect(try server.recv(3, timeout: .seconds(2)) == [1, 2, 3])
        expectErrno("econnreset", "recv after the peer aborted") { _ = try server.recv(1, timeout: .seconds(2)) }
    }

    @Test func timevalKeepsBothFields() throws {
        let s = try Sockets.tcp4()
        // The kernel keeps whole clock ticks (rounding up): half a second is whole ticks at
        // every HZ Linux offers (100, 250, 300, 1000).
        try s.setopt(.socket.rcvtimeo, Timeval(sec: 2, usec: 500_000))
        #expect(try s.getopt(.socket.rcvtimeo) == Timeval(sec: 2, usec: 500_000))
        try s.setopt(.socket.sndtimeo, Timeval(sec: 0, usec: 0))
        #expect(try s.getopt(.socket.sndtimeo) == Timeval(sec: 0, usec: 0))
    }

    @Test func stringsComeBackWithoutPadding() throws {
        let s = try Sockets.tcp4()
        try s.setopt(.tcp.congestion, "cubic")
        let congestion = try s.getopt(.tcp.congestion)
        #expect(congestion == "cubic" && congestion.utf8.count == 5)
        expectInvalid(["{tcp, congestion}", "NUL"]) { try s.setopt(.tcp.congestion, "cu\0bic") }
    }

    @Test func multicastInterfaceAny() throws {
        let s = try Sockets.udp4()
        try s.setopt(.ip.multicastIf, .loopback)
        #expect(try s.getopt(.ip.multicastIf) == .loopback)
        try s.setopt(.ip.multicastIf, .any)
        #expect(try s.getopt(.ip.multicastIf) == .any)
    }

    @Test func ipMreqnNamesTheInterfaceByIndex() throws {
        let s = try Sockets.udp4()
        let lo = try Sockets.ifindex("lo")
        let group = IPv4Address(239, 9, 9, 9)
        try s.setopt(.ip.addMembership, IPMreqn(multiaddr: group, address: .any, ifindex: lo))
        // The same membership, named by the interface's address this time.
        expectErrno("eaddrinuse", "join again by address") { try s.setopt(.ip.addMembership, IPMreq(multiaddr: group, interface: .loopback)) }
        try s.setopt(.ip.dropMembership, IPMreqn(multiaddr: group, address: .any, ifindex: lo))
        expectErrno("eaddrnotavail", "drop again") { try s.setopt(.ip.dropMembership, IPMreq(multiaddr: group, interface: .loopback)) }
        // By name, ifindex makes it an ip_mreqn.
        try s.setopt(level: "ip", option: "add_membership",
                     value: .structured(["multiaddr": .string("239.9.9.9"), "address": .string("any"), "ifindex": .int(lo)]))
        try s.setopt(.ip.dropMembership, IPMreq(multiaddr: group, interface: .loopback))
        // multicast_if by index: an index no interface has is the kernel's EADDRNOTAVAIL.
        try s.setopt(.ip.multicastIf, IPMreqn(multiaddr: .any, address: .any, ifindex: lo))
        expectErrno("eaddrnotavail", "multicast_if on a missing interface") {
            try s.setopt(.ip.multicastIf, IPMreqn(multiaddr: .any, address: .any, ifindex: 999_999))
        }
    }

    @Test func tosReadsBackLosslessly() throws {
        let s = try Sockets.udp4()
        try s.setopt(.ip.tos, .throughput)
        #expect(try s.getopt(.ip.tos) == .throughput)
        #expect(try s.getopt(.ip.tos).description == "throughput")
        // 0x11 is lowdelay plus a bit no name covers: OTP reads it back as lowdelay, losing
        // the bit; here it stays 17.
        try s.setopt(.ip.tos, IPTos(rawValue: 0x11))
        #expect(try s.getopt(.ip.tos) == IPTos(rawValue: 0x11))
        #expect(try s.getopt(.ip.tos).description == "17")
        #expect(try s.getopt(.ip.tos).name == nil)
        #expect(try s.getopt(level: "ip", option: "tos") == .int(17))
    }

    @Test func pmtudiscAtoms() throws {
        let s = try Sockets.udp4()
        try s.setopt(.ip.mtuDiscover, .dont)
        #expect(try s.getopt(.ip.mtuDiscover) == .dont)
        #expect(try s.getopt(.ip.mtuDiscover).description == "dont")
        let s6 = try Sockets.udp6()
        try s6.setopt(.ipv6.mtuDiscover, .probe)
        #expect(try s6.getopt(.ipv6.mtuDiscover) == .probe)
        #expect(IPv6Pmtudisc(name: "want") == .want)
    }

    @Test func ipv6HopsDefault() throws {
        let s = try Sockets.udp6()
        try s.setopt(.ipv6.multicastHops, .hops(3))
        #expect(try s.getopt(.ipv6.multicastHops) == .hops(3))
        try s.setopt(.ipv6.multicastHops, .default)
        #expect(try s.getopt(.ipv6.multicastHops) == .hops(1))
        expectInvalid(["{ipv6, multicast_hops}", "300"]) { try s.setopt(.ipv6.multicastHops, .hops(300)) }
    }

    @Test func structuredValuesByFieldName() throws {
        // The SCTP values, whose kernel side may be missing, at least encode and decode.
        let assoc = SCTPAssocparams(assocId: 3, asocmaxrxt: 10, numberPeerDestinations: 2, peerRwnd: 65536, localRwnd: 32768, cookieLife: 60000)
        #expect(try decoded(encoded(assoc), as: SCTPAssocparams.self) == assoc)
        var events = SCTPEventSubscribe()
        events.dataIo = true
        events.shutdown = true
        #expect(try decoded(encoded(events), as: SCTPEventSubscribe.self) == events)
        let initmsg = SCTPInitmsg(numOstreams: 10, maxInstreams: 12, maxAttempts: 4, maxInitTimeo: 3000)
        #expect(try decoded(encoded(initmsg), as: SCTPInitmsg.self) == initmsg)
        let rto = SCTPRtoinfo(assocId: 0, initial: 3000, max: 60000, min: 1000)
        #expect(try decoded(encoded(rto), as: SCTPRtoinfo.self) == rto)
        #expect(SCTPEventSubscribe.fieldNames.prefix(3) == ["data_io", "association", "address"])

        // From Erlang-style maps.
        let fromMap = try OptionValueCoding.decode(.structured(["num_ostreams": .int(10), "max_instreams": .int(12),
                                                                 "max_attempts": .int(4), "max_init_timeo": .int(3000)]),
                                                   as: SCTPInitmsg.self)
        #expect(fromMap as? SCTPInitmsg == initmsg)
        #expect(throws: InvalidValue.self) { try OptionValueCoding.decode(.structured(["num_streams": .int(1)]), as: SCTPInitmsg.self) }
        #expect(throws: InvalidValue.self) { try OptionValueCoding.decode(.structured(["max_attempts": .int(-1)]), as: SCTPInitmsg.self) }
        #expect(throws: InvalidValue.self) { try OptionValueCoding.decode(.structured(["data_io": .int(1)]), as: SCTPEventSubscribe.self) }
        #expect(OptionValueCoding.encode(rto) == .structured(["assoc_id": .int(0), "initial": .int(3000), "max": .int(60000), "min": .int(1000)]))
    }

    @Test func tcpInfoWscalesEncodeIntoTheirNibbles() throws {
        var info = TCPInfo()
        info.sndWscale = 3
        info.rcvWscale = 12
        info.options = 0xff
        let bytes = try encoded(info)
        // GCC and Clang put the first bit-field in the low bits on little-endian targets.
        #if _endian(little)
        #expect(bytes[Layout.tcp_info.tcpi_options.end] == 3 | 12 << 4)
        #else
        #expect(bytes[Layout.tcp_info.tcpi_options.end] == 3 << 4 | 12)
        #endif
        #expect(try decoded(bytes, as: TCPInfo.self) == info)
        info.rcvWscale = 16
        #expect(throws: InvalidValue.self) { _ = try encoded(info) }
    }
}

/// What each form of getopt/setopt reports for an unknown option, a bad value, a kernel
/// refusal and a closed socket; and that no value, however wrong, crashes anything.
@Suite struct OptionsErrorTests {
    @Test func unknownOptionsAreInvalidNamingTheOption() throws {
        let s = try Sockets.udp4()
        expectInvalid(["{ip, bogus}"]) { _ = try s.getopt(level: "ip", option: "bogus") }
        expectInvalid(["{ip, bogus}"]) { try s.setopt(level: "ip", option: "bogus", value: .int(1)) }
        expectInvalid(["{nolevel, ttl}"]) { _ = try s.getopt(level: "nolevel", option: "ttl") }
        expectInvalid(["{otp, bogus}"]) { _ = try s.getopt(level: "otp", option: "bogus") }
        expectInvalid(["{otp, bogus}"]) { try s.setopt(level: "otp", option: "bogus", value: .int(1)) }
        // A key the platform lacks, used by type.
        expectInvalid(["{tcp, nopush}"]) { try s.setopt(.tcp.nopush, true) }
    }

    @Test func badValuesAreInvalidNamingOptionAndValue() throws {
        let s = try Sockets.udp4()
        // Erlang: {invalid, {socket_option, {ip, ttl}, true}}.
        expectInvalid(["{ip, ttl}", "true"]) { try s.setopt(level: "ip", option: "ttl", value: .bool(true)) }
        // Booleans take only true and false, as in Erlang ({ip, recvtos} = 1 is invalid there too).
        expectInvalid(["{ip, recvtos}", "1"]) { try s.setopt(level: "ip", option: "recvtos", value: .int(1)) }
        expectInvalid(["{ip, tos}", "bogus"]) { try s.setopt(level: "ip", option: "tos", value: .string("bogus")) }
        expectInvalid(["{ip, ttl}", "\(1 << 40)"]) { try s.setopt(.ip.ttl, 1 << 40) }
        expectInvalid(["{ip, ttl}", "\(1 << 40)"]) { try s.setopt(level: "ip", option: "ttl", value: .int(1 << 40)) }
        expectInvalid(["{socket, linger}", "nonsense"]) {
            try s.setopt(level: "socket", option: "linger", value: .structured(["nonsense": .int(1)]))
        }
        expectInvalid(["{ip, multicast_if}", "1.2.3"]) { try s.setopt(level: "ip", option: "multicast_if", value: .string("1.2.3")) }
        expectInvalid(["{ip, msfilter}", "mode"]) {
            try s.setopt(level: "ip", option: "msfilter", value: .structured([
                "multiaddr": .string("239.1.1.1"), "interface": .string("any"), "mode": .string("sideways"), "slist": .list([]),
            ]))
        }
        expectInvalid(["{otp, rcvbuf}", "0"]) { try s.setopt(level: "otp", option: "rcvbuf", value: .int(0)) }
    }

    @Test func kernelRefusalsAreTheirErrno() throws {
        let s = try Sockets.udp4()
        expectErrno("einval", "ttl 0") { try s.setopt(.ip.ttl, 0) }
        expectErrno("einval", "ttl 256") { try s.setopt(level: "ip", option: "ttl", value: .int(256)) }
        expectErrno("enotconn", "mtu of an unconnected socket") { _ = try s.getopt(.ip.mtu) }
        expectErrno("enoprotoopt", "a tcp option on udp") { try s.setopt(.tcp.nodelay, true) }
    }

    @Test func aClosedSocketIsClosed() throws {
        let s = try Sockets.udp4()
        try s.close()
        expectErrno("closed", "typed get") { _ = try s.getopt(.ip.ttl) }
        expectErrno("closed", "typed set") { try s.setopt(.ip.ttl, 5) }
        expectErrno("closed", "get by name") { _ = try s.getopt(level: "ip", option: "ttl") }
        expectErrno("closed", "set by name") { try s.setopt(level: "ip", option: "ttl", value: .int(5)) }
        expectErrno("closed", "native get") { _ = try s.getoptNative(.ip.ttl, as: .integer) }
        expectErrno("closed", "otp fd") { _ = try s.getopt(.otp.fd) }
        expectErrno("closed", "otp set") { try s.setopt(.otp.debug, true) }
    }

    /// Every option with every shape of value: each either works or fails with `invalid` or
    /// an errno, never anything else and never a crash.
    @Test(.enabled(if: runningAsRoot, needsRoot))
    func noValueCrashesAnyOption() throws {
        let samples: [OptionValue] = [
            .bool(true), .int(-1), .int(1 << 40), .int(3), .string(""), .string("x"), .string("any"), .bytes([]),
            .bytes([UInt8](repeating: 0xff, count: 300)), .list([]), .list([.int(1), .int(2)]), .structured([:]),
            .structured(["multiaddr": .string("239.1.1.1"), "interface": .int(1)]),
        ]
        let names = SpecTables.options.map { ($0.level, $0.name) } + OTPLevelOptions.names.map { ("otp", $0) }
        for (level, name) in names {
            for sample in samples {
                for make in [Sockets.udp4, Sockets.tcp6] {
                    let s = try make()
                    for outcome in [reason({ try s.setopt(level: level, option: name, value: sample) }),
                                    reason({ _ = try s.getopt(level: level, option: name) })] {
                        guard let outcome else { continue }
                        let isErrno = outcome.hasPrefix("e") && !outcome.contains(" ")
                        #expect(outcome.hasPrefix("{invalid, ") || isErrno, "{\(level), \(name)} = \(sample): \(outcome)")
                    }
                }
            }
        }
    }
}
