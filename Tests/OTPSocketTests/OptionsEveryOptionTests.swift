@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every option of `Spec/options.tbl` against the running kernel: set by name, read back by
/// name, and read again with getsockopt itself. An option without a case here fails the test,
/// so a new spec row cannot slip through untested.
@Suite struct OptionsEveryOptionTests {
    /// Options the x86_64 Linux headers do not define (BSD and KAME names): `supports()` says
    /// false and both directions are `invalid`. A change here is a finding about the headers.
    static let absentOnLinux: Set = [
        "socket/acceptfilter", "socket/setfib", "ip/dontfrag", "ip/recvdstaddr", "ip/recvif", "ip/sndsrcaddr",
        "ipv6/auth_level", "ipv6/esp_trans_level", "ipv6/esp_network_level", "ipv6/faith", "ipv6/ipcomp_level",
        "ipv6/portrange", "ipv6/pktoptions", "ipv6/use_min_mtu", "tcp/noopt", "tcp/nopush",
        "sctp/auth_asconf", "sctp/explicit_eor", "sctp/use_ext_recvinfo",
    ]

    @Test(.enabled(if: runningAsRoot, needsRoot))
    func everyOptionTheKernelSupportsRoundTrips() throws {
        let cases = OptionCases.table
        var absent: Set<String> = []
        var tested = 0
        for row in SpecTables.options {
            let id = "\(row.level)/\(row.name)"
            guard let key = SpecTables.optionKey(level: row.level, name: row.name) else {
                Issue.record("\(id): the spec row has no generated key")
                continue
            }
            guard key.isSupported else {
                absent.insert(id)
                let s = try Sockets.udp4()
                expectInvalid(["{\(row.level), \(row.name)}"]) { _ = try s.getopt(level: row.level, option: row.name) }
                expectInvalid(["{\(row.level), \(row.name)}"]) { try s.setopt(level: row.level, option: row.name, value: .int(1)) }
                continue
            }
            // SCTP has its own test: this kernel may refuse SCTP sockets altogether.
            if row.level == "sctp" { continue }
            guard let check = cases[id] else {
                Issue.record("\(id): no test case")
                continue
            }
            do {
                try check()
                tested += 1
            } catch {
                Issue.record("\(id): \(error)")
            }
        }
        #expect(absent == Self.absentOnLinux)
        #expect(tested == cases.count)
    }
}

/// One check per `{level, name}`, keyed `level/name`.
enum OptionCases {
    typealias Check = () throws -> Void

    static var table: [String: Check] {
        var t: [String: Check] = [:]
        socketLevel(&t)
        ipLevel(&t)
        ipv6Level(&t)
        tcpLevel(&t)
        udpLevel(&t)
        return t
    }

    static func bools(_ t: inout [String: Check], _ level: String, _ names: [String], on make: @escaping () throws -> Socket) {
        for name in names {
            t["\(level)/\(name)"] = { try make().roundTripBool(level, name) }
        }
    }

    // MARK: socket

