import SocketConstants
import Synchronization
import SystemPackage

/// Erlang `cmsg_send()`: a control (ancillary) message for ``Socket/sendmsg(_:flags:timeout:)``,
/// given by value, or as raw data for any level and type.
///
/// The encoding (`struct cmsghdr`, `CMSG_LEN`, `CMSG_SPACE`, the value structs) comes from the
/// generated layouts; see `ControlMessage+Native.swift`.
public enum CmsgSend: Sendable, Hashable {
    /// `#{level := socket, type := timestamp, value := timeval()}`: `SCM_TIMESTAMP`.
    case timestamp(Timeval)
    /// `#{level := socket, type := rights}`: `SCM_RIGHTS`, descriptors to pass to the peer
    /// of a local socket. They stay the caller's: the kernel installs duplicates in the
    /// receiving process. (Erlang takes them only as native data.)
    case rights([CInt])
    /// `#{level := socket, type := credentials}`: `SCM_CREDENTIALS` with the given pid, uid
    /// and gid (the kernel checks that the sender may claim them). (Erlang takes them only
    /// as native data.)
    case credentials(Ucred)
    /// `#{level := ip, type := tos, value := ip_tos() | integer()}`: `IP_TOS`, as a C `int`.
    case tos(IPTos)
    /// `#{level := ip, type := ttl, value := integer()}`: `IP_TTL`, as a C `int`.
    case ttl(Int)
    /// `{ip, pktinfo}`: `IP_PKTINFO`, the source address and interface of one datagram.
    /// (Not in Erlang's `cmsg_send()`; Linux accepts it.)
    case pktinfo(InPktinfo)
    /// `#{level := ip | ipv6, type := hoplimit, value := integer()}`: `IPV6_HOPLIMIT`, as a
    /// C `int`. The manual lists it under level `ip`; it is an IPv6 message.
    case hoplimit(Int)
    /// `{ipv6, pktinfo}`: `IPV6_PKTINFO`. (Not in Erlang's `cmsg_send()`.)
    case ipv6Pktinfo(In6Pktinfo)
    /// `#{level := ipv6, type := tclass, value := integer()}`: `IPV6_TCLASS`, as a C `int`.
    case tclass(Int)
    /// `{udp, segment}`: `UDP_SEGMENT` (a Linux extra), the GSO segment size.
    case udpSegment(UInt16)
    /// `#{level := Level, type := integer(), data := binary()}`: any message as its native
    /// bytes, copied after the header unchanged.
    case native(level: Level, type: CInt, data: [UInt8])
}

/// Erlang `cmsg_recv()`: a control message returned by ``Socket/recvmsg(bufSize:ctrlSize:flags:timeout:)``:
/// `#{level, type, data, value}`.
///
/// `data` always holds the message's bytes as the kernel wrote them (cut short when the
/// control buffer was too small: see `ctrunc` in ``MsgRecv/flags``); `value` is set when
/// the library knows the level and type and the bytes decode completely.
public struct CmsgRecv: Sendable, Hashable, CustomStringConvertible {
    /// `cmsg_level`: `socket`, `ip`, `ipv6`, or any protocol number.
    public var level: Level
    /// `cmsg_type`, as the platform numbers it.
    public var type: CInt
    /// The bytes after the header.
    public var data: [UInt8]
    /// The decoded value, when known and complete.
    public var value: Value?

    public init(level: Level, type: CInt, data: [UInt8], value: Value? = nil) {
        self.level = level
        self.type = type
        self.data = data
        self.value = value
    }

