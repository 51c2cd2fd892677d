import SocketConstants
import SystemPackage

extension Socket {
    /// The syscall side of `send`/`sendto`: a stream socket sends until all is accepted or it
    /// would block; a datagram goes in one call. `sent` counts across waits. `MSG_NOSIGNAL`
    /// is always set: a closed peer is `epipe`, never a signal.
    func sendAttempt(_ bytes: UnsafeRawBufferPointer, flags: MsgFlags, to address: SocketAddress?, sent: inout Int,
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

    /// `data`'s attempt: `sendAttempt` on its bytes.
    func sendAttempt(_ data: [UInt8], flags: MsgFlags, to address: SocketAddress?, sent: inout Int,
                     fd: CInt, count: inout Socket.Count) -> Step<Void> {
        data.withUnsafeBytes { sendAttempt($0, flags: flags, to: address, sent: &sent, fd: fd, count: &count) }
    }

    /// `error`, with the bytes not sent as its `rest` when part of them went out.
    func sendError(_ error: SocketError, _ bytes: UnsafeRawBufferPointer, sent: Int) -> SocketError {
        guard sent > 0, sent < bytes.count else { return error }
        var withRest = error
        withRest.rest = Array(bytes[sent...])
        return withRest
    }

    func sendError(_ error: SocketError, _ data: [UInt8], sent: Int) -> SocketError {
        data.withUnsafeBytes { sendError(error, $0, sent: sent) }
    }

    /// Erlang `send/2..4` with timeout `infinity` (`nil`) or a time-out: returns when the
    /// kernel has taken all of `data`. On a time-out or error after part of a stream went out,
    /// the error carries the `rest`.
    public func send(_ data: [UInt8], flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        var sent = 0
        var count = Socket.Count()
        let result = perform(.write, .send, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendAttempt(data, flags: flags, to: nil, sent: &sent, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendError(error, data, sent: sent) }
    }

    /// Erlang `send/3,4` with `nowait` or a select handle: `.completed([])` when all was
    /// taken, `.selected` or `.partial(info, rest)` when it must wait. To go on, call
    /// `send(rest, select: .handle(info.handle))` after the `select` message (Erlang's
    /// `send(Socket, Data, Cont)`).
    public func send(_ data: [UInt8], flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[UInt8]> {
        var sent = 0
        var count = Socket.Count()
        switch performSelect(.write, .send, mode: mode, &count, { fd, count in
            sendAttempt(data, flags: flags, to: nil, sent: &sent, fd: fd, count: &count)
        }) {
        case .done: return .completed([])
        case .selected(let info): return sent > 0 ? .partial(info, Array(data[sent...])) : .selected(info)
        case .failed(let error): throw sendError(error, data, sent: sent)
        }
    }

    /// `send` for async code.
    public func send(_ data: [UInt8], flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        var sent = 0
        var count = Socket.Count()
        let result = await performAsync(.write, .send, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendAttempt(data, flags: flags, to: nil, sent: &sent, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendError(error, data, sent: sent) }
    }

    /// Erlang `sendto/3..5`: sends `data` to `destination`.
    public func sendto(_ data: [UInt8], to destination: SocketAddress, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        var sent = 0
        var count = Socket.Count()
        let result = perform(.write, .sendto, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendAttempt(data, flags: flags, to: destination, sent: &sent, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendError(error, data, sent: sent) }
    }

    /// `sendto` with `nowait` or a select handle.
    public func sendto(_ data: [UInt8], to destination: SocketAddress, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[UInt8]> {
        var sent = 0
        var count = Socket.Count()
        switch performSelect(.write, .sendto, mode: mode, &count, { fd, count in
            sendAttempt(data, flags: flags, to: destination, sent: &sent, fd: fd, count: &count)
        }) {
        case .done: return .completed([])
        case .selected(let info): return sent > 0 ? .partial(info, Array(data[sent...])) : .selected(info)
        case .failed(let error): throw sendError(error, data, sent: sent)
        }
    }

    /// `sendto` for async code.
    public func sendto(_ data: [UInt8], to destination: SocketAddress, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        var sent = 0
        var count = Socket.Count()
        let result = await performAsync(.write, .sendto, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendAttempt(data, flags: flags, to: destination, sent: &sent, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendError(error, data, sent: sent) }
    }
}
