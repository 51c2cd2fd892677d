import SocketConstants
import SystemPackage

/// Why an operation failed: Erlang's `{error, Reason}` and `{error, {Reason, Data}}` in one
/// typed error.
///
/// Where the manual promises it, the error carries data: the bytes a stream `recv` received
/// before the error (`received`), or the bytes a `send` did not get to send (`rest`), or the
/// byte count a `sendfile` managed (`bytesSent`).
public struct SocketError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// A POSIX error from the kernel, Erlang `posix()`.
        case errno(Errno)
        /// Erlang `{invalid, What}`: a bad argument, an unsupported option, an unknown handle.
        case invalid(String)
        /// The socket was closed (by this or another thread) or the peer closed it.
        case closed
        /// The time-out ran out.
        case timeout
        /// The waiting task was cancelled (Swift only: Erlang has no task cancellation).
        case cancelled

        public var description: String {
            switch self {
            case .errno(let errno): return errno.erlangName
            case .invalid(let what): return "{invalid, \(what)}"
            case .closed: return "closed"
            case .timeout: return "timeout"
            case .cancelled: return "cancelled"
            }
        }
    }

    public var reason: Reason
    /// Data received before the error (`recv` on a stream socket).
    public var received: [UInt8]?
    /// Data not sent (`send`, `sendto`, `sendmsg`).
    public var rest: [UInt8]?
    /// Bytes sent before the error (`sendfile`).
    public var bytesSent: Int?

    public init(_ reason: Reason, received: [UInt8]? = nil, rest: [UInt8]? = nil, bytesSent: Int? = nil) {
        self.reason = reason
        self.received = received
        self.rest = rest
        self.bytesSent = bytesSent
    }

    public static func errno(_ errno: Errno) -> SocketError { SocketError(.errno(errno)) }
    public static func invalid(_ what: String) -> SocketError { SocketError(.invalid(what)) }
    public static let closed = SocketError(.closed)
    public static let timeout = SocketError(.timeout)

    public var description: String {
        if let received { return "{\(reason), \(received.count) bytes received}" }
        if let rest { return "{\(reason), \(rest.count) bytes not sent}" }
        if let bytesSent { return "{\(reason), \(bytesSent) bytes sent}" }
        return reason.description
    }
}

extension Errno {
    /// The lowercase name Erlang uses for this error (`econnrefused`), from the generated
    /// `posix` table; an errno the platform does not name prints as its number.
    public var erlangName: String {
        Posix(rawValue: rawValue).description
    }
}

extension Result where Failure == Errno {
    /// The value, or the errno as a ``SocketError``.
    func socketResult() throws(SocketError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let errno): throw SocketError(.errno(errno))
        }
    }
}
