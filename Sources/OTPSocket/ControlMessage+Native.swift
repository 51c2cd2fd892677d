import SocketConstants
import SystemPackage

/// The C control-message buffer: `struct cmsghdr` headers, each followed by its data and
/// padded to the platform's alignment. Every size comes from the probe: `CMSG_LEN(0)` is where
/// the data starts, `CMSG_SPACE(1) - CMSG_SPACE(0)` is the alignment, and the header's fields
/// are `Layout.cmsghdr`.
enum ControlBuffer {
    /// `CMSG_ALIGN`'s unit.
    static var alignment: Int { Native.CMSG_SPACE_1 - Native.CMSG_SPACE_0 }

    /// `CMSG_ALIGN(n)`.
    static func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// `CMSG_LEN(n)`: the `cmsg_len` of a message with `n` data bytes.
    static func length(_ n: Int) -> Int { Native.CMSG_LEN_0 + n }

    /// `CMSG_SPACE(n)`: the bytes a message with `n` data bytes takes in the buffer.
    static func space(_ n: Int) -> Int { Native.CMSG_SPACE_0 + align(n) }

    /// One message ready to be written: level, type and data.
    struct Item {
        var level: CInt
        var type: CInt
        var data: [UInt8]
    }

    /// The whole buffer for `items`, headers and padding included (zero padding).
    static func encode(_ items: [Item]) -> [UInt8] {
        let total = items.reduce(0) { $0 + space($1.data.count) }
        var bytes = [UInt8](repeating: 0, count: total)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            let header = Layout.cmsghdr.self
            for item in items {
                _ = raw.storeUnsigned(UInt64(length(item.data.count)), at: offset + header.cmsg_len.offset, size: header.cmsg_len.size)
                _ = raw.storeSigned(Int64(item.level), at: offset + header.cmsg_level.offset, size: header.cmsg_level.size)
                _ = raw.storeSigned(Int64(item.type), at: offset + header.cmsg_type.offset, size: header.cmsg_type.size)
                let start = offset + Native.CMSG_LEN_0
                for (i, byte) in item.data.enumerated() { raw[start + i] = byte }
                offset += space(item.data.count)
            }
        }
        return bytes
    }

    /// Decodes the `controllen` bytes `recvmsg` returned. Never reads past `raw`: a header
    /// that does not fit ends the list, a message whose `cmsg_len` runs past the end keeps
    /// the bytes that are there (undecoded), and a `cmsg_len` shorter than a header ends the
    /// list, as `CMSG_NXTHDR` would. With `adopting`, the descriptors of `rights` messages
    /// become owned by the result (only for a buffer the kernel just filled).
    static func decode(_ raw: UnsafeRawBufferPointer, adopting: Bool) -> [CmsgRecv] {
        let header = Layout.cmsghdr.self
        let dataStart = Native.CMSG_LEN_0
        let headerEnd = max(dataStart, header.cmsg_len.end, header.cmsg_level.end, header.cmsg_type.end)
        var messages: [CmsgRecv] = []
        var offset = 0
        while raw.count - offset >= headerEnd {
            let declared = raw.loadUnsigned(at: offset + header.cmsg_len.offset, size: header.cmsg_len.size)
            guard declared >= UInt64(dataStart) else { break }
            let available = raw.count - offset
            let complete = declared <= UInt64(available)
            let length = complete ? Int(declared) : available
            let level = CInt(truncatingIfNeeded: raw.loadSigned(at: offset + header.cmsg_level.offset, size: header.cmsg_level.size))
            let type = CInt(truncatingIfNeeded: raw.loadSigned(at: offset + header.cmsg_type.offset, size: header.cmsg_type.size))
            let data = UnsafeRawBufferPointer(rebasing: raw[(offset + dataStart)..<(offset + length)])
            messages.append(CmsgRecv(level: Level(rawValue: level), type: type, data: Array(data),
                                     value: decodeValue(level: level, type: type, data, complete: complete, adopting: adopting)))
            guard complete else { break }
            offset += align(length)
        }
        return messages
    }

    /// The value of a known message. A truncated message decodes only as `rights` (the
    /// descriptors that fit, so that they are owned and closed).
    static func decodeValue(level: CInt, type: CInt, _ data: UnsafeRawBufferPointer, complete: Bool, adopting: Bool) -> CmsgRecv.Value? {
        if level == Native.SOL_SOCKET, type == Native.SCM_RIGHTS {
            let width = MemoryLayout<CInt>.size
            let fds = (0..<(data.count / width)).map { data.loadUnaligned(fromByteOffset: $0 * width, as: CInt.self) }
            return .rights(ReceivedDescriptors(fds, owned: adopting))
        }
        guard complete else { return nil }
        switch level {
        case Native.SOL_SOCKET:
            switch type {
            case Native.SCM_TIMESTAMP: return (try? Timeval(nativeBytes: data)).map { .timestamp($0) }
            case Native.SCM_TIMESTAMPNS: return (try? Timespec(nativeBytes: data)).map { .timestampns($0) }
            case Native.SCM_CREDENTIALS: return (try? Ucred(nativeBytes: data)).map { .credentials($0) }
            default: return nil
            }
        case Native.IPPROTO_IP:
            switch type {
            case Native.IP_TOS: return integer(data).map { .tos(IPTos(rawValue: CInt(truncatingIfNeeded: $0))) }
            case Native.IP_RECVTOS: return integer(data).map { .recvtos(IPTos(rawValue: CInt(truncatingIfNeeded: $0))) }
            case Native.IP_TTL: return integer(data).map { .ttl($0) }
            case Native.IP_RECVTTL: return integer(data).map { .recvttl($0) }
            case Native.IP_PKTINFO: return (try? InPktinfo(nativeBytes: data)).map { .pktinfo($0) }
            case Native.IP_ORIGDSTADDR: return .origdstaddr(SocketAddress(native: data))
            case Native.IP_RECVERR: return extendedError(data).map { .recverr($0) }
            default: return nil
            }
        case Native.IPPROTO_IPV6:
            switch type {
            case Native.IPV6_HOPLIMIT: return integer(data).map { .hoplimit($0) }
            case Native.IPV6_PKTINFO: return (try? In6Pktinfo(nativeBytes: data)).map { .ipv6Pktinfo($0) }
            case Native.IPV6_TCLASS: return integer(data).map { .tclass($0) }
            case Native.IPV6_RECVERR: return extendedError(data).map { .ipv6Recverr($0) }
            case Native.IPV6_ORIGDSTADDR: return .ipv6Origdstaddr(SocketAddress(native: data))
            default: return nil
            }
        case Native.IPPROTO_UDP:
            switch type {
            case Native.UDP_GRO: return integer(data).map { .udpGro($0) }
            default: return nil
            }
        default:
            return nil
        }
    }

    /// A C `int` (most integer messages) or a single byte (`IP_TOS` as Linux delivers it).
    static func integer(_ data: UnsafeRawBufferPointer) -> Int? {
        switch data.count {
        case MemoryLayout<CInt>.size: return Int(data.loadUnaligned(as: CInt.self))
        case MemoryLayout<UInt8>.size: return Int(data[0])
        default: return nil
        }
    }

    /// `struct sock_extended_err` and, after it (`SO_EE_OFFENDER`), the offender's address.
    static func extendedError(_ data: UnsafeRawBufferPointer) -> ExtendedError? {
        guard let raw = try? SockExtendedErr(nativeBytes: data) else { return nil }
        let offenderStart = Native.SO_EE_OFFENDER_OFFSET
        let offender = data.count > offenderStart
            ? SocketAddress(native: UnsafeRawBufferPointer(rebasing: data[offenderStart...]))
            : nil
        return ExtendedError(error: Errno(rawValue: CInt(truncatingIfNeeded: raw.errno)),
                             origin: EEOrigin(rawValue: CInt(truncatingIfNeeded: raw.origin)),
                             type: UInt8(truncatingIfNeeded: raw.type), code: UInt8(truncatingIfNeeded: raw.code),
                             info: UInt32(truncatingIfNeeded: raw.info), data: UInt32(truncatingIfNeeded: raw.data),
                             offender: offender)
    }
}

