@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation
import Synchronization

/// Multicast membership, with and without source filtering, for IPv4 and IPv6, checked with
/// real traffic: two network namespaces joined by a veth pair, two senders (two source
/// addresses) in one and a receiver in the other. Each round sends one datagram from each
/// sender and compares what arrives with what the memberships should let through.
@Suite(.serialized) struct OptionsMulticastTests {
    @Test(.enabled(if: runningAsRoot, needsRoot))
    func ipv4MembershipAndSourceFilters() throws {
        let net = try TwoNamespaces()
        defer { net.remove() }
        let group = IPv4Address(239, 201, 0, 7)
        let receiverAddress = IPv4Address(10, 201, 0, 2)
        let one = IPv4Address(10, 201, 0, 1), three = IPv4Address(10, 201, 0, 3)

        let receiver = try net.open(net.b, .inet)
        try receiver.bind(.inet(.any, port: 0))
        let port = try receiver.sockname().port!
        var senders: [IPv4Address: Socket] = [:]
        for source in [one, three] {
            let sender = try net.open(net.a, .inet)
            try sender.bind(.inet(source, port: 0))
            try sender.setopt(.ip.multicastIf, source)
            senders[source] = sender
        }
        var round = 0
        func expectDelivered(_ expected: Set<IPv4Address>, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            round += 1
            for (source, sender) in senders {
                try sender.sendto(Array("\(round) \(source)".utf8), to: .inet(group, port: port))
            }
            let got = try collect(receiver, round: round)
            #expect(got == Set(expected.map(\.description)), "\(what)", sourceLocation: sourceLocation)
        }

        try expectDelivered([], "before any membership")

        let mreq = IPMreq(multiaddr: group, interface: receiverAddress)
        try receiver.setopt(.ip.addMembership, mreq)
        try expectDelivered([one, three], "add_membership")

        let blockThree = IPMreqSource(multiaddr: group, interface: receiverAddress, sourceaddr: three)
        try receiver.setopt(.ip.blockSource, blockThree)
        try expectDelivered([one], "block_source 10.201.0.3")
        try receiver.setopt(.ip.unblockSource, blockThree)
        try expectDelivered([one, three], "unblock_source 10.201.0.3")

        // msfilter by name, as Erlang writes it; then read back from the kernel.
        try receiver.setopt(level: "ip", option: "msfilter", value: .structured([
            "multiaddr": .string(group.description), "interface": .string(receiverAddress.description),
            "mode": .string("include"), "slist": .list([.string(three.description)]),
        ]))
        try expectDelivered([three], "msfilter include [10.201.0.3]")
        let (level, option) = nativeKey("ip", "msfilter")!
        let question = IPMsfilter.filter(multiaddr: group, interface: receiverAddress, mode: .exclude, sources: [.any, .any])
        if case .bytes(let answer) = try receiver.getoptNative(level, option, as: .buffer(encoded(question))) {
            #expect(try decoded(answer, as: IPMsfilter.self)
                        == .filter(multiaddr: group, interface: receiverAddress, mode: .include, sources: [three]))
        }
        try receiver.setopt(.ip.msfilter, .filter(multiaddr: group, interface: receiverAddress, mode: .exclude, sources: []))
        try expectDelivered([one, three], "msfilter exclude []")

        try receiver.setopt(.ip.dropMembership, mreq)
        try expectDelivered([], "drop_membership")

