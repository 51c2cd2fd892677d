import SocketConstants

/// A socket address: Erlang `sockaddr()`.
///
/// The C encoding lives in `SocketAddress+Native.swift`, with every offset and size from the
/// generated `Layout`.
public enum SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// Erlang `sockaddr_in()`: `#{family => inet, addr, port}`.
    case inet(IPv4Address, port: UInt16)
    /// Erlang `sockaddr_in6()`: `#{family => inet6, addr, port, flowinfo, scope_id}`.
    case inet6(IPv6Address, port: UInt16, flowinfo: UInt32 = 0, scopeID: UInt32 = 0)
    /// Erlang `sockaddr_un()`: the path as bytes. A path whose first byte is zero is a Linux
    /// abstract address and passes through untouched; any other path gets its terminating
    /// NUL added on the way in and stripped on the way out.
    case local([UInt8])
    /// Erlang `sockaddr_ll()`: a link-level (`packet`) address.
    case packet(PacketAddress)
    /// Erlang `sockaddr_unspec()`: family `AF_UNSPEC` and the raw bytes after the family.
    case unspec([UInt8])
    /// Erlang `sockaddr_native()`: an address of a family this library does not decode,
    /// with its raw bytes after the family. Erlang's `sockaddr_dl()` (`link`, `AF_LINK`) has
    /// no Linux counterpart: where a platform has it, such an address comes back here.
    case native(family: CInt, bytes: [UInt8])

    /// A local (unix) address from a file-system path.
    public static func local(path: String) -> SocketAddress { .local(Array(path.utf8)) }

    /// The domain this address belongs to.
    public var domain: Domain? {
        switch self {
        case .inet: return .inet
        case .inet6: return .inet6
        case .local: return .local
        case .packet: return .packet
        case .unspec: return .unspec
        case .native(let family, _): return Domain(rawValue: family)
        }
    }

    /// The port of an inet or inet6 address.
    public var port: UInt16? {
        switch self {
        case .inet(_, let port), .inet6(_, let port, _, _): return port
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .inet(let address, let port): return "\(address):\(port)"
        case .inet6(let address, let port, _, let scope): return "[\(address)\(scope != 0 ? "%\(scope)" : "")]:\(port)"
        case .local(let path):
            if path.first == 0 { return "@" + String(decoding: path.dropFirst(), as: UTF8.self) }
            return String(decoding: path, as: UTF8.self)
        case .packet(let address): return "packet(ifindex \(address.ifindex))"
        case .unspec(let bytes): return "unspec(\(bytes.count) bytes)"
        case .native(let family, let bytes): return "native(family \(family), \(bytes.count) bytes)"
        }
    }
}

/// Erlang `sockaddr_ll()`: `#{family => packet, protocol, ifindex, pkttype, hatype, addr}`.
public struct PacketAddress: Sendable, Hashable {
    public var `protocol`: UInt16
    public var ifindex: Int32
    public var pkttype: PacketType
    public var hatype: Hatype
    public var address: [UInt8]

    public init(protocol: UInt16, ifindex: Int32, pkttype: PacketType, hatype: Hatype, address: [UInt8]) {
        self.protocol = `protocol`
        self.ifindex = ifindex
        self.pkttype = pkttype
        self.hatype = hatype
        self.address = address
    }
}
