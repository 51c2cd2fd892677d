import SocketConstants

/// The options of Erlang's `otp` level, as typed keys: `socket.setopt(.otp.rcvbuf, .size(65536))`.
/// They change how this library handles the socket, not the kernel, and work on every socket.
///
/// Erlang's `{otp, controlling_process}` has no key. A Swift socket has no owner process:
/// any thread or task holding it may use it, select and abort messages go to the ``Mailbox``
/// each call names, and the socket closes when its last reference goes (or on ``Socket/close()``),
/// not when an owner dies. Asked by name (`getopt(level: "otp", option: "controlling_process")`
/// and `setopt`), it is `invalid` with that explanation, rather than a silent no-op that would
/// let ported code believe ownership moved.
public struct OTPLevelOptions: Sendable {
    /// The level's Erlang name.
    public static let levelName = "otp"
    /// The manual's `otp_socket_option()`.
    public static let names = ["debug", "iow", "controlling_process", "rcvbuf", "rcvctrlbuf", "sndctrlbuf", "meta",
                               "use_registry", "fd", "domain"]

    @inlinable public init() {}

    static func key<Value, Access>(_ name: String) -> SocketOption<Value, Access> {
        SocketOption(levelName: levelName, name: name, level: nil, option: nil)
    }

    /// `{otp, rcvbuf}`: what `recv`, `recvfrom` and `recvmsg` with length 0 read at most,
    /// a size or `count` buffers of a size (OTP's default 8 KiB).
    public var rcvbuf: SocketOption<OTPRcvbuf, ReadWrite> { Self.key("rcvbuf") }
    /// `{otp, rcvctrlbuf}`: the control-message buffer of a `recvmsg` with control size 0,
    /// in bytes (OTP's default 1024; Erlang's `default` sets that).
    public var rcvctrlbuf: SocketOption<Int, ReadWrite> { Self.key("rcvctrlbuf") }
    /// `{otp, sndctrlbuf}`: the control-message buffer of a `sendmsg`, in bytes (default 1024).
    public var sndctrlbuf: SocketOption<Int, ReadWrite> { Self.key("sndctrlbuf") }
    /// `{otp, meta}`: a value kept with the socket for the caller (Erlang's default
    /// `undefined` is `OTPMeta(nil)`).
    public var meta: SocketOption<OTPMeta, ReadWrite> { Self.key("meta") }
    /// `{otp, use_registry}`: whether `whichSockets()` lists the socket. OTP 25 refuses to
    /// set it to `false` after `open`; here both directions work.
    public var useRegistry: SocketOption<Bool, ReadWrite> { Self.key("use_registry") }
    /// `{otp, debug}`: debug printouts for this socket.
    public var debug: SocketOption<Bool, ReadWrite> { Self.key("debug") }
    /// `{otp, iow}`: OTP's "inform on wrap" of its counters; kept for Erlang code, no effect
    /// (the counters here are 64-bit).
    public var iow: SocketOption<Bool, ReadWrite> { Self.key("iow") }
    /// `{otp, fd}`: the descriptor. Only valid to get (OTP 25 crashes the caller on a set).
    public var fd: SocketOption<Int, ReadOnly> { Self.key("fd") }
    /// `{otp, domain}`: the domain the socket was opened with. Only valid to get.
    public var domain: SocketOption<Domain, ReadOnly> { Self.key("domain") }
}

extension SocketOption {
    /// Options of level `otp`: this library's handling of the socket.
    @inlinable public static var otp: OTPLevelOptions { .init() }
}

/// The value of `{otp, rcvbuf}`: Erlang `default | Size | {Count, Size}`.
public enum OTPRcvbuf: Sendable, Hashable, CustomStringConvertible {
    /// One buffer: a `recv` with length 0 reads at most `size` bytes.
    case size(Int)
    /// On a stream socket a `recv` with length 0 reads on while the data fills buffers of
    /// `size` bytes, up to `count` of them, and returns them together (OTP reads `count`
    /// times; one read of `count * size` bytes returns the same bytes). A datagram socket
    /// reads one message of at most `size` bytes, as OTP does.
    case buffers(count: Int, size: Int)

    /// Erlang `default`: OTP's 8 KiB.
    public static var `default`: OTPRcvbuf { .size(OTPSettings.defaultRcvbuf) }

    public var description: String {
        switch self {
        case .size(let size): return String(size)
        case .buffers(let count, let size): return "{\(count), \(size)}"
        }
    }

