import SocketConstants

extension Socket {
    /// Erlang `ioctl(Socket, gifconf)`: the interfaces with an address of this socket's
    /// family, and the address (on Linux: IPv4 only, so ask an `inet` socket). The list is read
    /// whole however many interfaces there are (OTP stops at a fixed buffer).
    public func ioctl(_ request: IoctlGet<Void, [InterfaceAddress]>) throws(SocketError) -> [InterfaceAddress] {
        try withDescriptor { (fd) throws(SocketError) in
            let entry = Layout.ifreq.size
            // With no buffer, Linux reports the length the list needs.
            var needed = try Socket.ifconf(fd, request.request, buffer: nil, length: 0)
            while true {
                let capacity = needed + 4 * entry
                let result: Result<[InterfaceAddress]?, SocketError> = withUnsafeTemporaryAllocation(
                    byteCount: max(capacity, 1), alignment: Layout.ifreq.alignment
                ) { buffer in
                    buffer.initializeMemory(as: UInt8.self, repeating: 0)
                    let used: Int
                    do throws(SocketError) {
                        used = try Socket.ifconf(fd, request.request, buffer: buffer.baseAddress, length: capacity)
                    } catch {
                        return .failure(error)
                    }
                    // A full buffer may have cut the list short: try again with more room.
                    if used + entry > capacity { needed = capacity; return .success(nil) }
                    let view = UnsafeRawBufferPointer(buffer)
                    var list: [InterfaceAddress] = []
                    var offset = 0
                    while offset + entry <= used {
                        let item = UnsafeRawBufferPointer(rebasing: view[offset..<(offset + entry)])
                        let field = Layout.ifreq.ifr_addr
                        list.append(InterfaceAddress(
                            name: IoctlCodec.name(item, Layout.ifreq.ifr_name),
                            address: SocketAddress(native: UnsafeRawBufferPointer(rebasing: item[field.offset..<field.end]))))
                        offset += entry
                    }
                    return .success(list)
                }
                if let list = try result.get() { return list }
            }
        }
    }

    /// Erlang `ioctl(Socket, nread | atmark)` (OTP 26) and Linux's `outq`: a request about the
    /// socket's own queues, answered with an `int`.
    public func ioctl<Value>(_ request: IoctlGet<Void, Value>) throws(SocketError) -> Value {
        try withDescriptor { (fd) throws(SocketError) in
            let field = request.field
            let result: Result<Value, SocketError> = withUnsafeTemporaryAllocation(byteCount: field.end, alignment: 8) { raw in
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                switch Syscall.ioctl(fd, request.request, raw.baseAddress!) {
                case .failure(let errno): return .failure(.errno(errno))
                case .success: return .success(request.decode(UnsafeRawBufferPointer(raw), field))
                }
            }
            return try result.get()
        }
    }