    static func socketLevel(_ t: inout [String: Check]) {
        bools(&t, "socket", ["broadcast", "dontroute", "rxq_ovfl", "timestamp", "timestampns"], on: Sockets.udp4)
        bools(&t, "socket", ["keepalive", "oobinline", "reuseaddr", "reuseport", "prefer_busy_poll", "zerocopy"], on: Sockets.tcp4)
        bools(&t, "socket", ["passcred"], on: { try Sockets.unixPair().1 })

        t["socket/acceptconn"] = {
            let listener = try Sockets.listener4()
            #expect(try listener.getopt(level: "socket", option: "acceptconn") == .bool(true))
            try listener.expectNative("socket", "acceptconn", .int(1))
            let plain = try Sockets.tcp4()
            #expect(try plain.getopt(level: "socket", option: "acceptconn") == .bool(false))
            expectInvalid(["{socket, acceptconn}", "only valid to get"]) {
                try plain.setopt(level: "socket", option: "acceptconn", value: .bool(true))
            }
        }
        t["socket/bindtodevice"] = {
            let s = try Sockets.udp4()
            // OTP returns "lo" padded with NULs ([108,111,0]); the string ends at the NUL here.
            try s.roundTrip("socket", "bindtodevice", .string("lo"), native: .string("lo", size: Int(Native.IFNAMSIZ)))
            try s.roundTrip("socket", "bindtodevice", .string(""), native: .bytes([], size: Int(Native.IFNAMSIZ)))
        }
        t["socket/busy_poll"] = { try Sockets.tcp4().roundTripInt("socket", "busy_poll", 50) }
        t["socket/busy_poll_budget"] = {
            let s = try Sockets.tcp4()
            try s.setopt(level: "socket", option: "busy_poll_budget", value: .int(16))
            // Linux takes SO_BUSY_POLL_BUDGET but has no getsockopt for it: the errno comes through.
            expectErrno("enoprotoopt", "get busy_poll_budget") { _ = try s.getopt(level: "socket", option: "busy_poll_budget") }
            expectErrno("einval", "busy_poll_budget above 65535") {
                try s.setopt(level: "socket", option: "busy_poll_budget", value: .int(70000))
            }
        }
        t["socket/cookie"] = {
            let a = try Sockets.tcp4(), b = try Sockets.tcp4()
            guard case .int(let ca) = try a.getopt(level: "socket", option: "cookie"),
                  case .int(let cb) = try b.getopt(level: "socket", option: "cookie") else {
                Issue.record("cookie is not an integer"); return
            }
            #expect(ca != 0 && cb != 0 && ca != cb)
            #expect(try a.getopt(.socket.cookie) == UInt64(ca))
            try a.expectNative("socket", "cookie", .bytes(withUnsafeBytes(of: UInt64(ca)) { Array($0) }, size: 8))
        }
        t["socket/debug"] = { try Sockets.tcp4().roundTripInt("socket", "debug", 1) }
        t["socket/domain"] = {
            let s = try Sockets.tcp6()
            #expect(try s.getopt(level: "socket", option: "domain") == .string("inet6"))
            try s.expectNative("socket", "domain", .int(Int(Domain.inet6.rawValue)))
        }
        t["socket/error"] = {
            // A datagram to a port nobody listens on: the ICMP port unreachable that comes back
            // is the socket's pending error, which one read clears.
            let closed = try Sockets.udp4()
            try closed.bind(.inet(.loopback, port: 0))
            let address = try closed.sockname()
            try closed.close()
            let s = try Sockets.udp4()
            try s.connect(to: address)
            #expect(try s.getopt(level: "socket", option: "error") == .int(0))
            try s.send([1])
            Thread.sleep(forTimeInterval: 0.05)
            #expect(try s.getopt(level: "socket", option: "error") == .string("econnrefused"))
            #expect(try s.getopt(.socket.error) == Errno(rawValue: 0))
            try s.send([1])
            Thread.sleep(forTimeInterval: 0.05)
            #expect(try s.getopt(.socket.error).erlangName == "econnrefused")
            try s.expectNative("socket", "error", .int(0))
        }
        t["socket/incoming_cpu"] = { try Sockets.udp4().roundTripInt("socket", "incoming_cpu", 0) }
        t["socket/incoming_napi_id"] = {
            let s = try Sockets.udp4()
            #expect(try s.getopt(level: "socket", option: "incoming_napi_id") == .int(0))
            try s.expectNative("socket", "incoming_napi_id", .int(0))
        }
        t["socket/linger"] = {
            let s = try Sockets.tcp4()
            try s.roundTrip("socket", "linger", .structured(["onoff": .bool(true), "linger": .int(3)]),
                            native: .bytes(encoded(Linger(onoff: true, linger: 3)), size: Layout.linger.size))
            // abort is only a shorthand to set; it reads back as the map it stands for.
            try s.roundTrip("socket", "linger", .string("abort"), expect: .structured(["onoff": .bool(true), "linger": .int(0)]),
                            native: .bytes(encoded(Linger.abort), size: Layout.linger.size))
            expectInvalid(["{socket, linger}", "\(-1 << 40)"]) {
                try s.setopt(level: "socket", option: "linger", value: .structured(["onoff": .bool(true), "linger": .int(-1 << 40)]))
            }
        }
        t["socket/mark"] = { try Sockets.udp4().roundTripInt("socket", "mark", 42) }
        t["socket/peek_off"] = { try Sockets.unixPair().1.roundTripInt("socket", "peek_off", 5) }
        t["socket/peercred"] = {
            let (_, client, server) = try Sockets.unixPair()
            let expected = Ucred(pid: Int(getpid()), uid: UInt(getuid()), gid: UInt(getgid()))
            #expect(try server.getopt(level: "socket", option: "peercred")
                        == .structured(["pid": .int(Int(getpid())), "uid": .int(Int(getuid())), "gid": .int(Int(getgid()))]))
            #expect(try client.getopt(.socket.peercred) == expected)
            try server.expectNative("socket", "peercred", .bytes(encoded(expected), size: Layout.ucred.size))
        }
        t["socket/priority"] = { try Sockets.udp4().roundTripInt("socket", "priority", 5) }
        t["socket/protocol"] = {
            let s = try Sockets.udp4()
            #expect(try s.getopt(level: "socket", option: "protocol") == .string("udp"))
            try s.expectNative("socket", "protocol", .int(Int(SocketProtocol.udp.rawValue)))
        }
        t["socket/type"] = {
            let s = try Sockets.udp4()
            #expect(try s.getopt(level: "socket", option: "type") == .string("dgram"))
            try s.expectNative("socket", "type", .int(Int(SocketType.dgram.rawValue)))
        }
        // The kernel doubles a buffer size for its bookkeeping (socket(7)) and reports that.
        t["socket/rcvbuf"] = { try Sockets.tcp4().roundTrip("socket", "rcvbuf", .int(4096), expect: .int(8192), native: .int(8192)) }
        t["socket/sndbuf"] = { try Sockets.tcp4().roundTrip("socket", "sndbuf", .int(8192), expect: .int(16384), native: .int(16384)) }
        for (force, plain, sysctl) in [("rcvbufforce", "rcvbuf", "net/core/rmem_max"), ("sndbufforce", "sndbuf", "net/core/wmem_max")] {
            t["socket/\(force)"] = {
                // The force variants pass net.core.*mem_max, which the plain ones cannot.
                let size = try Sockets.sysctl(sysctl) + 4096
                let s = try Sockets.tcp4()
                try s.setopt(level: "socket", option: force, value: .int(size))
                #expect(try s.getopt(level: "socket", option: plain) == .int(2 * size))
                try s.expectNative("socket", plain, .int(2 * size))
                // Linux has no getsockopt for them: its errno comes through.
                expectErrno("enoprotoopt", "get \(force)") { _ = try s.getopt(level: "socket", option: force) }
            }
        }
        t["socket/rcvlowat"] = { try Sockets.tcp4().roundTripInt("socket", "rcvlowat", 10) }
        t["socket/sndlowat"] = {
            // Linux reports SO_SNDLOWAT as 1 and refuses to change it (socket(7)).
            let s = try Sockets.tcp4()
            expectErrno("enoprotoopt", "set sndlowat") { try s.setopt(level: "socket", option: "sndlowat", value: .int(10)) }
            #expect(try s.getopt(level: "socket", option: "sndlowat") == .int(1))
            try s.expectNative("socket", "sndlowat", .int(1))
        }
        for name in ["rcvtimeo", "sndtimeo"] {
            t["socket/\(name)"] = {
                // OTP 25 decodes usec from the sec field; here both come back as set.
                try Sockets.tcp4().roundTrip("socket", name, .structured(["sec": .int(1), "usec": .int(500_000)]),
                                             native: .bytes(encoded(Timeval(sec: 1, usec: 500_000)), size: Layout.timeval.size))
            }
        }
        t["socket/timestamping"] = {
            let flags = Int(Native.SOF_TIMESTAMPING_SOFTWARE | Native.SOF_TIMESTAMPING_RX_SOFTWARE)
            try Sockets.udp4().roundTripInt("socket", "timestamping", flags)
        }
    }

    // MARK: ip

    static let group4 = IPv4Address(239, 1, 2, 3)

    static func ipLevel(_ t: inout [String: Check]) {
        bools(&t, "ip", ["freebind", "multicast_all", "multicast_loop", "pktinfo", "recverr", "recvopts", "recvorigdstaddr",
                         "recvtos", "recvttl", "retopts", "transparent", "bind_address_no_port"], on: Sockets.udp4)
        bools(&t, "ip", ["hdrincl", "nodefrag"], on: Sockets.raw4)

        let membership: Check = {
            // Set-only: the kernel's membership list is the read-back. A second drop of the
            // same group finds nothing to drop.
            let s = try Sockets.udp4()
            let mreq = OptionValue.structured(["multiaddr": .string("239.1.2.3"), "interface": .string("127.0.0.1")])
            try s.setopt(level: "ip", option: "add_membership", value: mreq)
            expectErrno("eaddrinuse", "second add_membership") { try s.setopt(level: "ip", option: "add_membership", value: mreq) }
            try s.setopt(level: "ip", option: "drop_membership", value: mreq)
            expectErrno("eaddrnotavail", "second drop_membership") { try s.setopt(level: "ip", option: "drop_membership", value: mreq) }
            expectInvalid(["{ip, add_membership}", "only valid to set"]) { _ = try s.getopt(level: "ip", option: "add_membership") }
        }
        t["ip/add_membership"] = membership
        t["ip/drop_membership"] = membership

        let sourceMembership: Check = {
            let s = try Sockets.udp4()
            let mreq = OptionValue.structured(["multiaddr": .string("239.1.2.3"), "interface": .string("127.0.0.1"),
                                               "sourceaddr": .string("127.0.0.2")])
            try s.setopt(level: "ip", option: "add_source_membership", value: mreq)
            try s.setopt(level: "ip", option: "drop_source_membership", value: mreq)
            // The membership went with its last source: nothing left to drop from.
            expectErrno("einval", "second drop_source_membership") {
                try s.setopt(level: "ip", option: "drop_source_membership", value: mreq)
            }
        }
        t["ip/add_source_membership"] = sourceMembership
        t["ip/drop_source_membership"] = sourceMembership

        let blocking: Check = {
            let s = try Sockets.udp4()
            try s.setopt(.ip.addMembership, IPMreq(multiaddr: group4, interface: .loopback))
            let source = IPMreqSource(multiaddr: group4, interface: .loopback, sourceaddr: IPv4Address(127, 0, 0, 2))
            try s.setopt(.ip.blockSource, source)
            try s.setopt(.ip.unblockSource, source)
            expectErrno("eaddrnotavail", "second unblock_source") { try s.setopt(.ip.unblockSource, source) }
        }
        t["ip/block_source"] = blocking
        t["ip/unblock_source"] = blocking

        t["ip/msfilter"] = {
            let s = try Sockets.udp4()
            try s.setopt(.ip.addMembership, IPMreq(multiaddr: group4, interface: .loopback))
            let sources = [IPv4Address(127, 0, 0, 5), IPv4Address(127, 0, 0, 6)]
            try s.setopt(level: "ip", option: "msfilter", value: .structured([
                "multiaddr": .string("239.1.2.3"), "interface": .string("127.0.0.1"), "mode": .string("include"),
                "slist": .list(sources.map { .string($0.description) }),
            ]))
            // Set-only in Erlang; getsockopt reads the group from the buffer it is given and
            // writes the filter into it: the native variant's buffer form.
            let question = IPMsfilter.filter(multiaddr: group4, interface: .loopback, mode: .exclude, sources: Array(repeating: .any, count: 4))
            guard let (level, option) = nativeKey("ip", "msfilter") else { return }
            guard case .bytes(let answer) = try s.getoptNative(level, option, as: .buffer(encoded(question))) else { return }
            let filter = try decoded(answer, as: IPMsfilter.self)
            #expect(filter == .filter(multiaddr: group4, interface: .loopback, mode: .include, sources: sources))
            // null passes a NULL pointer and size 0, which Linux refuses.
            expectErrno("einval", "msfilter null") { try s.setopt(level: "ip", option: "msfilter", value: .string("null")) }
        }
        t["ip/minttl"] = { try Sockets.udp4().roundTripInt("ip", "minttl", 5) }
        t["ip/multicast_ttl"] = { try Sockets.udp4().roundTripInt("ip", "multicast_ttl", 5) }
        t["ip/ttl"] = { try Sockets.udp4().roundTripInt("ip", "ttl", 5) }
        t["ip/router_alert"] = { try Sockets.raw4().roundTripInt("ip", "router_alert", 1) }
        t["ip/mtu"] = {
            let (s, _) = try Sockets.connectedUDP4()
            let mtu = try Sockets.ipv4MTU("lo")
            #expect(try s.getopt(level: "ip", option: "mtu") == .int(mtu))
            try s.expectNative("ip", "mtu", .int(mtu))
            expectErrno("enotconn", "mtu unconnected") { _ = try Sockets.udp4().getopt(level: "ip", option: "mtu") }
        }
        t["ip/mtu_discover"] = {
            let s = try Sockets.udp4()
            try s.roundTrip("ip", "mtu_discover", .string("do"), native: .int(Int(IPPmtudisc.do.rawValue)))
            try s.roundTrip("ip", "mtu_discover", .string("probe"), native: .int(Int(IPPmtudisc.probe.rawValue)))
            // Linux's interface and omit are names here; OTP 25 returns them as 4 and 5.
            try s.roundTrip("ip", "mtu_discover", .string("omit"), native: .int(Int(IPPmtudisc.omit.rawValue)))
        }
        t["ip/multicast_if"] = {
            let s = try Sockets.udp4()
            try s.roundTrip("ip", "multicast_if", .string("127.0.0.1"), native: .bytes([127, 0, 0, 1], size: 4))
            // any sets INADDR_ANY; OTP reads it back as {0,0,0,0} too.
            try s.roundTrip("ip", "multicast_if", .string("any"), expect: .string("0.0.0.0"), native: .bytes([0, 0, 0, 0], size: 4))
        }
        t["ip/options"] = {
            let nops = [UInt8](repeating: UInt8(Native.IPOPT_NOP), count: 4)
            try Sockets.udp4().roundTrip("ip", "options", .bytes(nops), native: .bytes(nops, size: 40))
        }
        t["ip/pktoptions"] = {
            // IP_PKTOPTIONS is for stream sockets: what options the last segment carried.
            let s = try Sockets.tcp4()
            #expect(try s.getopt(level: "ip", option: "pktoptions") == .bytes([]))
            try s.expectNative("ip", "pktoptions", .bytes([], size: 64))
            expectErrno("enoprotoopt", "pktoptions on udp") { _ = try Sockets.udp4().getopt(level: "ip", option: "pktoptions") }
        }
        t["ip/tos"] = {
            let s = try Sockets.udp4()
            try s.roundTrip("ip", "tos", .string("lowdelay"), native: .int(Int(IPTos.lowdelay.rawValue)))
            try s.roundTrip("ip", "tos", .int(0xb8), native: .int(0xb8))
        }
    }

    // MARK: ipv6

    static func ipv6Level(_ t: inout [String: Check]) {
        bools(&t, "ipv6", ["flowinfo", "multicast_loop", "recverr", "recvhoplimit", "recvpktinfo", "recvtclass", "v6only",
                           "freebind", "multicast_all", "recvdstopts", "recvhopopts", "recvorigdstaddr", "recvrthdr",
                           "transparent"], on: Sockets.udp6)

        t["ipv6/addrform"] = {
            // Only for a connected IPv6 socket on an IPv4-mapped address: it becomes IPv4.
            // Some kernels refuse IPV6_ADDRFORM altogether (ENOPROTOOPT even there: a 6.18
            // build seen here); on those the library must say what setsockopt(2) itself says,
            // asked directly on a twin socket, and the socket stays IPv6.
            let listener = try Sockets.listener4()
            guard case .inet(_, let port) = try listener.sockname() else { return }
            let mapped = SocketAddress.inet6(IPv6Address(mapping: .loopback), port: port)
            let twin = try Sockets.tcp6()
            try twin.connect(to: mapped)
            var inet = AF_INET
            let kernelRefuses = setsockopt(twin.fd!, CInt(IPPROTO_IPV6), IPV6_ADDRFORM, &inet, socklen_t(MemoryLayout<CInt>.size)) != 0
                && errno == ENOPROTOOPT
            let s = try Sockets.tcp6()
            try s.connect(to: mapped)
            if kernelRefuses {
                expectErrno("enoprotoopt", "addrform where the kernel refuses it") {
                    try s.setopt(level: "ipv6", option: "addrform", value: .string("inet"))
                }
                #expect(try s.getopt(level: "socket", option: "domain") == .string("inet6"))
            } else {
                try s.setopt(level: "ipv6", option: "addrform", value: .string("inet"))
                #expect(try s.getopt(level: "socket", option: "domain") == .string("inet"))
                try s.expectNative("socket", "domain", .int(Int(Domain.inet.rawValue)))
            }
            expectInvalid(["{ipv6, addrform}", "only valid to set"]) { _ = try s.getopt(level: "ipv6", option: "addrform") }
        }
        let membership: (String, String) -> Check = { join, leave in
            {
                let s = try Sockets.udp6()
                let mreq = OptionValue.structured(["multiaddr": .string("ff15::1:2"), "interface": .int(try Sockets.ifindex("lo"))])
                try s.setopt(level: "ipv6", option: join, value: mreq)
                expectErrno("eaddrinuse", "second \(join)") { try s.setopt(level: "ipv6", option: join, value: mreq) }
                try s.setopt(level: "ipv6", option: leave, value: mreq)
                expectErrno("eaddrnotavail", "second \(leave)") { try s.setopt(level: "ipv6", option: leave, value: mreq) }
            }
        }
        t["ipv6/add_membership"] = membership("add_membership", "drop_membership")
        t["ipv6/drop_membership"] = membership("add_membership", "drop_membership")
        t["ipv6/join_group"] = membership("join_group", "leave_group")
        t["ipv6/leave_group"] = membership("join_group", "leave_group")

        let sourceGroup: Check = {
            let s = try Sockets.udp6()
            let lo = UInt(try Sockets.ifindex("lo"))
            let request = OptionValue.structured(["interface": .int(Int(lo)), "group": .string("ff15::3:4"), "source": .string("::1")])
            try s.setopt(level: "ipv6", option: "join_source_group", value: request)
            expectErrno("eaddrnotavail", "join the same source again") {
                try s.setopt(level: "ipv6", option: "join_source_group", value: request)
            }
            try s.setopt(level: "ipv6", option: "leave_source_group", value: request)
            // The membership went with its last source.
            expectErrno("einval", "second leave_source_group") { try s.setopt(level: "ipv6", option: "leave_source_group", value: request) }

            // Blocking is for an any-source membership.
            try s.setopt(.ipv6.joinGroup, IPv6Mreq(multiaddr: IPv6Address("ff15::3:4")!, interface: lo))
            let source = IPv6GroupSourceReq(interface: lo, group: IPv6Address("ff15::3:4")!, source: .loopback)
            try s.setopt(.ipv6.blockSource, source)
            try s.setopt(.ipv6.unblockSource, source)
            expectErrno("eaddrnotavail", "second unblock_source") { try s.setopt(.ipv6.unblockSource, source) }
        }
        for name in ["join_source_group", "leave_source_group", "block_source", "unblock_source"] {
            t["ipv6/\(name)"] = sourceGroup
        }
        t["ipv6/authhdr"] = {
            // Defined by the headers, implemented by no Linux kernel since 2.6: the errno comes through.
            let s = try Sockets.udp6()
            expectErrno("enoprotoopt", "set authhdr") { try s.setopt(level: "ipv6", option: "authhdr", value: .bool(true)) }
            expectErrno("enoprotoopt", "get authhdr") { _ = try s.getopt(level: "ipv6", option: "authhdr") }
        }
        t["ipv6/hoplimit"] = {
            // On Linux IPV6_HOPLIMIT is only a control-message type (RFC 3542): no option.
            let s = try Sockets.udp6()
            expectErrno("enoprotoopt", "set hoplimit") { try s.setopt(level: "ipv6", option: "hoplimit", value: .bool(true)) }
            expectErrno("enoprotoopt", "get hoplimit") { _ = try s.getopt(level: "ipv6", option: "hoplimit") }
        }
        t["ipv6/pktinfo"] = {
            // On Linux IPV6_PKTINFO is the sticky source address (a struct in6_pktinfo), not
            // OTP's boolean; the boolean is recvpktinfo. The kernel refuses an int.
            let s = try Sockets.udp6()
            expectErrno("einval", "set pktinfo") { try s.setopt(level: "ipv6", option: "pktinfo", value: .bool(true)) }
            expectErrno("enoprotoopt", "get pktinfo") { _ = try s.getopt(level: "ipv6", option: "pktinfo") }
        }
        for name in ["dstopts", "hopopts", "rthdr"] {
            t["ipv6/\(name)"] = {
                // On Linux these take and return an extension header (RFC 3542): an int is no
                // header, and no header set reads as false, as in OTP.
                let s = try Sockets.udp6()
                expectErrno("einval", "set \(name)") { try s.setopt(level: "ipv6", option: name, value: .bool(true)) }
                #expect(try s.getopt(level: "ipv6", option: name) == .bool(false))
                try s.expectNative("ipv6", name, .bytes([], size: 64))
            }
        }
        t["ipv6/checksum"] = { try Sockets.raw6(.udp).roundTripInt("ipv6", "checksum", 6) }
        t["ipv6/router_alert"] = {
            // Only a raw socket of protocol IPPROTO_RAW may ask for router alerts.
            try Sockets.raw6(.raw).roundTripInt("ipv6", "router_alert", 1)
            expectErrno("enoprotoopt", "router_alert on udp") {
                try Sockets.udp6().setopt(level: "ipv6", option: "router_alert", value: .int(1))
            }
        }
        t["ipv6/mtu"] = {
            // IPV6_MTU sets the fragment size of what this socket sends; a read reports the
            // path MTU of the connected route instead (ipv6(7)).
            let (s, _) = try Sockets.connectedUDP6()
            try s.setopt(level: "ipv6", option: "mtu", value: .int(1280))
            let mtu = try Sockets.sysctlMTU("lo")
            #expect(try s.getopt(level: "ipv6", option: "mtu") == .int(mtu))
            try s.expectNative("ipv6", "mtu", .int(mtu))
        }
        t["ipv6/mtu_discover"] = {
            try Sockets.udp6().roundTrip("ipv6", "mtu_discover", .string("do"), native: .int(Int(IPv6Pmtudisc.do.rawValue)))
        }
        t["ipv6/multicast_hops"] = {
            let s = try Sockets.udp6()
            try s.roundTripInt("ipv6", "multicast_hops", 7)
            // default is -1 to the kernel: the route's default, 1 for multicast.
            try s.roundTrip("ipv6", "multicast_hops", .string("default"), expect: .int(1), native: .int(1))
        }
        t["ipv6/unicast_hops"] = {
            let s = try Sockets.udp6()
            try s.roundTripInt("ipv6", "unicast_hops", 9)
            let hopLimit = try Sockets.sysctl("net/ipv6/conf/all/hop_limit")
            try s.roundTrip("ipv6", "unicast_hops", .string("default"), expect: .int(hopLimit), native: .int(hopLimit))
        }
        t["ipv6/multicast_if"] = { try Sockets.udp6().roundTripInt("ipv6", "multicast_if", try Sockets.ifindex("lo")) }
        t["ipv6/tclass"] = { try Sockets.udp6().roundTripInt("ipv6", "tclass", 0xb8) }
    }

    // MARK: tcp

    static func tcpLevel(_ t: inout [String: Check]) {
        bools(&t, "tcp", ["cork", "nodelay", "fastopen_connect"], on: Sockets.tcp4)
        for (name, value) in [("keepcnt", 5), ("keepidle", 30), ("keepintvl", 7), ("syncnt", 3), ("user_timeout", 1000),
                              ("linger2", 30), ("notsent_lowat", 1000), ("window_clamp", 20000),
                              // an unconnected socket reports the MSS asked for
                              ("maxseg", 1000),
                              // the kernel keeps a count of SYN-ACK retransmits: 7 s is 1 + 2 + 4, exact
                              ("defer_accept", 7)] {
            t["tcp/\(name)"] = { try Sockets.tcp4().roundTripInt("tcp", name, value) }
        }
        t["tcp/fastopen"] = { try Sockets.listener4().roundTripInt("tcp", "fastopen", 5) }
        t["tcp/quickack"] = {
            // Reads as "not in delayed-ACK (pingpong) mode": true on a new socket.
            let s = try Sockets.tcp4()
            #expect(try s.getopt(level: "tcp", option: "quickack") == .bool(true))
            try s.roundTrip("tcp", "quickack", .bool(false), native: .int(0))
        }
        t["tcp/congestion"] = {
            let s = try Sockets.tcp4()
            // OTP returns the name padded with NULs to 16 bytes.
            try s.roundTrip("tcp", "congestion", .string("reno"), native: .string("reno", size: 16))
            expectErrno("enoent", "unknown congestion control") {
                try s.setopt(level: "tcp", option: "congestion", value: .string("no-such-algorithm"))
            }
        }
        t["tcp/ulp"] = {
            let (_, client, _) = try tcpPair()
            #expect(try client.getopt(level: "tcp", option: "ulp") == .string(""))
            expectErrno("enoent", "unknown ulp") { try client.setopt(level: "tcp", option: "ulp", value: .string("no-such-ulp")) }
            // tls is there when the kernel has CONFIG_TLS; either way the kernel's answer is consistent.
            if reason({ try client.setopt(level: "tcp", option: "ulp", value: .string("tls")) }) == nil {
                #expect(try client.getopt(level: "tcp", option: "ulp") == .string("tls"))
                try client.expectNative("tcp", "ulp", .string("tls", size: 16))
            } else {
                #expect(try client.getopt(level: "tcp", option: "ulp") == .string(""))
            }
        }
        t["tcp/md5sig"] = { try md5sig() }
        t["tcp/info"] = { try tcpInfo() }
    }

    /// `{tcp, md5sig}`, set-only on Linux: with a key for 127.0.0.1 on the listener, a client
    /// without the key cannot connect (its SYN is dropped) and one with it can.
    static func md5sig() throws {
        let key = Array("otp-socket-secret".utf8)
        func signature() throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: Layout.tcp_md5sig.size)
            try bytes.withUnsafeMutableBytes { raw in
                try SocketAddress.inet(.loopback, port: 0).withNative { address, length in
                    let field = Layout.tcp_md5sig.tcpm_addr
                    raw.baseAddress!.advanced(by: field.offset).copyMemory(from: address, byteCount: min(length, field.size))
                }
                _ = raw.storeUnsigned(UInt64(key.count), at: Layout.tcp_md5sig.tcpm_keylen.offset, size: Layout.tcp_md5sig.tcpm_keylen.size)
                for (i, byte) in key.enumerated() { raw[Layout.tcp_md5sig.tcpm_key.offset + i] = byte }
            }
            return bytes
        }
        let listener = try Sockets.listener4()
        try listener.setopt(level: "tcp", option: "md5sig", value: .bytes(try signature()))
        expectErrno("enoprotoopt", "get md5sig") { _ = try listener.getopt(level: "tcp", option: "md5sig") }
        let address = try listener.sockname()

        let unsigned = try Sockets.tcp4()
        expectErrno("timeout", "connect without the key") { try unsigned.connect(to: address, timeout: .milliseconds(300)) }

        let signed = try Sockets.tcp4()
        try signed.setopt(.tcp.md5sig, try signature())
        try signed.connect(to: address, timeout: .seconds(5))
        _ = try listener.accept(timeout: .seconds(5))
        expectErrno("einval", "md5sig too short") { try signed.setopt(.tcp.md5sig, [0, 0, 0, 0]) }
    }

    /// `{tcp, info}` decoded, the 4-bit window scales included: a listener with a small
    /// receive buffer makes its side's scale 0 while the client's default buffer makes the
    /// client's non-zero, so swapped nibbles or a wrong byte cannot pass.
    static func tcpInfo() throws {
        let listener = try Sockets.tcp4()
        try listener.setopt(.socket.rcvbuf, 4096)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let client = try Sockets.tcp4()
        try client.connect(to: listener.sockname())
        let server = try listener.accept()

        let c = try client.getopt(.tcp.info)
        let s = try server.getopt(.tcp.info)
        #expect(c.state == UInt(Native.TCP_ESTABLISHED))
        #expect(s.state == UInt(Native.TCP_ESTABLISHED))
        #expect(try listener.getopt(.tcp.info).state == UInt(Native.TCP_LISTEN))
        #expect(s.rcvWscale == 0)
        #expect(c.rcvWscale > 0)
        #expect(c.sndWscale == s.rcvWscale)
        #expect(s.sndWscale == c.rcvWscale)
        let mtu = try Sockets.ipv4MTU("lo")
        #expect(c.sndMss > 0 && c.pmtu == UInt(mtu))

        // By name: a map with the manual's field names.
        guard case .structured(let fields) = try client.getopt(level: "tcp", option: "info") else {
            Issue.record("tcp info is not a map"); return
        }
        #expect(fields["state"] == .int(Int(Native.TCP_ESTABLISHED)))
        #expect(fields["rcv_wscale"] == .int(Int(c.rcvWscale)))
        #expect(fields["snd_wscale"] == .int(Int(c.sndWscale)))
        #expect(Set(fields.keys) == Set(TCPInfo.fieldNames))

        // And straight from getsockopt: the byte after tcpi_options holds both scales.
        guard let (level, option) = nativeKey("tcp", "info"),
              case .bytes(let raw) = try client.getoptNative(level, option, as: .size(Layout.tcp_info.size)) else { return }
        #expect(raw[Layout.tcp_info.tcpi_state.offset] == UInt8(Native.TCP_ESTABLISHED))
        let wscales = raw[Layout.tcp_info.tcpi_options.end]
        #expect(wscales == UInt8(c.sndWscale) | UInt8(c.rcvWscale) << 4)
        expectInvalid(["{tcp, info}", "only valid to get"]) { try client.setopt(level: "tcp", option: "info", value: .structured([:])) }
    }

    // MARK: udp

    static func udpLevel(_ t: inout [String: Check]) {
        bools(&t, "udp", ["cork", "gro"], on: Sockets.udp4)
        t["udp/segment"] = { try Sockets.udp4().roundTripInt("udp", "segment", 1000) }
    }
}

extension Sockets {
    /// An IPv4 path MTU: the device's, capped at IP_MAX_MTU (65535, the most an IPv4 total
    /// length can say; lo's is 65536).
    static func ipv4MTU(_ interface: String) throws -> Int { min(try sysctlMTU(interface), 65535) }

    static func sysctlMTU(_ interface: String) throws -> Int {
        let text = try String(contentsOfFile: "/sys/class/net/\(interface)/mtu", encoding: .utf8)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }
}

/// The C encoding of a typed value.
func encoded(_ value: some SocketOptionValue) throws -> [UInt8] {
    try value.withNativeBytes { Array($0) }
}

/// A typed value decoded from its C encoding.
func decoded<T: SocketOptionValue>(_ bytes: [UInt8], as type: T.Type) throws -> T {
    let result: Result<T, InvalidValue> = bytes.withUnsafeBytes { raw in
        do throws(InvalidValue) { return .success(try T(nativeBytes: raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