    /// The bytes one `recv` with length 0 may read; `nil` when a number is not positive or
    /// the product does not fit a C `int` (OTP takes any positive integer).
    func readSize(stream: Bool) -> Int? {
        switch self {
        case .size(let size):
            return (1...Int(Int32.max)).contains(size) ? size : nil
        case .buffers(let count, let size):
            guard count >= 1, (1...Int(Int32.max)).contains(size) else { return nil }
            guard stream else { return size }
            let (total, overflow) = count.multipliedReportingOverflow(by: size)
            return !overflow && total <= Int(Int32.max) ? total : nil
        }
    }
}

/// The value of `{otp, meta}`: any `Sendable` value, or `nil` (Erlang `undefined`).
public struct OTPMeta: Sendable, CustomStringConvertible {
    public var value: (any Sendable)?

    public init(_ value: (any Sendable)?) { self.value = value }

    public var description: String { value.map { String(describing: $0) } ?? "undefined" }
}

/// `otp`-level values have no C form: a typed key of level `otp` never reaches the kernel.
extension OTPRcvbuf: SocketOptionValue {
    public static var nativeCapacity: Int { 0 }
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        throw InvalidValue("{otp, rcvbuf} has no C form")
    }
    public init(nativeBytes: UnsafeRawBufferPointer) throws(InvalidValue) {
        throw InvalidValue("{otp, rcvbuf} has no C form")
    }
}

extension OTPMeta: SocketOptionValue {
    public static var nativeCapacity: Int { 0 }
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        throw InvalidValue("{otp, meta} has no C form")
    }
    public init(nativeBytes: UnsafeRawBufferPointer) throws(InvalidValue) {
        throw InvalidValue("{otp, meta} has no C form")
    }
}

extension Socket {
    static let controllingProcessRefusal =
        "{otp, controlling_process}: a Swift socket has no owner process; any holder may use it, and it closes when the last reference goes"

    /// Reads an `otp`-level option as its typed value.
    @usableFromInline
    func getOTP(_ name: String) throws(SocketError) -> any Sendable {
        guard !isClosed else { throw .closed }
        switch name {
        case "rcvbuf": return withLock { $0.otp.rcvbufSetting }
        case "rcvctrlbuf": return withLock { $0.otp.rcvctrlbuf }
        case "sndctrlbuf": return withLock { $0.otp.sndctrlbuf }
        case "meta":
            let meta: (any Sendable)? = withLock { $0.otp.meta }
            return OTPMeta(meta)
        case "use_registry": return usesRegistry
        case "debug": return withLock { $0.otp.debug }
        case "iow": return withLock { $0.otp.iow }
        case "fd":
            guard let fd else { throw .closed }
            return Int(fd)
        case "domain": return domain
        case "controlling_process": throw .invalid(Socket.controllingProcessRefusal)
        default: throw .invalid("{otp, \(name)}")
        }
    }

    /// Sets an `otp`-level option from its typed value.
    @usableFromInline
    func setOTP(_ name: String, _ value: any Sendable) throws(SocketError) {
        guard !isClosed else { throw .closed }
        func bad() -> SocketError { .invalid("{otp, \(name)} = \(value)") }
        switch name {
        case "rcvbuf":
            guard let setting = value as? OTPRcvbuf, let size = setting.readSize(stream: isStream) else { throw bad() }
            withLock { state in
                state.otp.rcvbufSetting = setting
                state.otp.rcvbuf = size
            }
        case "rcvctrlbuf", "sndctrlbuf":
            guard let size = value as? Int, (1...Int(Int32.max)).contains(size) else { throw bad() }
            if name == "rcvctrlbuf" {
                withLock { $0.otp.rcvctrlbuf = size }
            } else {
                withLock { $0.otp.sndctrlbuf = size }
            }
        case "meta":
            guard let meta = value as? OTPMeta else { throw bad() }
            withLock { $0.otp.meta = meta.value }
        case "use_registry":
            guard let listed = value as? Bool else { throw bad() }
            try useRegistry(listed)
        case "debug":
            guard let debug = value as? Bool else { throw bad() }
            withLock { $0.otp.debug = debug }
        case "iow":
            guard let iow = value as? Bool else { throw bad() }
            withLock { $0.otp.iow = iow }
        case "fd", "domain": throw .invalid("{otp, \(name)} is only valid to get")
        case "controlling_process": throw .invalid(Socket.controllingProcessRefusal)
        default: throw .invalid("{otp, \(name)}")
        }
    }
}
