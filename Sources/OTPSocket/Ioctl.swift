import SocketConstants

/// An Erlang `ioctl/2,3` get request, as a typed key: `Key` is what identifies the interface
/// (`Void` for `gifconf`, the index for `gifname`, the name for the others) and `Value` what
/// the request returns. `try socket.ioctl(.gifmtu, "lo")` is an `Int32`.
///
/// Each key is a row of `Spec/ioctls.tbl` (``row``); its request number is the generated
/// constant the row names.
public struct IoctlGet<Key, Value>: Sendable, CustomStringConvertible {
    /// The Erlang name (`gifaddr`).
    public let name: String
    let request: CUnsignedLong
    /// The `ifreq` member the request fills in.
    let field: FieldLayout
    let decode: @Sendable (UnsafeRawBufferPointer, FieldLayout) -> Value

    public var description: String { name }

    /// The spec row of this request.
    public var row: OptionInfo? { SpecTables.ioctlRequests.first { $0.name == name } }
}

/// An Erlang `ioctl/4` set request, as a typed key: `try socket.ioctl(.sifmtu, "veth0", 1400)`.
/// These are privileged operations (`eperm` without `CAP_NET_ADMIN`).
public struct IoctlSet<Value>: Sendable, CustomStringConvertible {
    /// The Erlang name (`sifaddr`).
    public let name: String
    let request: CUnsignedLong
    let field: FieldLayout
    /// A get request whose answer the value is applied to (`sifflags` changes some flags).
    var readFirst: CUnsignedLong? = nil
    let encode: @Sendable (Value, UnsafeMutableRawBufferPointer, FieldLayout) throws(InvalidValue) -> Void

    public var description: String { name }

    /// The spec row of this request.
    public var row: OptionInfo? { SpecTables.ioctlRequests.first { $0.name == name } }
}

/// One entry of Erlang's `ioctl(Socket, gifconf)`: an interface with an address of the
/// socket's family (`#{name, addr}`).
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var address: SocketAddress

    public init(name: String, address: SocketAddress) {
        self.name = name
        self.address = address
    }

    public var description: String { "\(name) \(address)" }
}

/// A hardware address from `gifhwaddr`: Erlang's `#{family := hatype(), addr := binary()}`.
public struct HardwareAddress: Sendable, Hashable, CustomStringConvertible {
    /// The device type (`ARPHRD_*`), Erlang's `family`.
    public var hatype: Hatype
    /// `sa_data` of `ifr_hwaddr` as the kernel filled it: the address, then zeros (unlike OTP,
    /// never stray bytes). The kernel does not say how long the address is.
    public var bytes: [UInt8]

    public init(hatype: Hatype, bytes: [UInt8]) {
        self.hatype = hatype
        self.bytes = bytes
    }

    /// The address as `ifr_hwaddr` carries it for an Ethernet-like device: the first
    /// `IFHWADDRLEN` bytes.
    public var address: [UInt8] { Array(bytes.prefix(Int(Native.IFHWADDRLEN))) }

