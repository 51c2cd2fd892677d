import SocketConstants
import SystemPackage

extension Socket {
    func acceptAttempt(fd: CInt, count: inout Socket.Count) -> Step<Socket> {
        if !count.mayBlock, case .failure(let error) = makeNonblocking(fd) { return .failed(error) }
        switch Syscall.accept(fd, nil, nil) {
        case .success(let new):
            count.packets += 1
            // Unlike OTP, the listening socket stays a listening socket: accept does not mark
            // it connected.
            return .done(Socket(fd: new, domain: domain, type: type, protocol: self.protocol, acceptedBy: self))
        case .failure(.resourceTemporarilyUnavailable):
            return .wouldBlock
        case .failure(.connectionAbort):
            return .wouldBlock  // a connection that died in the queue: wait for the next one
        case .failure(let errno):
            return .failed(.errno(errno))
        }
    }

    /// Erlang `accept/1,2` with timeout `infinity` (`nil`) or a time-out: the next
    /// connection of a listening socket, as a new socket.
    public func accept(timeout: Duration? = nil) throws(SocketError) -> Socket {
        var count = Socket.Count()
        return try perform(.accept, deadline: timeout.map(Deadline.after), &count) { fd, count in
            acceptAttempt(fd: fd, count: &count)
        }.get()
    }

    /// Erlang `accept/2` with `nowait` or a select handle.
    public func accept(select mode: SelectMode) throws(SocketError) -> Completion<Socket> {
        var count = Socket.Count()
        switch performSelect(.accept, .accept, mode: mode, &count, { fd, count in acceptAttempt(fd: fd, count: &count) }) {
        case .done(let socket): return .completed(socket)
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// `accept` for async code.
    public func accept(timeout: Duration? = nil) async throws(SocketError) -> Socket {
        var count = Socket.Count()
        return try await performAsync(.accept, deadline: timeout.map(Deadline.after), &count) { fd, count in
            acceptAttempt(fd: fd, count: &count)
        }.get()
    }
}
