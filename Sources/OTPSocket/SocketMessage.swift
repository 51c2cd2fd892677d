/// A message the library sends to a ``Mailbox``: Erlang's `select`, `abort` and `'DOWN'`
/// messages.
public enum SocketMessage: Sendable, CustomStringConvertible {
    /// `{'$socket', Socket, select, SelectHandle}`: call the operation again.
    case select(Socket, SelectHandle)
    /// `{'$socket', Socket, abort, {SelectHandle, Reason}}`: the operation was aborted,
    /// because the socket was closed (`closed`) or it failed.
    case abort(Socket, SelectHandle, SocketError.Reason)
    /// `{'DOWN', MonitorRef, socket, Socket, Info}`: a monitored socket closed.
    case down(MonitorRef, Socket, SocketError.Reason)

    /// The select handle the message is about (not for `down`).
    public var handle: SelectHandle? {
        switch self {
        case .select(_, let handle), .abort(_, let handle, _): return handle
        case .down: return nil
        }
    }

    public var description: String {
        switch self {
        case .select(let socket, let handle): return "{'$socket', \(socket), select, \(handle)}"
        case .abort(let socket, let handle, let reason): return "{'$socket', \(socket), abort, {\(handle), \(reason)}}"
        case .down(let ref, let socket, let reason): return "{'DOWN', \(ref), socket, \(socket), \(reason)}"
        }
    }
}

/// Erlang's monitor reference: identifies one monitor of a socket.
public struct MonitorRef: Hashable, Sendable, CustomStringConvertible {
    public let id: UInt64
    public var description: String { "#Ref<monitor \(id)>" }
}