    /// A decoded control message. The case names are Erlang's `type` names; `ipv6…` cases are
    /// the `ipv6` level's messages of the same name.
    public enum Value: Sendable, Hashable {
        /// `{socket, timestamp}`: `SCM_TIMESTAMP`, when the datagram arrived.
        case timestamp(Timeval)
        /// `{socket, timestampns}`: `SCM_TIMESTAMPNS` (a Linux extra).
        case timestampns(Timespec)
        /// `{socket, rights}`: `SCM_RIGHTS`, descriptors now owned by this process. They are
        /// closed when the ``ReceivedDescriptors`` goes away, unless taken.
        case rights(ReceivedDescriptors)
        /// `{socket, credentials}`: `SCM_CREDENTIALS`, the sender's pid, uid and gid.
        case credentials(Ucred)
        /// `{ip, tos}`: `IP_TOS` (Linux delivers `recvtos` under this type).
        case tos(IPTos)
        /// `{ip, recvtos}`: `IP_RECVTOS` (platforms that deliver it under this type).
        case recvtos(IPTos)
        /// `{ip, ttl}`: `IP_TTL` (Linux delivers `recvttl` under this type).
        case ttl(Int)
        /// `{ip, recvttl}`: `IP_RECVTTL`.
        case recvttl(Int)
        /// `{ip, pktinfo}`: `IP_PKTINFO`, the interface and addresses of the datagram.
        case pktinfo(InPktinfo)
        /// `{ip, origdstaddr}`: `IP_ORIGDSTADDR`, the original destination.
        case origdstaddr(SocketAddress)
        /// `{ip, recverr}`: `IP_RECVERR`, an error from the error queue.
        case recverr(ExtendedError)
        /// `{ipv6, hoplimit}`: `IPV6_HOPLIMIT`.
        case hoplimit(Int)
        /// `{ipv6, pktinfo}`: `IPV6_PKTINFO`.
        case ipv6Pktinfo(In6Pktinfo)
        /// `{ipv6, tclass}`: `IPV6_TCLASS`.
        case tclass(Int)
        /// `{ipv6, recverr}`: `IPV6_RECVERR`.
        case ipv6Recverr(ExtendedError)
        /// `{ipv6, origdstaddr}`: `IPV6_ORIGDSTADDR` (a Linux extra).
        case ipv6Origdstaddr(SocketAddress)
        /// `{udp, gro}`: `UDP_GRO` (a Linux extra), the segment size of a coalesced datagram.
        case udpGro(Int)

        /// Erlang's name for the message type.
        public var typeName: String {
            switch self {
            case .timestamp: return "timestamp"
            case .timestampns: return "timestampns"
            case .rights: return "rights"
            case .credentials: return "credentials"
            case .tos: return "tos"
            case .recvtos: return "recvtos"
            case .ttl: return "ttl"
            case .recvttl: return "recvttl"
            case .pktinfo, .ipv6Pktinfo: return "pktinfo"
            case .origdstaddr, .ipv6Origdstaddr: return "origdstaddr"
            case .recverr, .ipv6Recverr: return "recverr"
            case .hoplimit: return "hoplimit"
            case .tclass: return "tclass"
            case .udpGro: return "gro"
            }
        }
    }

    public var description: String {
        let type = value?.typeName ?? String(self.type)
        if let value { return "#{level => \(level), type => \(type), value => \(value)}" }
        return "#{level => \(level), type => \(type), data => \(data.count) bytes}"
    }
}

/// Erlang `extended_err()`: an error from a socket's error queue (`IP_RECVERR`,
/// `IPV6_RECVERR`), a C `struct sock_extended_err` and the offender's address after it
/// (`SO_EE_OFFENDER`).
///
/// Erlang gives `type` and `code` as atoms for the ICMP origins; here they stay numbers, with
/// typed views (``icmpType``, ``icmpDestUnreach``, ``icmp6Type``, ``icmp6DestUnreach``) that
/// print as those atoms.
public struct ExtendedError: Sendable, Hashable, CustomStringConvertible {
    /// `ee_errno`: Erlang `error`.
    public var error: Errno
    /// `ee_origin`: `none`, `local`, `icmp`, `icmp6` or a number.
    public var origin: EEOrigin
    /// `ee_type`: the ICMP type for ICMP origins.
    public var type: UInt8
    /// `ee_code`: the ICMP code for ICMP origins.
    public var code: UInt8
    /// `ee_info`: for example the MTU of a `frag_needed`.
    public var info: UInt32
    /// `ee_data`.
    public var data: UInt32
    /// The address of the host that reported the error, or `nil` when the message holds
    /// none. A local error reports an `unspec` address, as the kernel leaves it.
    public var offender: SocketAddress?

