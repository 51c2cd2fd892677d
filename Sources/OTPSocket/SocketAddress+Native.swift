import SocketConstants

extension SocketAddress {
    /// Bytes enough for any address the kernel returns.
    static var storageSize: Int { Layout.sockaddr_storage.size }

    /// Encodes the address as a C `struct sockaddr_*` and calls `body` with it and its length.
    func withNative<R>(_ body: (UnsafeRawPointer, Int) throws(SocketError) -> R) throws(SocketError) -> R {
        let result: Result<R, SocketError> = withUnsafeTemporaryAllocation(
            byteCount: Layout.sockaddr_storage.size, alignment: Layout.sockaddr_storage.alignment
        ) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            do throws(SocketError) {
                let length = try encode(into: raw)
                return .success(try body(UnsafeRawPointer(raw.baseAddress!), length))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The C encoding that `bind`, `connect` and `sendto` hand the kernel: the inverse of
    /// ``init(native:)``. (Erlang has no counterpart.) An address that has no C form, such as a
    /// local path too long for `sun_path` or a flow label over 20 bits, is `invalid`.
    public func nativeBytes() throws(SocketError) -> [UInt8] {
        try withNative { (raw, length) throws(SocketError) in Array(UnsafeRawBufferPointer(start: raw, count: length)) }
    }

    /// Writes the C encoding into `raw` (zeroed, `sockaddr_storage`-sized); returns its length.
    func encode(into raw: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int {
        func family(_ field: FieldLayout, _ value: CInt) {
            _ = raw.storeUnsigned(UInt64(value), at: field.offset, size: field.size)
        }
        func port(_ field: FieldLayout, _ value: UInt16) {
            raw[field.offset] = UInt8(value >> 8)
            raw[field.offset + 1] = UInt8(truncatingIfNeeded: value)
        }
        switch self {
        case .inet(let address, let p):
            family(Layout.sockaddr_in.sin_family, Native.AF_INET)
            port(Layout.sockaddr_in.sin_port, p)
            _ = address.store(into: raw, at: Layout.sockaddr_in.sin_addr)
            return Layout.sockaddr_in.size
        case .inet6(let address, let p, let flowinfo, let scopeID):
            family(Layout.sockaddr_in6.sin6_family, Native.AF_INET6)
            port(Layout.sockaddr_in6.sin6_port, p)
            // flowinfo travels in network byte order, the scope id in host order.
            guard flowinfo <= 0xFFFFF else { throw .invalid("flowinfo \(flowinfo) is not 0..1048575") }
            let flow = Layout.sockaddr_in6.sin6_flowinfo
            raw.storeBytes(of: flowinfo.bigEndian, toByteOffset: flow.offset, as: UInt32.self)
            _ = address.store(into: raw, at: Layout.sockaddr_in6.sin6_addr)
            _ = raw.storeUnsigned(UInt64(scopeID), at: Layout.sockaddr_in6.sin6_scope_id.offset, size: Layout.sockaddr_in6.sin6_scope_id.size)
            return Layout.sockaddr_in6.size
        case .local(let path):
            family(Layout.sockaddr_un.sun_family, Native.AF_LOCAL)
            let field = Layout.sockaddr_un.sun_path
            let abstract = path.first == 0
            // A file-system path needs room for its terminating NUL; an abstract one does not.
            guard path.count + (abstract ? 0 : 1) <= field.size else {
                throw .invalid("local path of \(path.count) bytes is longer than \(field.size - (abstract ? 0 : 1))")
            }
            guard abstract || !path.contains(0) else { throw .invalid("local path contains a NUL byte") }
            for (i, byte) in path.enumerated() { raw[field.offset + i] = byte }
            return field.offset + path.count + (abstract || path.isEmpty ? 0 : 1)
        case .packet(let address):
            family(Layout.sockaddr_ll.sll_family, Native.AF_PACKET)
            let proto = Layout.sockaddr_ll.sll_protocol
            raw[proto.offset] = UInt8(address.protocol >> 8)
            raw[proto.offset + 1] = UInt8(truncatingIfNeeded: address.protocol)
            _ = raw.storeSigned(Int64(address.ifindex), at: Layout.sockaddr_ll.sll_ifindex.offset, size: Layout.sockaddr_ll.sll_ifindex.size)
            guard raw.storeUnsigned(UInt64(UInt32(bitPattern: address.hatype.rawValue)), at: Layout.sockaddr_ll.sll_hatype.offset, size: Layout.sockaddr_ll.sll_hatype.size),
                  raw.storeUnsigned(UInt64(UInt32(bitPattern: address.pkttype.rawValue)), at: Layout.sockaddr_ll.sll_pkttype.offset, size: Layout.sockaddr_ll.sll_pkttype.size)
            else { throw .invalid("packet address hatype/pkttype out of range") }
            let addr = Layout.sockaddr_ll.sll_addr
            guard address.address.count <= addr.size else { throw .invalid("packet address of \(address.address.count) bytes") }
            _ = raw.storeUnsigned(UInt64(address.address.count), at: Layout.sockaddr_ll.sll_halen.offset, size: Layout.sockaddr_ll.sll_halen.size)
            for (i, byte) in address.address.enumerated() { raw[addr.offset + i] = byte }
            return Layout.sockaddr_ll.size
        case .unspec(let bytes):
            return try encodeRaw(family: Native.AF_UNSPEC, bytes: bytes, into: raw)
        case .native(let f, let bytes):
            return try encodeRaw(family: f, bytes: bytes, into: raw)
        }
    }

    func encodeRaw(family: CInt, bytes: [UInt8], into raw: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int {
        let field = Layout.sockaddr.sa_family
        guard field.end + bytes.count <= raw.count else { throw .invalid("address of \(bytes.count) bytes is too long") }
        _ = raw.storeUnsigned(UInt64(UInt32(bitPattern: family)), at: field.offset, size: field.size)
        for (i, byte) in bytes.enumerated() { raw[field.end + i] = byte }
        return field.end + bytes.count
    }

    /// Decodes the `length` bytes the kernel returned. Never reads past them: a short
    /// address of a known family comes back as `.native`.
    public init(native raw: UnsafeRawBufferPointer) {
        let familyField = Layout.sockaddr.sa_family
        guard raw.count >= familyField.end else {
            self = .unspec([])
            return
        }
        let family = CInt(truncatingIfNeeded: raw.loadUnsigned(at: familyField.offset, size: familyField.size))
        // The bytes after the family, copied only for the families kept as bytes: an inet
        // address (every `recvfrom`'s source) allocates nothing.
        var rest: [UInt8] { Array(raw[familyField.end...]) }
        func port(_ field: FieldLayout) -> UInt16 { UInt16(raw[field.offset]) << 8 | UInt16(raw[field.offset + 1]) }
        if family == Native.AF_INET, raw.count >= Layout.sockaddr_in.size {
            self = .inet(IPv4Address.load(from: raw, at: Layout.sockaddr_in.sin_addr), port: port(Layout.sockaddr_in.sin_port))
        } else if family == Native.AF_INET6, raw.count >= Layout.sockaddr_in6.size {
            let flow = raw.loadUnaligned(fromByteOffset: Layout.sockaddr_in6.sin6_flowinfo.offset, as: UInt32.self)
            let scope = raw.loadUnsigned(at: Layout.sockaddr_in6.sin6_scope_id.offset, size: Layout.sockaddr_in6.sin6_scope_id.size)
            self = .inet6(IPv6Address.load(from: raw, at: Layout.sockaddr_in6.sin6_addr), port: port(Layout.sockaddr_in6.sin6_port),
                          flowinfo: UInt32(bigEndian: flow), scopeID: UInt32(truncatingIfNeeded: scope))
        } else if family == Native.AF_LOCAL {
            let start = Layout.sockaddr_un.sun_path.offset
            var path = raw.count > start ? Array(raw[start...]) : []
            if path.first != 0, let nul = path.firstIndex(of: 0) { path = Array(path[..<nul]) }
            self = .local(path)
        } else if family == Native.AF_PACKET, raw.count >= Layout.sockaddr_ll.size {
            let l = Layout.sockaddr_ll.self
            let halen = Int(raw.loadUnsigned(at: l.sll_halen.offset, size: l.sll_halen.size))
            self = .packet(PacketAddress(
                protocol: port(l.sll_protocol),
                ifindex: Int32(truncatingIfNeeded: raw.loadSigned(at: l.sll_ifindex.offset, size: l.sll_ifindex.size)),
                pkttype: PacketType(rawValue: CInt(truncatingIfNeeded: raw.loadUnsigned(at: l.sll_pkttype.offset, size: l.sll_pkttype.size))),
                hatype: Hatype(rawValue: CInt(truncatingIfNeeded: raw.loadUnsigned(at: l.sll_hatype.offset, size: l.sll_hatype.size))),
                address: Array(raw[l.sll_addr.offset..<(l.sll_addr.offset + min(halen, l.sll_addr.size))])))
        } else if family == Native.AF_UNSPEC {
            self = .unspec(rest)
        } else {
            self = .native(family: family, bytes: rest)
        }
    }
}
