import OTPSocket
import SocketConstants
import SocketSpec

/// Seed corpora: well-formed inputs for each target, from which libFuzzer mutates. The
/// committed corpora in `Fuzz/Corpus/<target>/` were written by
/// `otp-socket-fuzz --target=NAME --write-seeds DIR`.
public enum FuzzSeeds {
    public static func seeds(for target: FuzzTarget, specDirectory: String) -> [[UInt8]] {
        switch target {
        case .specParser: return specParser(specDirectory)
        case .controlMessages: return controlMessages()
        case .addresses: return addresses()
        case .optionValues:
            return OptionValueTarget.types.enumerated().map { index, type in [UInt8(index)] + [UInt8](repeating: 0, count: type.capacity) }
        }
    }

    /// The first rows of every table in the spec directory, one file per seed, and the levels
    /// with the options that refer to them.
    static func specParser(_ directory: String) -> [[UInt8]] {
        let kinds = SpecParserTarget.kinds
        func file(_ name: String, lines: Int) -> [UInt8]? {
            guard let kind = SpecParser.kind(ofFile: name), let index = kinds.firstIndex(of: kind),
                  let bytes = try? FileSystem.readBytes("\(directory)/\(name)") else { return nil }
            let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).prefix(lines)
            return [UInt8(index)] + Array(text.joined(separator: "\n").utf8)
        }
        var seeds = FileSystem.list(directory).filter { $0.hasSuffix(".tbl") }.compactMap { file($0, lines: 40) }
        if let levels = file("levels.tbl", lines: 40), let options = file("options.tbl", lines: 40),
           let structs = file("structs-core.tbl", lines: 60), let values = file("values.tbl", lines: 30) {
            seeds.append(levels + [0] + options)
            seeds.append(structs + [0] + values)
        }
        return seeds
    }

    static func controlMessages() -> [[UInt8]] {
        let lists: [[CmsgSend]] = [
            [.timestamp(Timeval(sec: 1_700_000_000, usec: 123))], [.rights([0, 1, 2])], [.credentials(Ucred(pid: 1, uid: 0, gid: 0))],
            [.tos(.lowdelay), .ttl(64)], [.pktinfo(InPktinfo(ifindex: 1, specDst: .loopback, addr: .loopback))],
            [.hoplimit(255), .tclass(4), .ipv6Pktinfo(In6Pktinfo(addr: .loopback, ifindex: 1))], [.udpSegment(1400)],
            [.native(level: .ip, type: Native.IP_RECVERR, data: [UInt8](repeating: 0, count: Layout.sock_extended_err.size + 16))],
            [.native(level: .socket, type: Native.SCM_TIMESTAMPNS, data: [UInt8](repeating: 1, count: Layout.timespec.size))],
        ]
        var seeds = lists.compactMap { try? [0] + CmsgSend.encode($0) }
        seeds += [[1, 0, 0, 0, 0], [1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 3], [1, 4, 64, 3, 1, 5, 7, 9, 10, 200, 10, 1, 2, 3]]
        return seeds
    }

    static func addresses() -> [[UInt8]] {
        let addresses: [SocketAddress] = [
            .inet(.loopback, port: 80), .inet6(.loopback, port: 443, flowinfo: 5, scopeID: 1), .local(path: "/tmp/socket"),
            .local([0] + Array("abstract".utf8)), .unspec([1, 2]), .native(family: Native.AF_NETLINK, bytes: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
            .packet(PacketAddress(protocol: 3, ifindex: 1, pkttype: .host, hatype: .ether, address: [1, 2, 3, 4, 5, 6])),
        ]
        var seeds = addresses.compactMap { try? [0] + $0.nativeBytes() }
        seeds += [[1, 0] + Array("/tmp/x".utf8), [1, 1] + Array("name".utf8)]
        return seeds
    }
}
