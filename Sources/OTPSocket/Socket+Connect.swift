import SocketConstants
import SystemPackage

extension Socket {
    /// The syscall side of `connect`: the first try calls connect(2); once it is in
    /// progress, a try reads `SO_ERROR` after the descriptor became writable.
    func connectAttempt(_ address: SocketAddress, started: inout Bool, fd: CInt, mayBlock: Bool) -> Step<Void> {
        if started { return connectResult(fd) }
        if !mayBlock, case .failure(let error) = core.makeNonblocking(fd) { return .failed(error) }
        started = true
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
        switch result {
        case .success:
            core.update { $0.connected = true }
            return .done(())
        case .failure(let error) where error.reason == .errno(.nowInProgress):
            return .wouldBlock
        case .failure(let error):
            // `eagain` is no connection in progress: a local listener's queue is full (or no
            // local port is free). Nothing signals when that changes, and a local socket
            // that never connected polls writable with `SO_ERROR` 0, so waiting would report
            // a connection that does not exist (as OTP 25 does). The caller tries again.
            return .failed(error)
        }
    }

    /// Runs `body` with `O_NONBLOCK` set on `fd`, then restores its flags.
    static func withoutBlocking(_ fd: CInt, _ body: () -> Result<CInt, Errno>) -> Result<CInt, Errno> {
        let flags: CInt
        switch Syscall.fcntl(fd, Native.F_GETFL, 0) {
        case .failure(let errno): return .failure(errno)
        case .success(let value): flags = value
        }
        if flags & Native.O_NONBLOCK != 0 { return body() }
        if case .failure(let errno) = Syscall.fcntl(fd, Native.F_SETFL, flags | Native.O_NONBLOCK) { return .failure(errno) }
        defer { _ = Syscall.fcntl(fd, Native.F_SETFL, flags) }
        return body()
    }

    /// How an in-progress connect ended: `SO_ERROR`.
    func connectResult(_ fd: CInt) -> Step<Void> {
        do {
            let error = try Socket.readInt(fd, Native.SOL_SOCKET, Native.SO_ERROR)
            if error == 0 {
                core.update { $0.connected = true }
                return .done(())
            }
            let errno = Errno(rawValue: error)
            return errno == .nowInProgress || errno == .alreadyInProcess ? .wouldBlock : .failed(.errno(errno))
        } catch {
            return .failed(error)
        }
    }

    /// Erlang `connect/2,3` with timeout `infinity` (`nil`) or a time-out. A second connect
    /// while one is in progress fails with `already`. A local socket whose listener's queue
    /// is full fails at once with `eagain`, in every mode (OTP 25 reports `ok` for a socket
    /// that never connected).
    public func connect(to address: SocketAddress, timeout: Duration? = nil) throws(SocketError) {
        var started = false
        var count = SocketCore.Count()
        try perform(.connect, .connect, deadline: timeout.map(Deadline.after), queues: false, &count) { fd, count in
            connectAttempt(address, started: &started, fd: fd, mayBlock: count.mayBlock)
        }.get()
    }

    /// Erlang `connect/3` with `nowait` or a select handle: `.selected` when the connection
    /// is in progress; after the `select` message, ``connect()`` finalizes it.
    public func connect(to address: SocketAddress, select mode: SelectMode) throws(SocketError) -> Completion<Void> {
        var started = false
        var count = SocketCore.Count()
        switch performSelect(.connect, .connect, mode: mode, queues: false, &count, { fd, count in
            connectAttempt(address, started: &started, fd: fd, mayBlock: count.mayBlock)
        }) {
        case .done: return .completed(())
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// Erlang `connect/1`: finalizes a `nowait` connect after its `select` message, returning
    /// when it succeeded and throwing its error (`econnrefused`, ...) when it failed.
    public func connect() throws(SocketError) {
        let waiting: Bool = core.update { state in
            guard let owner = state.connect.ownerWaiter, owner.selectHandle != nil else { return false }
            state.connect.owner = .none
            return true
        }
        _ = waiting
        try withDescriptor { (fd) throws(SocketError) in
            switch connectResult(fd) {
            case .done: return
            case .wouldBlock: throw .errno(.nowInProgress)
            case .failed(let error): throw error
            }
        }
    }

    /// `connect` for async code.
    public func connect(to address: SocketAddress, timeout: Duration? = nil) async throws(SocketError) {
        var started = false
        var count = SocketCore.Count()
        try await performAsync(.connect, .connect, deadline: timeout.map(Deadline.after), queues: false, &count) { fd, count in
            connectAttempt(address, started: &started, fd: fd, mayBlock: count.mayBlock)
        }.get()
    }

    /// Erlang `cancel/2`: cancels a `nowait` operation. Its `select` message, if already
    /// sent, is removed from the mailbox. An unknown or finished operation is `invalid`.
    public func cancel(_ info: SelectInfo) throws(SocketError) {
        try core.cancel(info)
    }
}
