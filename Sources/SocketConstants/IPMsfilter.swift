/// Erlang `ip_msfilter() | null`: the source filter of `{ip, msfilter}` (RFC 3376), a
/// variable-length C `struct ip_msfilter`. `.null` passes a NULL pointer and size 0.
public enum IPMsfilter: SocketOptionValue, Hashable, Sendable {
    /// Whether `sources` lists the senders to accept or to refuse.
    public enum Mode: Hashable, Sendable { case include, exclude }

    case null
    case filter(multiaddr: IPv4Address, interface: IPv4Address, mode: Mode, sources: [IPv4Address])

    public static var nativeCapacity: Int { Layout.ip_msfilter.size + 64 * 4 }

    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        guard case let .filter(multiaddr, interface, mode, sources) = self else {
            return body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let slist = Layout.ip_msfilter.imsf_slist
        let size = max(Layout.ip_msfilter.size, slist.offset + 4 * sources.count)
        return try withNativeStorage(size: size, alignment: Layout.ip_msfilter.alignment) { (raw) throws(InvalidValue) in
            try raw.storeField(multiaddr, Layout.ip_msfilter.imsf_multiaddr, "multiaddr")
            try raw.storeField(interface, Layout.ip_msfilter.imsf_interface, "interface")
            let fmode = Int(mode == .include ? Native.MCAST_INCLUDE : Native.MCAST_EXCLUDE)
            try raw.storeField(fmode, Layout.ip_msfilter.imsf_fmode, "mode")
            try raw.storeField(UInt(sources.count), Layout.ip_msfilter.imsf_numsrc, "slist")
            for (i, source) in sources.enumerated() {
                try raw.storeField(source, FieldLayout(offset: slist.offset + 4 * i, size: 4), "slist")
            }
            return body(UnsafeRawBufferPointer(raw))
        }
    }

    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        if raw.isEmpty { self = .null; return }
        let multiaddr: IPv4Address = try raw.loadField(Layout.ip_msfilter.imsf_multiaddr, "multiaddr")
        let interface: IPv4Address = try raw.loadField(Layout.ip_msfilter.imsf_interface, "interface")
        let fmode: Int = try raw.loadField(Layout.ip_msfilter.imsf_fmode, "mode")
        let count: UInt = try raw.loadField(Layout.ip_msfilter.imsf_numsrc, "numsrc")
        let slist = Layout.ip_msfilter.imsf_slist.offset
        guard count <= (raw.count - slist) / 4 else { throw InvalidValue("ip_msfilter: \(count) sources do not fit \(raw.count) bytes") }
        var sources: [IPv4Address] = []
        for i in 0..<Int(count) {
            sources.append(try raw.loadField(FieldLayout(offset: slist + 4 * i, size: 4), "slist"))
        }
        self = .filter(multiaddr: multiaddr, interface: interface, mode: fmode == Int(Native.MCAST_INCLUDE) ? .include : .exclude,
                       sources: sources)
    }
}
