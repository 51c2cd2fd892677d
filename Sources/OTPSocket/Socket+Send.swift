import SocketConstants
import SystemPackage

/// What `send` and `sendto` take: an array's bytes, or the caller's memory.
protocol SendBytes {
    var byteCount: Int { get }
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension Array: SendBytes where Element == UInt8 {
    var byteCount: Int { count }
    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension UnsafeRawBufferPointer: SendBytes {
    var byteCount: Int { count }
    @inline(__always) func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(self) }
}

extension Socket {
    /// The syscall side of `send`/`sendto` on `data`'s bytes (below).
    func sendAttempt(_ data: some SendBytes, flags: MsgFlags, to address: SocketAddress?, sent: inout Int,
                     fd: CInt, count: inout Socket.Count) -> Step<Void> {
        data.withBytes { bytes in
            sendAttempt(bytes, flags: flags, to: address, sent: &sent, fd: fd, count: &count)
        }
    }

    /// The syscall side of `send`/`sendto`: a stream socket sends until all is accepted or it
    /// would block; a datagram goes in one call. `sent` counts across waits. `MSG_NOSIGNAL`
    /// is always set: a closed peer is `epipe`, never a signal.
    private func sendAttempt(_ bytes: UnsafeRawBufferPointer, flags: MsgFlags, to address: SocketAddress?, sent: inout Int,
                             fd: CInt, count: inout Socket.Count) -> Step<Void> {
        let stream = isStream
        let flags = flags.rawValue | Native.MSG_NOSIGNAL | (count.mayBlock ? 0 : Native.MSG_DONTWAIT)
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[sent...])
            let result: Result<Int, SocketError>
            if let address {
                do throws(SocketError) {
                    result = try address.withNative { (raw, length) throws(SocketError) in
                        Syscall.sendto(fd, rest, flags, raw, length).mapError { .errno($0) }
                    }
                } catch {
                    result = .failure(error)
                }
            } else {
                result = Syscall.send(fd, rest, flags).mapError { .errno($0) }
            }
            switch result {
            case .success(let n):
                sent += n
                count.transferred(n)
                if !stream || sent >= bytes.count { return .done(()) }
            case .failure(let error):
                if error.reason == .errno(.resourceTemporarilyUnavailable) { return .wouldBlock }
                return .failed(error)
            }
        }
    }

    /// `error`, with the bytes not sent as its `rest` when part of them went out.
    func sendError(_ error: SocketError, _ data: some SendBytes, sent: Int) -> SocketError {
        guard sent > 0, sent < data.byteCount else { return error }
        var withRest = error
        withRest.rest = data.withBytes { Array($0[sent...]) }
        return withRest
    }

    // MARK: The three styles, for an array's bytes and the caller's memory alike
    //
    // Inlined into each public call, as the engines are: out of line, an async one is one
    // async frame more per send (~120 instructions in W1 async).

    /// A blocking `send` (`destination` nil) or `sendto` of all of `data`.
    @inline(__always)
    func send(_ data: some SendBytes, to destination: SocketAddress?, flags: MsgFlags,
              timeout: Duration?) throws(SocketError) {
        var sent = 0
        var count = Socket.Count()
        let result = perform(.write, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendAttempt(data, flags: flags, to: destination, sent: &sent, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendError(error, data, sent: sent) }
    }

    /// A `nowait` `send` or `sendto` of `data`: `.completed` with the bytes sent, or
    /// `.selected`, or `.partial` with the bytes sent so far.
    @inline(__always)
    func send(_ data: some SendBytes, to destination: SocketAddress?, _ tag: SelectTag, flags: MsgFlags,
              select mode: SelectMode) throws(SocketError) -> Completion<Int> {
        var sent = 0
        var count = Socket.Count()
        switch performSelect(.write, tag, mode: mode, &count, { fd, count in
            sendAttempt(data, flags: flags, to: destination, sent: &sent, fd: fd, count: &count)
        }) {
        case .done: return .completed(data.byteCount)
        case .selected(let info): return sent > 0 ? .partial(info, sent) : .selected(info)
        case .failed(let error): throw sendError(error, data, sent: sent)
        }
    }

    /// An async `send` or `sendto` of all of `data`.
    @inline(__always)
    func send(_ data: some SendBytes, to destination: SocketAddress?, flags: MsgFlags,
              timeout: Duration?) async throws(SocketError) {
        var sent = 0
        var count = Socket.Count()
        let result = await performAsync(.write, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendAttempt(data, flags: flags, to: destination, sent: &sent, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendError(error, data, sent: sent) }
    }

    /// An array call's `nowait` outcome: the rest still to send, rather than a count.
    private func rest(_ data: [UInt8], _ completion: Completion<Int>) -> Completion<[UInt8]> {
        switch completion {
        case .completed: return .completed([])
        case .selected(let info): return .selected(info)
        case .partial(let info, let sent): return .partial(info, Array(data[sent...]))
        }
    }

    /// Erlang `send/2..4` with timeout `infinity` (`nil`) or a time-out: returns when the
    /// kernel has taken all of `data`. On a time-out or error after part of a stream went out,
    /// the error carries the `rest`.
    public func send(_ data: [UInt8], flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        try send(data, to: nil, flags: flags, timeout: timeout)
    }

    /// Erlang `send/3,4` with `nowait` or a select handle: `.completed([])` when all was
    /// taken, `.selected` or `.partial(info, rest)` when it must wait. To go on, call
    /// `send(rest, select: .handle(info.handle))` after the `select` message (Erlang's
    /// `send(Socket, Data, Cont)`).
    public func send(_ data: [UInt8], flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[UInt8]> {
        rest(data, try send(data, to: nil, .send, flags: flags, select: mode))
    }

    /// `send` for async code.
    public func send(_ data: [UInt8], flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        try await send(data, to: nil, flags: flags, timeout: timeout)
    }

    /// Erlang `sendto/3..5`: sends `data` to `destination`.
    public func sendto(_ data: [UInt8], to destination: SocketAddress, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        try send(data, to: destination, flags: flags, timeout: timeout)
    }

    /// `sendto` with `nowait` or a select handle.
    public func sendto(_ data: [UInt8], to destination: SocketAddress, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[UInt8]> {
        rest(data, try send(data, to: destination, .sendto, flags: flags, select: mode))
    }

    /// `sendto` for async code.
    public func sendto(_ data: [UInt8], to destination: SocketAddress, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        try await send(data, to: destination, flags: flags, timeout: timeout)
    }
}
