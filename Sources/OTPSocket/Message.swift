import SocketConstants

/// Erlang `msg_send()`: what ``Socket/sendmsg(_:flags:timeout:)`` sends, a C `struct msghdr`
/// with `msg_flags` 0.
public struct MsgSend: Sendable, Hashable {
    /// `addr`: the destination, for a socket that is not connected.
    public var addr: SocketAddress?
    /// `iov`: the data, as an I/O vector. Each element goes to the kernel in place, without
    /// being copied or joined.
    public var iov: [[UInt8]]
    /// `ctrl`: control messages.
    public var ctrl: [CmsgSend]

    public init(addr: SocketAddress? = nil, iov: [[UInt8]], ctrl: [CmsgSend] = []) {
        self.addr = addr
        self.iov = iov
        self.ctrl = ctrl
    }
}

/// Erlang `msg_recv()`: what ``Socket/recvmsg(bufSize:ctrlSize:flags:timeout:)`` returns.
public struct MsgRecv: Sendable, Hashable {
    /// `addr`: the source, or `nil` where the kernel reports none (a connected stream).
    public var addr: SocketAddress?
    /// `iov`: the data received, at most the buffer size (one element).
    public var iov: [[UInt8]]
    /// `ctrl`: the control messages, decoded where known.
    public var ctrl: [CmsgRecv]
    /// `flags`: `trunc` when the datagram was longer than the buffer, `ctrunc` when the
    /// control messages did not fit, `eor`, `oob`, `errqueue`, ...
    public var flags: MsgFlags
    /// The length `recvmsg(2)` returned: with the `trunc` flag on a datagram socket, the
    /// datagram's real length, which may exceed the bytes in ``iov``. (Not in Erlang.)
    public var length: Int

    public init(addr: SocketAddress? = nil, iov: [[UInt8]], ctrl: [CmsgRecv] = [], flags: MsgFlags = [], length: Int) {
        self.addr = addr
        self.iov = iov
        self.ctrl = ctrl
        self.flags = flags
        self.length = length
    }

    /// The data of ``iov`` in one array.
    public var data: [UInt8] { iov.count == 1 ? iov[0] : Array(iov.joined()) }
}

/// What ``Socket/recvWithLength(_:flags:timeout:)`` and
/// ``Socket/recvfromWithLength(_:flags:timeout:)`` return: the bytes that fit the buffer and
/// the length the kernel reported.
///
/// Erlang's `recv` and `recvfrom` with the `trunc` flag return bytes from past the end of their
/// own buffer (OTP 25); here the data is never longer than the buffer, and the real length of
/// a longer datagram is reported beside it.
public struct RecvLength: Sendable, Hashable {
    /// The source (`recvfrom` only; `nil` for `recv`, or where the kernel reports none).
    public var source: SocketAddress?
    /// At most the buffer size.
    public var data: [UInt8]
    /// What `recv(2)`/`recvfrom(2)` returned: with `trunc`, the datagram's full length.
    public var length: Int

    public init(source: SocketAddress? = nil, data: [UInt8], length: Int) {
        self.source = source
        self.data = data
        self.length = length
    }

    /// Whether the datagram was longer than the buffer (known only with the `trunc` flag).
    public var isTruncated: Bool { length > data.count }
}
