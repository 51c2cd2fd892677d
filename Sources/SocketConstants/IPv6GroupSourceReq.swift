/// The value of `{ipv6, join_source_group}`, `leave_source_group`, `block_source` and
/// `unblock_source`: C `struct group_source_req` (RFC 3678) with IPv6 addresses. A Linux
/// extra: OTP filters multicast sources only for IPv4 (`ip_mreq_source`).
public struct IPv6GroupSourceReq: Sendable, Hashable {
    /// The interface index (`gsr_interface`); 0 lets the kernel choose by route.
    public var interface: UInt
    /// The multicast group (`gsr_group`, a `sockaddr_in6`).
    public var group: IPv6Address
    /// The source to accept or block (`gsr_source`, a `sockaddr_in6`).
    public var source: IPv6Address

    public init(interface: UInt = 0, group: IPv6Address = .any, source: IPv6Address = .any) {
        self.interface = interface
        self.group = group
        self.source = source
    }

    /// A `sockaddr_in6` of `address` inside the `sockaddr_storage` member at `member`.
    static func store(_ address: IPv6Address, in raw: UnsafeMutableRawBufferPointer, at member: FieldLayout, _ name: String) throws(InvalidValue) {
        guard member.size >= Layout.sockaddr_in6.size else { throw InvalidValue("\(name): no room for a sockaddr_in6") }
        let family = Layout.sockaddr_in6.sin6_family
        try raw.storeField(UInt(Native.AF_INET6), FieldLayout(offset: member.offset + family.offset, size: family.size), name)
        let addr = Layout.sockaddr_in6.sin6_addr
        try raw.storeField(address, FieldLayout(offset: member.offset + addr.offset, size: addr.size), name)
    }

    static func load(from raw: UnsafeRawBufferPointer, at member: FieldLayout, _ name: String) throws(InvalidValue) -> IPv6Address {
        let family = Layout.sockaddr_in6.sin6_family
        let kind: UInt = try raw.loadField(FieldLayout(offset: member.offset + family.offset, size: family.size), name)
        guard kind == UInt(Native.AF_INET6) else { throw InvalidValue("\(name): family \(kind) is not inet6") }
        let addr = Layout.sockaddr_in6.sin6_addr
        return try raw.loadField(FieldLayout(offset: member.offset + addr.offset, size: addr.size), name)
    }
}

extension IPv6GroupSourceReq: SocketOptionValue {
    public static var nativeCapacity: Int { Layout.group_source_req.size }

    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        try withNativeStorage(size: Layout.group_source_req.size, alignment: Layout.group_source_req.alignment) { (raw) throws(InvalidValue) in
            try raw.storeField(interface, Layout.group_source_req.gsr_interface, "interface")
            try IPv6GroupSourceReq.store(group, in: raw, at: Layout.group_source_req.gsr_group, "group")
            try IPv6GroupSourceReq.store(source, in: raw, at: Layout.group_source_req.gsr_source, "source")
            return body(UnsafeRawBufferPointer(raw))
        }
    }

    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        interface = try raw.loadField(Layout.group_source_req.gsr_interface, "interface")
        group = try IPv6GroupSourceReq.load(from: raw, at: Layout.group_source_req.gsr_group, "group")
        source = try IPv6GroupSourceReq.load(from: raw, at: Layout.group_source_req.gsr_source, "source")
    }
}

extension IPv6GroupSourceReq: StructuredOptionValue {
    public init() { self.init(interface: 0) }

    public static var fieldNames: [String] { ["interface", "group", "source"] }

    public var fields: [(name: String, value: FieldValue)] {
        [("interface", .uint(interface)), ("group", .in6Addr(group)), ("source", .in6Addr(source))]
    }

    public mutating func setField(_ name: String, to value: FieldValue) throws(InvalidValue) {
        switch name {
        case "interface": interface = try value.uint(name)
        case "group": group = try value.in6Addr(name)
        case "source": source = try value.in6Addr(name)
        default: throw InvalidValue("\(Self.self) has no field \(name)")
        }
    }
}