    /// `ether 02:fc:00:00:00:01`.
    public var description: String {
        "\(hatype) " + address.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

// MARK: Get requests

extension IoctlGet where Key == Void, Value == [InterfaceAddress] {
    /// `SIOCGIFCONF`: the interfaces that have an address of the socket's family, with it.
    /// Linux lists IPv4 addresses only.
    public static var gifconf: Self {
        // Socket.ioctl(_:) walks the ifconf list itself; there is no single ifreq to decode.
        IoctlGet(name: "gifconf", request: Native.SIOCGIFCONF, field: Layout.ifreq.ifr_addr) { _, _ in [] }
    }
}

extension IoctlGet where Key == Void, Value == Int32 {
    /// `FIONREAD` (OTP 26 `nread`): bytes waiting to be read; on a datagram socket, the size
    /// of the next datagram.
    public static var nread: Self { queue("nread", Native.FIONREAD) }
    /// `TIOCOUTQ`, Linux's `SIOCOUTQ` (OTP 26 `nwrite` on Linux): bytes in the send queue that
    /// the peer has not acknowledged yet.
    public static var outq: Self { queue("outq", Native.TIOCOUTQ) }

    static func queue(_ name: String, _ request: CUnsignedLong) -> Self {
        IoctlGet(name: name, request: request, field: IoctlCodec.int) { raw, field in
            Int32(truncatingIfNeeded: raw.loadSigned(at: field.offset, size: field.size))
        }
    }
}

extension IoctlGet where Key == Void, Value == Bool {
    /// `SIOCATMARK` (OTP 26 `atmark`): whether the read position is at the urgent-data mark.
    public static var atmark: Self {
        IoctlGet(name: "atmark", request: Native.SIOCATMARK, field: IoctlCodec.int) { raw, field in
            raw.loadSigned(at: field.offset, size: field.size) != 0
        }
    }
}

extension IoctlGet where Key == Int32, Value == String {
    /// `SIOCGIFNAME`: the name of the interface with this index.
    public static var gifname: Self {
        IoctlGet(name: "gifname", request: Native.SIOCGIFNAME, field: Layout.ifreq.ifr_name) { raw, field in
            IoctlCodec.name(raw, field)
        }
    }
}

extension IoctlGet where Key == String, Value == Int32 {
    /// `SIOCGIFINDEX`: the interface's index.
    public static var gifindex: Self { int("gifindex", Native.SIOCGIFINDEX, Layout.ifreq.ifr_ifindex) }
    /// `SIOCGIFMTU`: the interface's MTU.
    public static var gifmtu: Self { int("gifmtu", Native.SIOCGIFMTU, Layout.ifreq.ifr_mtu) }
    /// `SIOCGIFTXQLEN`: the interface's transmit queue length.
    public static var giftxqlen: Self { int("giftxqlen", Native.SIOCGIFTXQLEN, Layout.ifreq.ifr_qlen) }

    static func int(_ name: String, _ request: CUnsignedLong, _ field: FieldLayout) -> Self {
        IoctlGet(name: name, request: request, field: field) { raw, field in
            Int32(truncatingIfNeeded: raw.loadSigned(at: field.offset, size: field.size))
        }
    }
}

extension IoctlGet where Key == String, Value == SocketAddress {
    /// `SIOCGIFADDR`: the interface's (first) address of the socket's family.
    public static var gifaddr: Self { address("gifaddr", Native.SIOCGIFADDR, Layout.ifreq.ifr_addr) }
    /// `SIOCGIFDSTADDR`: the peer address of a point-to-point interface (else its address).
    public static var gifdstaddr: Self { address("gifdstaddr", Native.SIOCGIFDSTADDR, Layout.ifreq.ifr_dstaddr) }
    /// `SIOCGIFBRDADDR`: the broadcast address.
    public static var gifbrdaddr: Self { address("gifbrdaddr", Native.SIOCGIFBRDADDR, Layout.ifreq.ifr_broadaddr) }
    /// `SIOCGIFNETMASK`: the network mask, as an address.
    public static var gifnetmask: Self { address("gifnetmask", Native.SIOCGIFNETMASK, Layout.ifreq.ifr_netmask) }

    static func address(_ name: String, _ request: CUnsignedLong, _ field: FieldLayout) -> Self {
        IoctlGet(name: name, request: request, field: field) { raw, field in
            SocketAddress(native: UnsafeRawBufferPointer(rebasing: raw[field.offset..<field.end]))
        }
    }
}

extension IoctlGet where Key == String, Value == HardwareAddress {
    /// `SIOCGIFHWADDR`: the hardware address and device type.
    public static var gifhwaddr: Self {
        IoctlGet(name: "gifhwaddr", request: Native.SIOCGIFHWADDR, field: Layout.ifreq.ifr_hwaddr) { raw, field in
            let family = Layout.sockaddr.sa_family
            let type = raw.loadUnsigned(at: field.offset + family.offset, size: family.size)
            return HardwareAddress(hatype: Hatype(rawValue: CInt(truncatingIfNeeded: type)),
                                   bytes: Array(raw[(field.offset + family.end)..<field.end]))
        }
    }
}

extension IoctlGet where Key == String, Value == IoctlFlags {
    /// `SIOCGIFFLAGS`: the active flag word, decoded to names by ``IoctlFlags/names``. Linux
    /// reports the low 16 bits only: `lower_up`, `dormant` and `echo` never appear.
    public static var gifflags: Self {
        IoctlGet(name: "gifflags", request: Native.SIOCGIFFLAGS, field: Layout.ifreq.ifr_flags) { raw, field in
            IoctlCodec.flags(raw, field)
        }
    }
}

extension IoctlGet where Key == String, Value == IfMap {
    /// `SIOCGIFMAP`: the device's hardware parameters (Erlang `ioctl_device_map()`).
    public static var gifmap: Self {
        IoctlGet(name: "gifmap", request: Native.SIOCGIFMAP, field: Layout.ifreq.ifr_map) { raw, field in
            func load(_ member: FieldLayout) -> UInt {
                UInt(truncatingIfNeeded: raw.loadUnsigned(at: field.offset + member.offset, size: member.size))
            }
            let map = Layout.ifmap.self
            return IfMap(memStart: load(map.mem_start), memEnd: load(map.mem_end), baseAddr: load(map.base_addr),
                         irq: load(map.irq), dma: load(map.dma), port: load(map.port))
        }
    }
}

// MARK: Set requests

extension IoctlSet where Value == [IoctlFlags: Bool] {
    /// `SIOCSIFFLAGS`: sets (`true`) or clears (`false`) each flag named, leaving the others as
    /// `SIOCGIFFLAGS` reads them (Erlang's `#{Flag => boolean()}`).
    public static var sifflags: Self {
        IoctlSet(name: "sifflags", request: Native.SIOCSIFFLAGS, field: Layout.ifreq.ifr_flags,
                 readFirst: Native.SIOCGIFFLAGS) { (changes, raw, field) throws(InvalidValue) in
            var flags = IoctlCodec.flags(UnsafeRawBufferPointer(raw), field)
            for (flag, on) in changes {
                if on { flags.formUnion(flag) } else { flags.subtract(flag) }
            }
            guard raw.storeUnsigned(UInt64(UInt32(bitPattern: flags.rawValue)), at: field.offset, size: field.size) else {
                throw InvalidValue("flags \(flags) do not fit the \(field.size)-byte ifr_flags")
            }
        }
    }
}

extension IoctlSet where Value == SocketAddress {
    /// `SIOCSIFADDR`: the interface's address.
    public static var sifaddr: Self { address("sifaddr", Native.SIOCSIFADDR, Layout.ifreq.ifr_addr) }
    /// `SIOCSIFDSTADDR`: the peer address of a point-to-point interface.
    public static var sifdstaddr: Self { address("sifdstaddr", Native.SIOCSIFDSTADDR, Layout.ifreq.ifr_dstaddr) }
    /// `SIOCSIFBRDADDR`: the broadcast address.
    public static var sifbrdaddr: Self { address("sifbrdaddr", Native.SIOCSIFBRDADDR, Layout.ifreq.ifr_broadaddr) }
    /// `SIOCSIFNETMASK`: the network mask.
    public static var sifnetmask: Self { address("sifnetmask", Native.SIOCSIFNETMASK, Layout.ifreq.ifr_netmask) }

    static func address(_ name: String, _ request: CUnsignedLong, _ field: FieldLayout) -> Self {
        IoctlSet(name: name, request: request, field: field) { (address, raw, field) throws(InvalidValue) in
            try IoctlCodec.store(address, into: raw, field)
        }
    }
}

extension IoctlSet where Value == Int32 {
    /// `SIOCSIFMTU`: the interface's MTU.
    public static var sifmtu: Self { int("sifmtu", Native.SIOCSIFMTU, Layout.ifreq.ifr_mtu) }
    /// `SIOCSIFTXQLEN`: the transmit queue length.
    public static var siftxqlen: Self { int("siftxqlen", Native.SIOCSIFTXQLEN, Layout.ifreq.ifr_qlen) }

    static func int(_ name: String, _ request: CUnsignedLong, _ field: FieldLayout) -> Self {
        IoctlSet(name: name, request: request, field: field) { (value, raw, field) throws(InvalidValue) in
            guard raw.storeSigned(Int64(value), at: field.offset, size: field.size) else {
                throw InvalidValue("\(value) does not fit the \(field.size)-byte ifreq member")
            }
        }
    }
}

/// The Erlang names of every interface request this library implements, for checking them
/// against `Spec/ioctls.tbl`.
public enum IoctlRequests {
    /// The get requests: `gifconf` ... `gifmap`.
    public static var get: [(name: String, request: CUnsignedLong)] {
        [(IoctlGet.gifconf.name, IoctlGet.gifconf.request), (IoctlGet.gifname.name, IoctlGet.gifname.request),
         (IoctlGet.gifindex.name, IoctlGet.gifindex.request), (IoctlGet.gifaddr.name, IoctlGet.gifaddr.request),
         (IoctlGet.gifdstaddr.name, IoctlGet.gifdstaddr.request), (IoctlGet.gifbrdaddr.name, IoctlGet.gifbrdaddr.request),
         (IoctlGet.gifnetmask.name, IoctlGet.gifnetmask.request), (IoctlGet.gifhwaddr.name, IoctlGet.gifhwaddr.request),
         (IoctlGet.gifmtu.name, IoctlGet.gifmtu.request), (IoctlGet.giftxqlen.name, IoctlGet.giftxqlen.request),
         (IoctlGet.gifflags.name, IoctlGet.gifflags.request), (IoctlGet.gifmap.name, IoctlGet.gifmap.request)]
    }

    /// The socket queue requests: `nread`, `outq`, `atmark` (`nwrite` and `nspace` are BSD's).
    public static var queue: [(name: String, request: CUnsignedLong)] {
        [(IoctlGet.nread.name, IoctlGet.nread.request), (IoctlGet.outq.name, IoctlGet.outq.request),
         (IoctlGet.atmark.name, IoctlGet.atmark.request)]
    }

    /// The set requests: `sifflags` ... `siftxqlen`.
    public static var set: [(name: String, request: CUnsignedLong)] {
        [(IoctlSet.sifflags.name, IoctlSet.sifflags.request), (IoctlSet.sifaddr.name, IoctlSet.sifaddr.request),
         (IoctlSet.sifdstaddr.name, IoctlSet.sifdstaddr.request), (IoctlSet.sifbrdaddr.name, IoctlSet.sifbrdaddr.request),
         (IoctlSet.sifnetmask.name, IoctlSet.sifnetmask.request), (IoctlSet.sifmtu.name, IoctlSet.sifmtu.request),
         (IoctlSet.siftxqlen.name, IoctlSet.siftxqlen.request)]
    }
}

/// Encoding and decoding of `ifreq` members, with every offset from the generated `Layout`.
enum IoctlCodec {
    /// The `int` a socket queue request writes.
    static let int = FieldLayout(offset: 0, size: MemoryLayout<CInt>.size)

    static func name(_ raw: UnsafeRawBufferPointer, _ field: FieldLayout) -> String {
        let bytes = raw[field.offset..<field.end]
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func flags(_ raw: UnsafeRawBufferPointer, _ field: FieldLayout) -> IoctlFlags {
        IoctlFlags(rawValue: CInt(truncatingIfNeeded: raw.loadUnsigned(at: field.offset, size: field.size)))
    }

    /// Writes `name` and its NUL into `ifr_name`; it must be shorter than `IFNAMSIZ`.
    static func store(name: String, into raw: UnsafeMutableRawBufferPointer) throws(InvalidValue) {
        let field = Layout.ifreq.ifr_name
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, !bytes.contains(0), bytes.count < min(field.size, Int(Native.IFNAMSIZ)) else {
            throw InvalidValue("interface name \"\(name)\" (1 to \(min(field.size, Int(Native.IFNAMSIZ)) - 1) bytes, no NUL)")
        }
        for (index, byte) in bytes.enumerated() { raw[field.offset + index] = byte }
    }

    /// Writes a socket address into a `struct sockaddr` member of `ifreq`.
    static func store(_ address: SocketAddress, into raw: UnsafeMutableRawBufferPointer, _ field: FieldLayout) throws(InvalidValue) {
        let result: Result<Void, InvalidValue> = withUnsafeTemporaryAllocation(
            byteCount: Layout.sockaddr_storage.size, alignment: Layout.sockaddr_storage.alignment
        ) { storage in
            storage.initializeMemory(as: UInt8.self, repeating: 0)
            let length: Int
            do throws(SocketError) {
                length = try address.encode(into: storage)
            } catch {
                return .failure(InvalidValue("\(address): \(error)"))
            }
            guard length <= field.size else {
                return .failure(InvalidValue("\(address) is \(length) bytes, more than the \(field.size) of an ifreq address"))
            }
            for index in 0..<length { raw[field.offset + index] = storage[index] }
            return .success(())
        }
        try result.get()
    }
}