extension CmsgSend {
    /// The level, type and native data of the message.
    func item() throws(SocketError) -> ControlBuffer.Item {
        func bytes<V: SocketOptionValue>(_ value: V, _ what: String) throws(SocketError) -> [UInt8] {
            do throws(InvalidValue) {
                return try value.withNativeBytes { Array($0) }
            } catch {
                throw .invalid("\(what): \(error.what)")
            }
        }
        func int(_ value: Int, _ what: String) throws(SocketError) -> [UInt8] {
            guard let c = CInt(exactly: value) else { throw .invalid("\(what) \(value) does not fit a C int") }
            return withUnsafeBytes(of: c) { Array($0) }
        }
        switch self {
        case .timestamp(let value):
            return .init(level: Native.SOL_SOCKET, type: Native.SCM_TIMESTAMP, data: try bytes(value, "timestamp"))
        case .rights(let fds):
            return .init(level: Native.SOL_SOCKET, type: Native.SCM_RIGHTS, data: fds.withUnsafeBytes { Array($0) })
        case .credentials(let value):
            return .init(level: Native.SOL_SOCKET, type: Native.SCM_CREDENTIALS, data: try bytes(value, "credentials"))
        case .tos(let value):
            return .init(level: Native.IPPROTO_IP, type: Native.IP_TOS, data: try int(Int(value.rawValue), "tos"))
        case .ttl(let value):
            return .init(level: Native.IPPROTO_IP, type: Native.IP_TTL, data: try int(value, "ttl"))
        case .pktinfo(let value):
            return .init(level: Native.IPPROTO_IP, type: Native.IP_PKTINFO, data: try bytes(value, "pktinfo"))
        case .hoplimit(let value):
            return .init(level: Native.IPPROTO_IPV6, type: Native.IPV6_HOPLIMIT, data: try int(value, "hoplimit"))
        case .ipv6Pktinfo(let value):
            return .init(level: Native.IPPROTO_IPV6, type: Native.IPV6_PKTINFO, data: try bytes(value, "pktinfo"))
        case .tclass(let value):
            return .init(level: Native.IPPROTO_IPV6, type: Native.IPV6_TCLASS, data: try int(value, "tclass"))
        case .udpSegment(let value):
            return .init(level: Native.IPPROTO_UDP, type: Native.UDP_SEGMENT, data: withUnsafeBytes(of: value) { Array($0) })
        case .native(let level, let type, let data):
            return .init(level: level.rawValue, type: type, data: data)
        }
    }
}

extension CmsgRecv {
    /// Decodes a control-message buffer (the `msg_control` bytes of a `recvmsg`), never
    /// reading past it. The descriptors of `rights` messages are not adopted: they stay
    /// whoever's they were.
    public static func decode(native raw: UnsafeRawBufferPointer) -> [CmsgRecv] {
        ControlBuffer.decode(raw, adopting: false)
    }
}

extension CmsgSend {
    /// Encodes messages as a `msg_control` buffer, headers and padding included.
    public static func encode(_ messages: [CmsgSend]) throws(SocketError) -> [UInt8] {
        var items: [ControlBuffer.Item] = []
        for message in messages { items.append(try message.item()) }
        return ControlBuffer.encode(items)
    }
}