    /// One `SIOCGIFCONF` call; returns `ifc_len` as the kernel left it.
    static func ifconf(_ fd: CInt, _ request: CUnsignedLong, buffer: UnsafeMutableRawPointer?, length: Int) throws(SocketError) -> Int {
        let conf = Layout.ifconf.self
        guard let ifcLength = CInt(exactly: length) else { throw .invalid("ifconf buffer of \(length) bytes") }
        let result: Result<Int, SocketError> = withUnsafeTemporaryAllocation(byteCount: conf.size, alignment: conf.alignment) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            _ = raw.storeSigned(Int64(ifcLength), at: conf.ifc_len.offset, size: conf.ifc_len.size)
            let address = UInt64(UInt(bitPattern: buffer))
            _ = raw.storeUnsigned(address, at: conf.ifc_buf.offset, size: conf.ifc_buf.size)
            switch Syscall.ioctl(fd, request, raw.baseAddress!) {
            case .failure(let errno): return .failure(.errno(errno))
            case .success:
                return .success(Int(UnsafeRawBufferPointer(raw).loadSigned(at: conf.ifc_len.offset, size: conf.ifc_len.size)))
            }
        }
        return try result.get()
    }

    /// Erlang `ioctl(Socket, gifname, Index)`: the name of the interface with this index
    /// (`enodev` when there is none).
    public func ioctl(_ request: IoctlGet<Int32, String>, _ index: Int32) throws(SocketError) -> String {
        try ifreq(request.request) { (raw) throws(InvalidValue) in
            _ = raw.storeSigned(Int64(index), at: Layout.ifreq.ifr_ifindex.offset, size: Layout.ifreq.ifr_ifindex.size)
        } read: { raw in
            request.decode(raw, request.field)
        }
    }

    /// Erlang `ioctl(Socket, GetRequest, Name)`: one parameter of the interface called `name`:
    /// `gifindex`, `gifaddr`, `gifdstaddr`, `gifbrdaddr`, `gifnetmask`, `gifhwaddr`, `gifmtu`,
    /// `giftxqlen`, `gifflags` or `gifmap`. An unknown interface is `enodev`; a name of
    /// `IFNAMSIZ` bytes or more is `invalid`. Unlike OTP, a request is named by a typed key, so
    /// the result has its own type (an `Int32`, a ``SocketAddress``, ...).
    public func ioctl<Value>(_ request: IoctlGet<String, Value>, _ name: String) throws(SocketError) -> Value {
        try ifreq(request.request) { (raw) throws(InvalidValue) in
            try IoctlCodec.store(name: name, into: raw)
        } read: { raw in
            request.decode(raw, request.field)
        }
    }

    /// Erlang `ioctl(Socket, SetRequest, Name, Value)`: sets one parameter of the interface
    /// called `name`: `sifflags` (a map of flags to set or clear), `sifaddr`, `sifdstaddr`,
    /// `sifbrdaddr`, `sifnetmask` (addresses of the socket's family), `sifmtu` or `siftxqlen`.
    /// Privileged: `eperm` without `CAP_NET_ADMIN` in the socket's network namespace.
    public func ioctl<Value>(_ request: IoctlSet<Value>, _ name: String, _ value: Value) throws(SocketError) {
        try withDescriptor { (fd) throws(SocketError) in
            let layout = Layout.ifreq.self
            let result: Result<Void, SocketError> = withUnsafeTemporaryAllocation(byteCount: layout.size, alignment: layout.alignment) { raw in
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                do throws(InvalidValue) {
                    try IoctlCodec.store(name: name, into: raw)
                } catch {
                    return .failure(.invalid(error.what))
                }
                if let current = request.readFirst, case .failure(let errno) = Syscall.ioctl(fd, current, raw.baseAddress!) {
                    return .failure(.errno(errno))
                }
                do throws(InvalidValue) {
                    try request.encode(value, raw, request.field)
                } catch {
                    return .failure(.invalid("\(request.name) \(value): \(error.what)"))
                }
                return Syscall.ioctl(fd, request.request, raw.baseAddress!).map { _ in () }.mapError { .errno($0) }
            }
            try result.get()
        }
    }

    /// Runs one `ifreq` request: `fill` writes the key, the kernel answers, `read` decodes.
    func ifreq<Value>(_ request: CUnsignedLong, fill: (UnsafeMutableRawBufferPointer) throws(InvalidValue) -> Void,
                      read: (UnsafeRawBufferPointer) -> Value) throws(SocketError) -> Value {
        try withDescriptor { (fd) throws(SocketError) in
            let layout = Layout.ifreq.self
            let result: Result<Value, SocketError> = withUnsafeTemporaryAllocation(byteCount: layout.size, alignment: layout.alignment) { raw in
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                do throws(InvalidValue) {
                    try fill(raw)
                } catch {
                    return .failure(.invalid(error.what))
                }
                switch Syscall.ioctl(fd, request, raw.baseAddress!) {
                case .failure(let errno): return .failure(.errno(errno))
                case .success: return .success(read(UnsafeRawBufferPointer(raw)))
                }
            }
            return try result.get()
        }
    }
}
