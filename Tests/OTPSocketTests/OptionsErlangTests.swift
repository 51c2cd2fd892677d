@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation

/// The same setopt/getopt calls as in Erlang, with OTP 25.2.3's answers on this kernel as the
/// expectations. They were taken with, for each step,
///
///     erl -noshell -eval '{ok,S} = socket:open(inet, dgram, udp),
///         io:format("~p ~p~n", [socket:setopt(S, {ip,tos}, lowdelay), socket:getopt(S, {ip,tos})])' -s init stop
///
/// Where OTP has a documented bug the expectation is ours and the comment gives OTP's answer.
@Suite struct OptionsErlangTests {
    /// One step: set (or only get, when `set` is nil), then get.
    struct Step: Sendable, CustomStringConvertible {
        var set: OptionValue?
        /// What setopt returns: nil for ok, else the error as Erlang prints its reason.
        var setResult: String?
        var get: OptionValue
        var description: String { "set \(set.map(\.description) ?? "-") -> \(setResult ?? "ok"), get \(get)" }
    }

    static func ok(_ set: OptionValue, _ get: OptionValue) -> Step { Step(set: set, setResult: nil, get: get) }
    static func refused(_ set: OptionValue, _ reason: String, _ get: OptionValue) -> Step { Step(set: set, setResult: reason, get: get) }
    static func read(_ get: OptionValue) -> Step { Step(set: nil, setResult: nil, get: get) }

    func run(_ s: Socket, _ level: String, _ name: String, _ steps: [Step], sourceLocation: SourceLocation = #_sourceLocation) {
        for step in steps {
            if let value = step.set {
                let got = reason { try s.setopt(level: level, option: name, value: value) }
                if let expected = step.setResult {
                    #expect(got?.hasPrefix(expected) == true, "{\(level), \(name)} \(step): \(got ?? "ok")", sourceLocation: sourceLocation)
                } else {
                    #expect(got == nil, "{\(level), \(name)} \(step): \(got ?? "ok")", sourceLocation: sourceLocation)
                }
            }
            let value = try? s.getopt(level: level, option: name)
            #expect(value == step.get, "{\(level), \(name)} \(step): got \(value.map(\.description) ?? "error")", sourceLocation: sourceLocation)
        }
    }

    @Test func tos() throws {
        Self().run(try Sockets.udp4(), "ip", "tos", [
            Self.read(.int(0)),
            Self.ok(.string("lowdelay"), .string("lowdelay")),
            Self.ok(.string("throughput"), .string("throughput")),
            Self.ok(.string("reliability"), .string("reliability")),
            Self.ok(.string("mincost"), .string("mincost")),
            Self.ok(.int(0), .int(0)),
            Self.ok(.int(0x18), .int(24)),
            // OTP bug (lossy read-back): OTP answers lowdelay, masking the bit that no name covers.
            Self.ok(.int(0x11), .int(17)),
            Self.ok(.int(0xb8), .int(184)),
            Self.ok(.int(0xfc), .int(252)),
            Self.ok(.int(0x1c), .int(28)),
            // The kernel keeps the low byte: OTP too reads 44 and 255.
            Self.ok(.int(300), .int(44)),
            Self.ok(.int(-1), .int(255)),
            // {error, {invalid, {socket_option, {ip, tos}, bogus}}}, the value unchanged.
            Self.refused(.string("bogus"), "{invalid, ", .int(255)),
        ])
    }

    @Test func ttl() throws {
        // OTP read 64 here: net.ipv4.ip_default_ttl.
        let ttl = try Sockets.sysctl("net/ipv4/ip_default_ttl")
        Self().run(try Sockets.udp4(), "ip", "ttl", [
            Self.read(.int(ttl)),
            Self.ok(.int(5), .int(5)),
            Self.ok(.int(255), .int(255)),
            Self.refused(.int(0), "einval", .int(255)),
            Self.refused(.int(256), "einval", .int(255)),
            // -1 asks for the route's default again.
            Self.ok(.int(-1), .int(ttl)),
            Self.refused(.bool(true), "{invalid, ", .int(ttl)),
        ])
    }

    @Test func recvtosRecvttlPktinfo() throws {
        for name in ["recvtos", "recvttl", "pktinfo"] {
            Self().run(try Sockets.udp4(), "ip", name, [
                Self.read(.bool(false)),
                Self.ok(.bool(true), .bool(true)),
                Self.ok(.bool(false), .bool(false)),
                // {error, {invalid, {socket_option, {ip, Name}, 1}}}
                Self.refused(.int(1), "{invalid, ", .bool(false)),
            ])
        }
    }

    @Test func multicastInterfaceAndPmtudisc() throws {
        Self().run(try Sockets.udp4(), "ip", "multicast_if", [
            // {ok, {0,0,0,0}}: OTP too reads INADDR_ANY back as an address, not as any.
            Self.read(.string("0.0.0.0")),
            Self.ok(.string("any"), .string("0.0.0.0")),
            Self.ok(.string("127.0.0.1"), .string("127.0.0.1")),
        ])
        Self().run(try Sockets.udp4(), "ip", "mtu_discover", [
            Self.read(.string("want")),
            Self.ok(.string("do"), .string("do")),
            Self.ok(.string("probe"), .string("probe")),
            // OTP names only want, dont, do and probe and answers 4 and 5; Linux calls them
            // interface and omit, and so do we.
            Self.ok(.int(4), .string("interface")),
            Self.ok(.int(5), .string("omit")),
        ])
    }

    @Test func ipv6Hops() throws {
        let s = try Sockets.udp6()
        Self().run(s, "ipv6", "multicast_hops", [
            Self.read(.int(1)), Self.ok(.int(7), .int(7)), Self.ok(.string("default"), .int(1)),
        ])
        let hopLimit = try Sockets.sysctl("net/ipv6/conf/all/hop_limit")
        Self().run(s, "ipv6", "unicast_hops", [
            Self.read(.int(hopLimit)), Self.ok(.int(9), .int(9)), Self.ok(.string("default"), .int(hopLimit)),
        ])
        Self().run(s, "ipv6", "tclass", [Self.read(.int(0)), Self.ok(.int(0xb8), .int(184))])
    }

    @Test(.enabled(if: runningAsRoot, needsRoot))
    func stringsAndLinger() throws {
        // OTP bug (NUL padding): OTP reads bindtodevice back as [108,111,0] and congestion as
        // "reno" followed by eleven NULs; the strings end at the NUL here.
        Self().run(try Sockets.udp4(), "socket", "bindtodevice", [Self.read(.string("")), Self.ok(.string("lo"), .string("lo"))])
        Self().run(try Sockets.tcp4(), "tcp", "congestion", [Self.ok(.string("reno"), .string("reno"))])
        Self().run(try Sockets.tcp4(), "socket", "linger", [
            Self.read(.structured(["onoff": .bool(false), "linger": .int(0)])),
            Self.ok(.string("abort"), .structured(["onoff": .bool(true), "linger": .int(0)])),
            Self.ok(.structured(["onoff": .bool(true), "linger": .int(3)]), .structured(["onoff": .bool(true), "linger": .int(3)])),
        ])
    }
}