        let onlyOne = IPMreqSource(multiaddr: group, interface: receiverAddress, sourceaddr: one)
        try receiver.setopt(level: "ip", option: "add_source_membership", value: .structured([
            "multiaddr": .string(group.description), "interface": .string(receiverAddress.description), "sourceaddr": .string(one.description),
        ]))
        try expectDelivered([one], "add_source_membership 10.201.0.1")
        try receiver.setopt(.ip.dropSourceMembership, onlyOne)
        try expectDelivered([], "drop_source_membership 10.201.0.1")
    }

    @Test(.enabled(if: runningAsRoot, needsRoot))
    func ipv6MembershipAndSourceFilters() throws {
        let net = try TwoNamespaces()
        defer { net.remove() }
        let group = IPv6Address("ff15::201:7")!
        let one = IPv6Address("fd00:201::1")!, three = IPv6Address("fd00:201::3")!
        let receiverIf = UInt(try net.ifindex(net.b, net.vethB))
        let senderIf = try net.ifindex(net.a, net.vethA)

        let receiver = try net.open(net.b, .inet6)
        try receiver.bind(.inet6(.any, port: 0))
        let port = try receiver.sockname().port!
        var senders: [IPv6Address: Socket] = [:]
        for source in [one, three] {
            let sender = try net.open(net.a, .inet6)
            try sender.bind(.inet6(source, port: 0))
            try sender.setopt(.ipv6.multicastIf, senderIf)
            senders[source] = sender
        }
        var round = 0
        func expectDelivered(_ expected: Set<IPv6Address>, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            round += 1
            for (source, sender) in senders {
                try sender.sendto(Array("\(round) \(source)".utf8), to: .inet6(group, port: port))
            }
            let got = try collect(receiver, round: round)
            #expect(got == Set(expected.map(\.description)), "\(what)", sourceLocation: sourceLocation)
        }

        try expectDelivered([], "before any membership")

        let mreq = IPv6Mreq(multiaddr: group, interface: receiverIf)
        try receiver.setopt(.ipv6.joinGroup, mreq)
        try expectDelivered([one, three], "join_group")

        let blockThree = IPv6GroupSourceReq(interface: receiverIf, group: group, source: three)
        try receiver.setopt(.ipv6.blockSource, blockThree)
        try expectDelivered([one], "block_source fd00:201::3")
        try receiver.setopt(level: "ipv6", option: "unblock_source", value: .structured([
            "interface": .int(Int(receiverIf)), "group": .string(group.description), "source": .string(three.description),
        ]))
        try expectDelivered([one, three], "unblock_source fd00:201::3")

        try receiver.setopt(.ipv6.leaveGroup, mreq)
        try expectDelivered([], "leave_group")

        // add_membership and drop_membership are the same as join_group and leave_group.
        try receiver.setopt(level: "ipv6", option: "add_membership",
                            value: .structured(["multiaddr": .string(group.description), "interface": .int(Int(receiverIf))]))
        try expectDelivered([one, three], "add_membership")
        try receiver.setopt(.ipv6.dropMembership, mreq)
        try expectDelivered([], "drop_membership")

        let onlyOne = IPv6GroupSourceReq(interface: receiverIf, group: group, source: one)
        try receiver.setopt(.ipv6.joinSourceGroup, onlyOne)
        try expectDelivered([one], "join_source_group fd00:201::1")
        try receiver.setopt(.ipv6.leaveSourceGroup, onlyOne)
        try expectDelivered([], "leave_source_group fd00:201::1")
    }

    /// The sources of this round's datagrams, until none comes for a while. A datagram of an
    /// earlier round that arrives late is an error too.
    func collect(_ receiver: Socket, round: Int) throws -> Set<String> {
        var sources: Set<String> = []
        while true {
            let data: [UInt8]
            do {
                data = try receiver.recvfrom(timeout: .milliseconds(300)).data
            } catch {
                guard error.reason == .timeout else { throw error }
                return sources
            }
            let text = String(decoding: data, as: UTF8.self)
            let parts = text.split(separator: " ", maxSplits: 1)
            #expect(parts.first == "\(round)"[...], "a datagram of another round: \(text)")
            if parts.count == 2 { sources.insert(String(parts[1])) }
        }
    }
}

/// Two network namespaces `a` and `b` joined by a veth pair: 10.201.0.1 and .3 and
/// fd00:201::1 and ::3 in `a`, 10.201.0.2 and fd00:201::2 in `b`. The test process itself
/// stays in its namespace; sockets are opened in one with `OpenOptions(netns:)`.
final class TwoNamespaces: Sendable {
    static let counter = Atomic<Int>(0)
    let a: String, b: String, vethA: String, vethB: String

    init() throws {
        let tag = "\(getpid() % 100_000)x\(TwoNamespaces.counter.wrappingAdd(1, ordering: .relaxed).newValue)"
        a = "otpsock-\(tag)-a"
        b = "otpsock-\(tag)-b"
        vethA = "otpa\(tag)"
        vethB = "otpb\(tag)"
        do {
            try Self.ip(["netns", "add", a])
            try Self.ip(["netns", "add", b])
            try Self.ip(["link", "add", vethA, "type", "veth", "peer", "name", vethB])
            try Self.ip(["link", "set", vethA, "netns", a])
            try Self.ip(["link", "set", vethB, "netns", b])
            for address in ["10.201.0.1/24", "10.201.0.3/24"] { try Self.ip(["-n", a, "addr", "add", address, "dev", vethA]) }
            try Self.ip(["-n", b, "addr", "add", "10.201.0.2/24", "dev", vethB])
            // nodad: usable at once, without duplicate address detection's wait.
            for address in ["fd00:201::1/64", "fd00:201::3/64"] { try Self.ip(["-n", a, "addr", "add", address, "dev", vethA, "nodad"]) }
            try Self.ip(["-n", b, "addr", "add", "fd00:201::2/64", "dev", vethB, "nodad"])
            for (ns, dev) in [(a, vethA), (b, vethB)] {
                try Self.ip(["-n", ns, "link", "set", "lo", "up"])
                try Self.ip(["-n", ns, "link", "set", dev, "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes both namespaces, and with them the veth pair.
    func remove() {
        _ = try? Self.ip(["netns", "del", a])
        _ = try? Self.ip(["netns", "del", b])
    }

    func open(_ namespace: String, _ domain: Domain) throws -> Socket {
        try Socket.open(domain, .dgram, options: OpenOptions(netns: "/var/run/netns/\(namespace)"))
    }

    /// The index of `device` in `namespace` (`ip -o link` prints it first: "5: name@...").
    func ifindex(_ namespace: String, _ device: String) throws -> Int {
        let output = try Self.ip(["-n", namespace, "-o", "link", "show", "dev", device])
        guard let index = output.split(separator: ":").first.flatMap({ Int($0) }) else {
            throw CommandError("no index in \(output)")
        }
        return index
    }

    struct CommandError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandError("ip \(arguments.joined(separator: " ")): \(text)")
        }
        return text
    }
}
