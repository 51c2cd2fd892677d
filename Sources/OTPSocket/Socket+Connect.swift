import SocketConstants
import SystemPackage

extension Socket {
    /// The syscall side of `connect`: calls connect(2), the first time and again after each
    /// wait. Linux answers a connect in progress with `EALREADY` (wait on), a finished one
    /// with success or its error, which is more than `SO_ERROR` can tell: `SO_ERROR` is 0
    /// while the handshake is still going on. A unix socket whose listener's backlog is full
    /// says `EAGAIN` and needs connect(2) again. A call that must not sleep first gives the
    /// descriptor `O_NONBLOCK` (connect(2) has no per-call flag).
    func connectAttempt(_ address: SocketAddress, again: inout Bool, fd: CInt, mayBlock: Bool = false) -> Step<Void> {
        if !mayBlock, case .failure(let error) = makeNonblocking(fd) { return .failed(error) }
        let result: Result<CInt, SocketError>
        do throws(SocketError) {
            result = try address.withNative { (raw, length) throws(SocketError) in
                // A local connect to a full listener would sleep in the kernel on the
                // listener's queue, where `close` of this socket cannot wake it: it is made
                // without blocking, and the descriptor keeps its mode.
                if mayBlock && domain == .local {
                    return Socket.withoutBlocking(fd) { Syscall.connect(fd, raw, length) }.mapError { .errno($0) }
                }
                return Syscall.connect(fd, raw, length).mapError { .errno($0) }
            }
        } catch {
            return .failed(error)
        }
        let retried = again
        again = true
        switch result {
        case .success:
            withLock { $0.connected = true; $0.connecting = nil }
            return .done(())
        case .failure(let error):
            switch error.reason {
            // `eagain` is no connection in progress: a local listener's queue is full (or no
            // local port is free). Nothing signals when that changes, and a local socket
            // that never connected polls writable with `SO_ERROR` 0, so waiting would report
            // a connection that does not exist (as OTP 25 does). The caller tries again.
            case .errno(.nowInProgress), .errno(.alreadyInProcess):
                withLock { $0.connecting = address }
                return .wouldBlock
            case .errno(.socketIsConnected) where retried:
                withLock { $0.connected = true; $0.connecting = nil }
                return .done(())
            default:
                withLock { $0.connecting = nil }
                return .failed(error)
            }
        }
    }

    /// Runs `body` with `O_NONBLOCK` set on `fd`, then restores its flags.
    static func withoutBlocking(_ fd: CInt, _ body: () -> Result<CInt, Errno>) -> Result<CInt, Errno> {
        let flags: CInt
        switch Syscall.setNonblocking(fd) {
        case .failure(let errno): return .failure(errno)
        case .success(let value): flags = value
        }
        if flags & Native.O_NONBLOCK != 0 { return body() }
        defer { _ = Syscall.fcntl(fd, Native.F_SETFL, flags) }
        return body()
    }

    /// Erlang `connect/2,3` with timeout `infinity` (`nil`) or a time-out. A second connect
    /// while one is in progress fails with `already`. A local socket whose listener's queue
    /// is full fails at once with `eagain`, in every mode (OTP 25 reports `ok` for a socket
    /// that never connected).
    public func connect(to address: SocketAddress, timeout: Duration? = nil) throws(SocketError) {
        var again = false
        var count = Socket.Count()
        try perform(.connect, deadline: timeout.map(Deadline.after), queues: false, &count) { fd, count in
            connectAttempt(address, again: &again, fd: fd, mayBlock: count.mayBlock)
        }.get()
    }

    /// Erlang `connect/3` with `nowait` or a select handle: `.selected` when the connection
    /// is in progress (always, for TCP); after the `select` message, ``connect()`` finalizes
    /// it, or calling this again from the same mailbox does.
    public func connect(to address: SocketAddress, select mode: SelectMode) throws(SocketError) -> Completion<Void> {
        var again = false
        var count = Socket.Count()
        switch performSelect(.connect, .connect, mode: mode, queues: false, &count, { fd, _ in
            connectAttempt(address, again: &again, fd: fd)
        }) {
        case .done: return .completed(())
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// Erlang `connect/1`: finalizes a `nowait` connect after its `select` message, returning
    /// when it succeeded and throwing its error (`econnrefused`, ...) when it failed.
    ///
    /// Without a `nowait` connect pending this is `invalid("state")`, as in OTP. Unlike OTP,
    /// which reads only `SO_ERROR` (0 while the handshake is still going on) and so reports
    /// success too early, a connect still in progress throws `einprogress` and stays pending:
    /// its `select` message will still come.
    public func connect() throws(SocketError) {
        let pending: (owner: Waiter, address: SocketAddress)?? = withLock { state in
            if state.closed { return .none }
            guard let owner = state[owner: .connect].waiter, owner.handleID != nil,
                  let address = state.connecting else { return .some(nil) }
            return (owner, address)
        }
        guard let found = pending else { throw .closed }
        guard let (owner, address) = found else { throw .invalid("state") }
        var again = true
        let step = try withDescriptor { fd in connectAttempt(address, again: &again, fd: fd) }
        if case .wouldBlock = step { throw .errno(.nowInProgress) }
        let finished: Bool = withLock { state in
            guard state[owner: .connect].waiter === owner else { return false }
            owner.revoked.store(true, ordering: .releasing)
            state[owner: .connect] = .none
            state.connecting = nil
            return true
        }
        if finished { owner.unpost() }
        if case .failed(let error) = step { throw error }
    }

    /// `connect` for async code.
    public func connect(to address: SocketAddress, timeout: Duration? = nil) async throws(SocketError) {
        var again = false
        var count = Socket.Count()
        try await performAsync(.connect, deadline: timeout.map(Deadline.after), queues: false, &count) { fd, _ in
            connectAttempt(address, again: &again, fd: fd)
        }.get()
    }

    /// Erlang `cancel/2`: cancels a `nowait` operation, waiting for readiness or queued. Its
    /// `select` message never arrives: one already in the mailbox is taken out, one on its
    /// way is dropped. An unknown or finished operation is `invalid(info)`; on a closed
    /// socket, `closed`.
    public func cancel(_ info: SelectInfo) throws(SocketError) {
        try cancelSelect(info)
    }
}
