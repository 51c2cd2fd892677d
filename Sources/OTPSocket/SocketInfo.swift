import SocketConstants

/// Erlang `socket_info()`: what ``Socket/info()`` reports about one socket, at one moment.
///
/// Erlang's `owner` key has no counterpart: a Swift socket has no owner process, and any
/// thread or task holding it may use it (see ``Socket``).
public struct SocketInfo: Sendable, Hashable {
    /// The socket's ``Socket/id``, unique in this process (not in Erlang's map).
    public var id: UInt64
    public var domain: Domain
    public var type: SocketType
    public var `protocol`: SocketProtocol
    /// Erlang `ctype`: how the socket was made.
    public var ctype: Socket.Creation
    /// Erlang `counters`.
    public var counters: SocketCounters
    /// Erlang `num_readers`: the current reader (`recv`, `recvfrom`, `recvmsg`) and the readers
    /// queued behind it.
    public var numReaders: Int
    /// Erlang `num_writers`: the current writer (`send*`, `sendfile`) and those queued.
    public var numWriters: Int
    /// Erlang `num_acceptors`: the current acceptor and those queued.
    public var numAcceptors: Int
    /// Erlang `readable`: the descriptor polls readable now (data, end of stream, an error, or
    /// a connection to accept). False once the socket is closed. OTP documents the key but
    /// does not report it.
    public var readable: Bool
    /// Erlang `writable`: the descriptor polls writable now. False once closed.
    public var writable: Bool
    /// Erlang `rstates`: the read side's states, in the order of ``SocketState``.
    public var rstates: [SocketState]
    /// Erlang `wstates`: the write side's states.
    public var wstates: [SocketState]
    /// Whether ``Socket/whichSockets(_:)`` lists the socket (Erlang `{otp, use_registry}`).
    public var useRegistry: Bool
    /// Erlang `{otp, fd}`: the descriptor, `nil` once closed.
    public var fd: CInt?
}

/// A state of Erlang's `rstates` and `wstates`.
///
/// Unlike OTP, `accept` does not mark the listening socket `connected`, and a closed socket
/// reports only `closing` or `closed`, not the states it had before.
public enum SocketState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Read side: ``Socket/bind(_:)`` gave the socket an address.
    case bound
    /// Read side: ``Socket/listen(backlog:)`` succeeded.
    case listening
    /// Read side: an `accept` is in progress (current or queued).
    case accepting
    /// A `nowait` operation waits for its select message: a read or accept on the read side, a
    /// write or connect on the write side.
    case selected
    /// Write side: a `connect` is in progress.
    case connecting
    /// Write side: the socket is connected (by `connect`, or made by `accept`).
    case connected
    /// ``Socket/close()`` was called, and an operation still holds the descriptor (it is closed
    /// when the last one leaves).
    case closing
    /// The descriptor is closed.
    case closed

    /// The abbreviation of Erlang's `i/0` tables (`BD`, `LG`, `CD`, ...).
    public var abbreviation: String {
        switch self {
        case .bound: return "BD"
        case .listening: return "LG"
        case .accepting: return "A"
        case .selected: return "SD"
        case .connecting: return "CG"
        case .connected: return "CD"
        case .closing: return "CLOSING"
        case .closed: return "CLOSED"
        }
    }

    public var description: String { rawValue }
}

/// Erlang `info/0`: the library's counters and global settings.
public struct LibraryInfo: Sendable, Hashable {
    /// Erlang `counters`: the sockets open now, in all and by domain, type and protocol.
    public var counters: LibraryCounters
    /// Erlang `iov_max`: the most I/O vector elements one `sendmsg` takes (`IOV_MAX`).
    public var iovMax: Int
    /// Erlang `use_registry`: whether new sockets are listed by default
    /// (``Socket/useRegistry(_:)``).
    public var useRegistry: Bool
    /// Erlang `debug` (``Socket/debug(_:)``).
    public var debug: Bool
    /// Erlang `socket_debug`: whether new sockets start with `{otp, debug}` on
    /// (``Socket/socketDebug(_:)``).
    public var socketDebug: Bool
}

/// The counters of Erlang's `info/0`: how many sockets are open now.
///
/// Every open socket counts, listed by the registry or not. Unlike OTP, a `local` (unix)
/// socket counts as `local`, not as `inet6`. The counts are exact (computed, not kept as
/// running sums), so they cannot wrap: Erlang's `num_cnt_bits` is reported as 64.
public struct LibraryCounters: Sendable, Hashable {
    /// Erlang `num_sockets`.
    public var sockets: Int
    public var byDomain: [Domain: Int]
    public var byType: [SocketType: Int]
    public var byProtocol: [SocketProtocol: Int]

    public init(sockets: Int = 0, byDomain: [Domain: Int] = [:], byType: [SocketType: Int] = [:],
                byProtocol: [SocketProtocol: Int] = [:]) {
        self.sockets = sockets
        self.byDomain = byDomain
        self.byType = byType
        self.byProtocol = byProtocol
    }

    /// The counters by Erlang name, sorted: `num_cnt_bits`, `num_dinet`, `num_dinet6`,
    /// `num_dlocal`, `num_pip`, `num_psctp`, `num_ptcp`, `num_pudp`, `num_sockets`,
    /// `num_tdgrams`, `num_tseqpkgs`, `num_tstreams` always, and a `num_d*`, `num_t*s` or
    /// `num_p*` key for any other domain, type or protocol with open sockets.
    public var named: [(name: String, value: Int)] {
        var values: [String: Int] = ["num_cnt_bits": 64, "num_sockets": sockets]
        for key in ["num_dinet", "num_dinet6", "num_dlocal", "num_pip", "num_psctp", "num_ptcp", "num_pudp",
                    "num_tdgrams", "num_tseqpkgs", "num_tstreams"] {
            values[key] = 0
        }
        for (domain, count) in byDomain { values["num_d\(domain)", default: 0] += count }
        for (type, count) in byType { values[LibraryCounters.typeKey(type), default: 0] += count }
        for (proto, count) in byProtocol { values["num_p\(proto)", default: 0] += count }
        return values.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    /// OTP's key for a type: `num_tstreams`, `num_tdgrams`, `num_tseqpkgs`, else `num_t<name>s`.
    static func typeKey(_ type: SocketType) -> String {
        type == .seqpacket ? "num_tseqpkgs" : "num_t\(type)s"
    }
}
