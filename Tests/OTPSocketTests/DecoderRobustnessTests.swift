@testable import OTPSocket
import SocketConstants
import Testing

/// The control-message and address decoders on malformed and truncated input, hand-made and
/// random: every input sits at the end of a page followed by an inaccessible one, so one
/// byte read past it crashes the run.
@Suite struct DecoderRobustnessTests {
    /// A reproducible generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
    }

    /// A control header as the platform lays it out, followed by `data`, unpadded.
    func message(level: CInt, type: CInt, declaredLength: UInt64? = nil, data: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: Native.CMSG_LEN_0)
        header.withUnsafeMutableBytes { raw in
            let h = Layout.cmsghdr.self
            _ = raw.storeUnsigned(declaredLength ?? UInt64(ControlBuffer.length(data.count)), at: h.cmsg_len.offset, size: h.cmsg_len.size)
            _ = raw.storeSigned(Int64(level), at: h.cmsg_level.offset, size: h.cmsg_level.size)
            _ = raw.storeSigned(Int64(type), at: h.cmsg_type.offset, size: h.cmsg_type.size)
        }
        return header + data
    }

    func decode(_ bytes: [UInt8]) -> [CmsgRecv] {
        Fixtures.withGuardedBytes(bytes) { ControlBuffer.decode($0, adopting: false) }
    }

    func address(_ bytes: [UInt8]) -> SocketAddress {
        Fixtures.withGuardedBytes(bytes) { SocketAddress(native: $0) }
    }

    /// The known (level, type) pairs, and some unknown ones.
    static let kinds: [(CInt, CInt)] = [
        (Native.SOL_SOCKET, Native.SCM_TIMESTAMP), (Native.SOL_SOCKET, Native.SCM_TIMESTAMPNS),
        (Native.SOL_SOCKET, Native.SCM_RIGHTS), (Native.SOL_SOCKET, Native.SCM_CREDENTIALS),
        (Native.IPPROTO_IP, Native.IP_TOS), (Native.IPPROTO_IP, Native.IP_RECVTOS), (Native.IPPROTO_IP, Native.IP_TTL),
        (Native.IPPROTO_IP, Native.IP_RECVTTL), (Native.IPPROTO_IP, Native.IP_PKTINFO), (Native.IPPROTO_IP, Native.IP_ORIGDSTADDR),
        (Native.IPPROTO_IP, Native.IP_RECVERR), (Native.IPPROTO_IPV6, Native.IPV6_HOPLIMIT), (Native.IPPROTO_IPV6, Native.IPV6_PKTINFO),
        (Native.IPPROTO_IPV6, Native.IPV6_TCLASS), (Native.IPPROTO_IPV6, Native.IPV6_RECVERR),
        (Native.IPPROTO_IPV6, Native.IPV6_ORIGDSTADDR), (Native.IPPROTO_UDP, Native.UDP_GRO),
        (Native.SOL_SOCKET, 9999), (-1, -1), (Native.IPPROTO_TCP, 1),
    ]

    // MARK: Hand-made control buffers

    @Test func buffersTooShortForAHeaderDecodeToNothing() {
        #expect(decode([]).isEmpty)
        let full = message(level: Native.SOL_SOCKET, type: Native.SCM_RIGHTS, data: [1, 0, 0, 0])
        for cut in 0..<Native.CMSG_LEN_0 { #expect(decode(Array(full[0..<cut])).isEmpty) }
    }

    @Test func aLengthShorterThanAHeaderEndsTheList() {
        for declared: UInt64 in [0, 1, UInt64(Native.CMSG_LEN_0 - 1)] {
            let bytes = message(level: Native.SOL_SOCKET, type: Native.SCM_RIGHTS, declaredLength: declared, data: [1, 0, 0, 0])
            #expect(decode(bytes).isEmpty)
        }
    }

    @Test func aLengthPastTheBufferKeepsTheBytesThereUndecoded() {
        let timeval = try! Timeval(sec: 1, usec: 2).withNativeBytes { Array($0) }
        for declared: UInt64 in [UInt64(ControlBuffer.length(timeval.count) + 1), UInt64(Int.max), UInt64.max] {
            let decoded = decode(message(level: Native.SOL_SOCKET, type: Native.SCM_TIMESTAMP, declaredLength: declared, data: timeval))
            #expect(decoded.count == 1)
            #expect(decoded.first?.data == timeval)
            #expect(decoded.first?.value == nil)
        }
    }

    @Test func aHeaderAloneIsAMessageWithNoData() {
        let decoded = decode(message(level: Native.SOL_SOCKET, type: Native.SCM_TIMESTAMP, data: []))
        #expect(decoded == [CmsgRecv(level: .socket, type: Native.SCM_TIMESTAMP, data: [])])
    }

    @Test func aTruncatedSecondMessageKeepsTheFirst() {
        let ttl = withUnsafeBytes(of: CInt(64)) { Array($0) }
        var first = message(level: Native.IPPROTO_IP, type: Native.IP_TTL, data: ttl)
        first += [UInt8](repeating: 0, count: ControlBuffer.space(ttl.count) - first.count)
        let second = message(level: Native.IPPROTO_IP, type: Native.IP_TTL, data: ttl)
        for cut in 0...second.count {
            let decoded = decode(first + second[0..<cut])
            #expect(decoded.first?.value == .ttl(64))
            #expect(decoded.count == (cut >= Native.CMSG_LEN_0 ? 2 : 1))
            if cut == second.count { #expect(decoded.last?.value == .ttl(64)) }
        }
    }

    @Test func rightsKeepTheWholeDescriptorsThatFit() {
        let fds: [CInt] = [7, 8]
        let data = fds.withUnsafeBytes { Array($0) }
        for cut in 0...data.count {
            let decoded = decode(message(level: Native.SOL_SOCKET, type: Native.SCM_RIGHTS, data: Array(data[0..<cut])))
            guard case .rights(let received)? = decoded.first?.value else { Issue.record("no rights at \(cut)"); continue }
            #expect(received.descriptors == Array(fds.prefix(cut / MemoryLayout<CInt>.size)))
            #expect(!received.owned)
        }
    }

    @Test func integersDecodeFromAnIntOrAByteAndNothingElse() {
        for size in 0...9 {
            let data = [UInt8](repeating: 0, count: size).enumerated().map { $0.offset == 0 ? UInt8(0x10) : 0 }
            let value = decode(message(level: Native.IPPROTO_IP, type: Native.IP_TOS, data: data)).first?.value
            let decodes = size == 1 || size == MemoryLayout<CInt>.size
            #expect(value == (decodes ? .tos(.lowdelay) : nil), "tos of \(size) bytes")
        }
    }

    @Test func anExtendedErrorNeedsItsStructAndTakesWhatOffenderThereIs() throws {
        let error = try SockExtendedErr(errno: 111, origin: UInt(EEOrigin.icmp.rawValue), type: 3, code: 3, info: 0, data: 0)
            .withNativeBytes { Array($0) }
        let offender = try SocketAddress.inet(.loopback, port: 0).withNative { (raw, length) throws(SocketError) in
            Array(UnsafeRawBufferPointer(start: raw, count: length))
        }
        func decoded(_ data: [UInt8]) -> CmsgRecv.Value? {
            decode(message(level: Native.IPPROTO_IP, type: Native.IP_RECVERR, data: data)).first?.value
        }
        for cut in 0..<error.count { #expect(decoded(Array(error[0..<cut])) == nil) }
        guard case .recverr(let bare)? = decoded(error) else { Issue.record("no recverr"); return }
        #expect(bare.offender == nil)
        #expect(bare.error == .connectionRefused && bare.icmpDestUnreach == .portUnreach)
        // The offender follows the struct at SO_EE_OFFENDER's offset.
        let padding = [UInt8](repeating: 0, count: Native.SO_EE_OFFENDER_OFFSET - error.count)
        guard case .recverr(let full)? = decoded(error + padding + offender) else { Issue.record("no recverr"); return }
        #expect(full.offender == .inet(.loopback, port: 0))
        for cut in 1..<offender.count {
            guard case .recverr(let short)? = decoded(error + padding + offender[0..<cut]) else { Issue.record("no recverr"); continue }
            #expect(short.offender != .inet(.loopback, port: 0))
        }
    }

    @Test func whatIsSentDecodesToTheSameValues() throws {
        let sent: [CmsgSend] = [
            .timestamp(Timeval(sec: 12, usec: 34)), .credentials(Ucred(pid: 1, uid: 2, gid: 3)), .tos(.throughput),
            .ttl(17), .pktinfo(InPktinfo(ifindex: 3, specDst: .loopback, addr: .broadcast)), .hoplimit(5),
            .ipv6Pktinfo(In6Pktinfo(addr: .loopback, ifindex: 9)), .tclass(4),
            .native(level: Level(rawValue: 4242), type: 7, data: [1, 2, 3]),
        ]
        let expected: [CmsgRecv.Value?] = [
            .timestamp(Timeval(sec: 12, usec: 34)), .credentials(Ucred(pid: 1, uid: 2, gid: 3)), .tos(.throughput),
            .ttl(17), .pktinfo(InPktinfo(ifindex: 3, specDst: .loopback, addr: .broadcast)), .hoplimit(5),
            .ipv6Pktinfo(In6Pktinfo(addr: .loopback, ifindex: 9)), .tclass(4), nil,
        ]
        let buffer = try CmsgSend.encode(sent)
        #expect(buffer.count == sent.reduce(0) { $0 + ControlBuffer.space((try? $1.item().data.count) ?? 0) })
        let decoded = decode(buffer)
        #expect(decoded.map(\.value) == expected)
        #expect(decoded.last == CmsgRecv(level: Level(rawValue: 4242), type: 7, data: [1, 2, 3]))
        #expect(CmsgRecv.decode(native: UnsafeRawBufferPointer(start: nil, count: 0)).isEmpty)
    }

    @Test func theLayoutHelpersAgreeWithTheProbedMacros() {
        #expect(ControlBuffer.length(0) == Native.CMSG_LEN_0)
        #expect(ControlBuffer.space(0) == Native.CMSG_SPACE_0)
        #expect(ControlBuffer.space(1) == Native.CMSG_SPACE_1)
        #expect(ControlBuffer.alignment > 0 && ControlBuffer.alignment & (ControlBuffer.alignment - 1) == 0)
        #expect(Native.CMSG_LEN_0 >= Layout.cmsghdr.size)
    }

    // MARK: Random control buffers

    @Test func randomBytesNeverCrashOrOverRead() {
        var random = Random(state: 0x5EED)
        for _ in 0..<3000 {
            let bytes = random.bytes(random.below(200))
            for message in decode(bytes) { #expect(message.data.count <= bytes.count) }
        }
    }

    @Test func randomlyCorruptedPlausibleBuffersNeverCrashOrOverRead() {
        var random = Random(state: 0xC0FFEE)
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + random.below(4)) {
                let (level, type) = Self.kinds[random.below(Self.kinds.count)]
                let data = random.bytes(random.below(48))
                var one = message(level: level, type: type, data: data)
                one += [UInt8](repeating: 0, count: ControlBuffer.space(data.count) - one.count)
                bytes += one
            }
            switch random.below(4) {
            case 0: bytes = Array(bytes.prefix(random.below(bytes.count + 1)))  // cut anywhere
            case 1: bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())  // one bad byte
            case 2:  // a lying length in the first header
                let h = Layout.cmsghdr.cmsg_len
                bytes.withUnsafeMutableBytes { _ = $0.storeUnsigned(random.next() % 512, at: h.offset, size: h.size) }
            default: break
            }
            let decoded = decode(bytes)
            #expect(decoded.reduce(0) { $0 + $1.data.count } <= bytes.count)
        }
    }

    // MARK: Addresses

    static let families: [CInt] = [Native.AF_INET, Native.AF_INET6, Native.AF_LOCAL, Native.AF_PACKET, Native.AF_UNSPEC, Native.AF_NETLINK, 12345]

    @Test func randomAddressesOfEveryLengthNeverCrashOrOverRead() {
        var random = Random(state: 42)
        let familyField = Layout.sockaddr.sa_family
        for family in Self.families {
            for length in 0...(SocketAddress.storageSize + 4) {
                var bytes = random.bytes(length)
                if length >= familyField.end {
                    bytes.withUnsafeMutableBytes { _ = $0.storeUnsigned(UInt64(UInt32(bitPattern: family)) & 0xFFFF, at: familyField.offset, size: familyField.size) }
                }
                let decoded = address(bytes)
                if length < familyField.end { #expect(decoded == .unspec([])) }
            }
        }
    }

    @Test func aShortAddressOfAKnownFamilyKeepsItsBytes() throws {
        for original in [SocketAddress.inet(.loopback, port: 80), .inet6(.loopback, port: 443, flowinfo: 5, scopeID: 1),
                         .packet(PacketAddress(protocol: 3, ifindex: 1, pkttype: .host, hatype: .loopback, address: [1, 2, 3, 4, 5, 6]))] {
            let bytes = try original.withNative { (raw, length) throws(SocketError) in Array(UnsafeRawBufferPointer(start: raw, count: length)) }
            #expect(address(bytes) == original)
            let short = address(Array(bytes.dropLast()))
            guard case .native(let family, let rest) = short else { Issue.record("\(short)"); continue }
            #expect(family == original.domain?.rawValue)
            #expect(rest == Array(bytes[Layout.sockaddr.sa_family.end..<(bytes.count - 1)]))
        }
    }

    @Test func packetAddressesRoundTripWithTheirTypeAndHardwareType() throws {
        let original = SocketAddress.packet(PacketAddress(protocol: UInt16(Native.ETH_P_802_EX1), ifindex: 7, pkttype: .outgoing,
                                                          hatype: .ether, address: [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]))
        let bytes = try original.withNative { (raw, length) throws(SocketError) in Array(UnsafeRawBufferPointer(start: raw, count: length)) }
        #expect(bytes.count == Layout.sockaddr_ll.size)
        #expect(address(bytes) == original)
        // A hardware length beyond sll_addr is cut to the field, never read past it.
        var lying = bytes
        lying[Layout.sockaddr_ll.sll_halen.offset] = 255
        guard case .packet(let decoded) = address(lying) else { Issue.record("not packet"); return }
        #expect(decoded.address.count == Layout.sockaddr_ll.sll_addr.size)
    }

    @Test func unknownFamiliesAndUnspecKeepTheirRawBytes() throws {
        for original in [SocketAddress.native(family: 12345, bytes: [1, 2, 3]), .native(family: Native.AF_NETLINK, bytes: Array(repeating: 9, count: 10)),
                         .unspec([4, 5]), .unspec([])] {
            let bytes = try original.withNative { (raw, length) throws(SocketError) in Array(UnsafeRawBufferPointer(start: raw, count: length)) }
            #expect(address(bytes) == original)
        }
        // Erlang's `link` family (AF_LINK, sockaddr_dl) does not exist on Linux.
        #expect(Domain(name: "link") == nil || !SpecTables.currentTriple.contains("linux"))
    }
}
