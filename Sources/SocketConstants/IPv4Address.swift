/// An IPv4 address: Erlang `in_addr()`, a 4-tuple, or one of `any`, `loopback`, `broadcast`.
@frozen
public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    /// The four bytes in network order, `a.b.c.d`.
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        bytes = (a, b, c, d)
    }

    /// From a host-order 32-bit value such as `INADDR_LOOPBACK`.
    @inlinable
    public init(hostOrder value: UInt32) {
        self.init(UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                  UInt8(truncatingIfNeeded: value))
    }

    /// Parses dotted-quad text (`"127.0.0.1"`); `nil` when it is not one. As `inet_pton`,
    /// each part is 1 to 3 decimal digits without a leading zero (`"010"` could mean octal
    /// to `inet_aton`), and no sign.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ ("0"..."9").contains($0) }),
                  part.count == 1 || part.first != "0", let octet = UInt8(part) else { return nil }
            octets.append(octet)
        }
        self.init(octets[0], octets[1], octets[2], octets[3])
    }

    @inlinable public var hostOrder: UInt32 {
        UInt32(bytes.0) << 24 | UInt32(bytes.1) << 16 | UInt32(bytes.2) << 8 | UInt32(bytes.3)
    }

    /// `INADDR_ANY`, Erlang `any`.
    public static let any = IPv4Address(0, 0, 0, 0)
    /// `INADDR_LOOPBACK`, Erlang `loopback`.
    public static let loopback = IPv4Address(127, 0, 0, 1)
    /// `INADDR_BROADCAST`, Erlang `broadcast`.
    public static let broadcast = IPv4Address(255, 255, 255, 255)

    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }

    public static func == (a: IPv4Address, b: IPv4Address) -> Bool { a.hostOrder == b.hostOrder }
    public func hash(into hasher: inout Hasher) { hasher.combine(hostOrder) }
}

extension IPv4Address: NativeField {
    @inlinable
    public func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool {
        guard field.size == 4 else { return false }
        raw[field.offset] = bytes.0
        raw[field.offset + 1] = bytes.1
        raw[field.offset + 2] = bytes.2
        raw[field.offset + 3] = bytes.3
        return true
    }

    @inlinable
    public static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> IPv4Address {
        IPv4Address(raw[field.offset], raw[field.offset + 1], raw[field.offset + 2], raw[field.offset + 3])
    }
}