    public init(error: Errno, origin: EEOrigin, type: UInt8, code: UInt8, info: UInt32, data: UInt32,
                offender: SocketAddress?) {
        self.error = error
        self.origin = origin
        self.type = type
        self.code = code
        self.info = info
        self.data = data
        self.offender = offender
    }

    /// The ICMP type, when the origin is `icmp`.
    public var icmpType: ICMPType? { origin == .icmp ? ICMPType(rawValue: CInt(type)) : nil }
    /// The ICMP code of a `dest_unreach`, when the origin is `icmp`.
    public var icmpDestUnreach: ICMPDestUnreach? {
        icmpType == .destUnreach ? ICMPDestUnreach(rawValue: CInt(code)) : nil
    }
    /// The ICMPv6 type, when the origin is `icmp6`.
    public var icmp6Type: ICMPv6Type? { origin == .icmp6 ? ICMPv6Type(rawValue: CInt(type)) : nil }
    /// The ICMPv6 code of a `dest_unreach`, when the origin is `icmp6`.
    public var icmp6DestUnreach: ICMPv6DestUnreach? {
        icmp6Type == .destUnreach ? ICMPv6DestUnreach(rawValue: CInt(code)) : nil
    }

    public var description: String {
        let typeText = icmpType?.description ?? icmp6Type?.description ?? String(type)
        let codeText = icmpDestUnreach?.description ?? icmp6DestUnreach?.description ?? String(code)
        return "#{error => \(error.erlangName), origin => \(origin), type => \(typeText), code => \(codeText), "
            + "info => \(info), data => \(data), offender => \(offender.map { "\($0)" } ?? "undefined")}"
    }
}

/// Descriptors received in an `SCM_RIGHTS` control message: they belong to this process, and
/// this object closes them when it goes away, unless they were taken with ``take()``.
///
/// Erlang hands the descriptors over as raw integers in `data`, and nothing ever closes them;
/// here, ignoring a `rights` message cannot leak descriptors. (`data` still holds the
/// numbers.) Received descriptors are close-on-exec: `recvmsg` on a local socket always asks
/// for `MSG_CMSG_CLOEXEC`.
public final class ReceivedDescriptors: Sendable, Hashable, CustomStringConvertible {
    /// The descriptors as received, taken or not.
    public let descriptors: [CInt]
    private let untaken: Mutex<[CInt]>
    /// Whether this object closes them: false for a buffer decoded from bytes the kernel did
    /// not just hand to this process.
    let owned: Bool

    init(_ descriptors: [CInt], owned: Bool) {
        self.descriptors = descriptors
        untaken = Mutex(descriptors)
        self.owned = owned
    }

    deinit { close() }

    /// Hands the descriptors to the caller, who must close them; later calls return none.
    public func take() -> [CInt] {
        untaken.withLock { untaken in
            defer { untaken = [] }
            return untaken
        }
    }

    /// The descriptors not yet taken (still owned by this object).
    public var remaining: [CInt] { untaken.withLock { $0 } }

    /// Closes the descriptors not taken.
    public func close() {
        let fds: [CInt] = untaken.withLock { untaken in
            defer { untaken = [] }
            return untaken
        }
        if owned { fds.forEach(Syscall.close) }
    }

    public static func == (a: ReceivedDescriptors, b: ReceivedDescriptors) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
    public var description: String { "rights(\(descriptors))" }
}
