@testable import OTPSocket
import SocketConstants
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Link-level (`packet`) addresses through the kernel: an `AF_PACKET` socket in a network
/// namespace of its own, so that it sees only the frames the test sends on its loopback.
@Suite struct PacketAddressTests {
    static let canMakeNamespaces = Fixtures.Namespace.available

    /// Erlang's `protocol` of a packet socket is the ethertype in network byte order.
    func packetProtocol(_ ethertype: CInt) -> SocketProtocol {
        SocketProtocol(rawValue: CInt(UInt16(truncatingIfNeeded: ethertype).bigEndian))
    }

    @Test(.enabled(if: canMakeNamespaces, "needs root and iproute2 to make a network namespace"))
    func aFrameOnLoopbackArrivesWithItsPacketTypeHardwareTypeAndAddress() throws {
        let namespace = try Fixtures.Namespace()
        let loopback = try namespace.loopbackIndex()
        let options = OpenOptions(netns: namespace.path)
        let receiver = try Socket.open(.packet, .dgram, packetProtocol(Native.ETH_P_ALL), options: options)
        #expect(receiver.domain == .packet)
        try receiver.bind(.packet(PacketAddress(protocol: UInt16(Native.ETH_P_ALL), ifindex: loopback, pkttype: .host,
                                                hatype: Hatype(rawValue: 0), address: [])))
        let sender = try Socket.open(.packet, .dgram, SocketProtocol(rawValue: 0), options: options)
        let ethertype = UInt16(Native.ETH_P_802_EX1)
        let destination = SocketAddress.packet(PacketAddress(protocol: ethertype, ifindex: loopback, pkttype: .host,
                                                             hatype: Hatype(rawValue: 0), address: [0, 0, 0, 0, 0, 0]))
        let payload = Fixtures.pattern(46)
        try sender.sendto(payload, to: destination)

        // The loopback shows the frame twice: going out, and coming in for this host.
        var seen: [PacketType] = []
        while seen.count < 2 {
            let message = try receiver.recvmsg(timeout: .seconds(2))
            guard case .packet(let source)? = message.addr, source.protocol == ethertype else { continue }
            #expect(message.data == payload)
            #expect(source.ifindex == loopback)
            #expect(source.hatype == .loopback)
            #expect(source.address == [0, 0, 0, 0, 0, 0])
            seen.append(source.pkttype)
        }
        #expect(Set(seen) == [.outgoing, .host])
        #expect(try receiver.sockname().domain == .packet)
    }

    @Test(.enabled(if: canMakeNamespaces, "needs root and iproute2 to make a network namespace"))
    func recvfromReportsThePacketSource() throws {
        let namespace = try Fixtures.Namespace()
        let loopback = try namespace.loopbackIndex()
        let options = OpenOptions(netns: namespace.path)
        let ethertype = UInt16(Native.ETH_P_802_EX1)
        let receiver = try Socket.open(.packet, .dgram, packetProtocol(Native.ETH_P_802_EX1), options: options)
        try receiver.bind(.packet(PacketAddress(protocol: ethertype, ifindex: loopback, pkttype: .host,
                                                hatype: Hatype(rawValue: 0), address: [])))
        let sender = try Socket.open(.packet, .dgram, SocketProtocol(rawValue: 0), options: options)
        try sender.sendto([1, 2, 3], to: .packet(PacketAddress(protocol: ethertype, ifindex: loopback, pkttype: .host,
                                                               hatype: Hatype(rawValue: 0), address: [0, 0, 0, 0, 0, 0])))
        // A socket bound to one protocol sees only incoming frames.
        let (source, data) = try receiver.recvfrom(timeout: .seconds(2))
        #expect(Array(data.prefix(3)) == [1, 2, 3])
        guard case .packet(let address) = source else { Issue.record("source \(source)"); return }
        #expect(address.pkttype == .host)
        #expect(address.protocol == ethertype)
        #expect(throws: SocketError.timeout) { try receiver.recvfrom(timeout: .milliseconds(100)) }
    }
}
