import Foundation
@testable import OTPSocket
import SocketConstants
import Testing

/// Erlang `sockaddr()`: inet (any, loopback, broadcast, a 4-tuple), inet6 (flowinfo, scope
/// id), local, unspec and native addresses, encoded for and decoded from the kernel.
@Suite struct AddressTests {
    /// Encodes `address` as the kernel gets it and decodes it back.
    func roundTrip(_ address: SocketAddress) throws(SocketError) -> SocketAddress {
        try address.withNative { (raw, length) throws(SocketError) in
            SocketAddress(native: UnsafeRawBufferPointer(start: raw, count: length))
        }
    }

    @Test func inetAnyBindsEveryAddressWithAnEphemeralPort() throws {
        let socket = try Socket.open(.inet, .dgram)
        try socket.bind(.inet(.any, port: 0))
        guard case .inet(let address, let port) = try socket.sockname() else {
            Issue.record("not an inet address"); return
        }
        #expect(address == .any)
        #expect(port != 0)
    }

    @Test func inetLoopbackAndAFourTuple() async throws {
        let a = try Socket.open(.inet, .dgram)
        try a.bind(.inet(.loopback, port: 0))
        #expect(try a.sockname().port != 0)
        guard case .inet(.loopback, _) = try a.sockname() else { Issue.record("not loopback"); return }
        let b = try Socket.open(.inet, .dgram)
        try b.bind(.inet(IPv4Address(127, 1, 2, 3), port: 0))
        guard case .inet(let address, _) = try b.sockname() else { Issue.record("not inet"); return }
        #expect(address == IPv4Address(127, 1, 2, 3))
        #expect(address.description == "127.1.2.3")
        try await a.sendto([1], to: b.sockname())
        #expect(try await b.recvfrom(timeout: .seconds(10)).source == (try a.sockname()))
    }

    @Test func inetBroadcastNeedsTheBroadcastOption() throws {
        // The kernel recognises 255.255.255.255 and refuses it without SO_BROADCAST: proof
        // that the address reached it as the broadcast address. No packet leaves.
        let socket = try Socket.open(.inet, .dgram)
        #expect(reason { () throws(SocketError) in try socket.sendto([1], to: .inet(.broadcast, port: 9), timeout: .zero) } == .errno(.permissionDenied))
        #expect(try roundTrip(.inet(.broadcast, port: 9)) == .inet(IPv4Address(255, 255, 255, 255), port: 9))
    }

    @Test func portsAreInNetworkOrder() throws {
        let socket = try Socket.open(.inet, .dgram)
        try socket.bind(.inet(.loopback, port: 0))
        let port = try #require(try socket.sockname().port)
        // Bind a second socket to the same port through its own encoding: taken.
        let other = try Socket.open(.inet, .dgram)
        #expect(reason { () throws(SocketError) in try other.bind(.inet(.loopback, port: port)) } == .errno(.addressInUse))
        #expect(try roundTrip(.inet(.loopback, port: 0x1234)) == .inet(.loopback, port: 0x1234))
    }

    @Test func inet6KeepsFlowinfoAndScopeID() throws {
        let address = SocketAddress.inet6(.loopback, port: 443, flowinfo: 0xABCDE, scopeID: 7)
        #expect(try roundTrip(address) == address)
        #expect(try roundTrip(.inet6(.any, port: 1)) == .inet6(.any, port: 1, flowinfo: 0, scopeID: 0))
        #expect(reason { () throws(SocketError) in _ = try roundTrip(.inet6(.loopback, port: 1, flowinfo: 0x100000)) }
            == .invalid("flowinfo 1048576 is not 0..1048575"))
    }

    @Test func aLinkLocalDestinationNeedsItsScopeID() async throws {
        // fe80::/10 is ambiguous without an interface: the kernel refuses it with scope id
        // 0 and takes the loopback interface's index, so the scope id reaches it.
        let socket = try Socket.open(.inet6, .dgram)
        let linkLocal = try #require(IPv6Address("fe80::1"))
        let noScope = reason { () throws(SocketError) in try socket.connect(to: .inet6(linkLocal, port: 9)) }
        #expect(noScope == .errno(.invalidArgument))
        let loopbackIndex = if_nametoindex("lo")
        try #require(loopbackIndex != 0)
        let onLoopback = reason { () throws(SocketError) in try socket.connect(to: .inet6(linkLocal, port: 9, scopeID: loopbackIndex)) }
        // With the interface given, the kernel gets past the scope check to routing, and
        // lo has no route for fe80::/64.
        #expect(onLoopback == .errno(.networkUnreachable))
    }

    @Test func unspecDissolvesADatagramAssociation() throws {
        let (a, b) = try udpPair()
        #expect(try a.peername() == b.sockname())
        try a.connect(to: .unspec([]))
        #expect(reason { () throws(SocketError) in _ = try a.peername() } == .errno(.socketNotConnected))
    }

    @Test func nativeAddressesReachTheKernelAsBytes() throws {
        // An inet address spelled as family + raw bytes: port 0, address 127.0.0.1.
        let sockaddrIn = Layout.sockaddr_in.self
        var bytes = [UInt8](repeating: 0, count: sockaddrIn.size - Layout.sockaddr.sa_family.end)
        let base = Layout.sockaddr.sa_family.end
        for (i, byte) in [127, 0, 0, 1].enumerated() { bytes[sockaddrIn.sin_addr.offset - base + i] = UInt8(byte) }
        let socket = try Socket.open(.inet, .dgram)
        try socket.bind(.native(family: Native.AF_INET, bytes: bytes))
        guard case .inet(.loopback, let port) = try socket.sockname() else { Issue.record("not decoded as inet"); return }
        #expect(port != 0)
        // A family this library does not decode comes back native.
        let odd = SocketAddress.native(family: 4242, bytes: [1, 2, 3])
        #expect(try roundTrip(odd) == odd)
        #expect(odd.domain == Domain(rawValue: 4242))
    }

    @Test func decodingNeverReadsPastTheLength() {
        // A truncated inet address (family only) is not read as an inet address.
        var family = [UInt8](repeating: 0, count: Layout.sockaddr.sa_family.end)
        family.withUnsafeMutableBytes { raw in
            _ = raw.storeUnsigned(UInt64(Native.AF_INET), at: Layout.sockaddr.sa_family.offset, size: Layout.sockaddr.sa_family.size)
        }
        let decoded = family.withUnsafeBytes { SocketAddress(native: $0) }
        #expect(decoded == .native(family: Native.AF_INET, bytes: []))
        #expect([UInt8]().withUnsafeBytes { SocketAddress(native: $0) } == .unspec([]))
    }

    @Test func aWrongFamilyForTheSocketIsTheKernelsError() throws {
        let socket = try Socket.open(.inet, .dgram)
        #expect(reason { () throws(SocketError) in try socket.bind(.inet6(.loopback, port: 0)) } == .errno(.addressFamilyNotSupported))
    }
}
