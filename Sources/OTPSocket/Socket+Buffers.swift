import SocketConstants
import SystemPackage

/// `recv`, `recvfrom`, `send` and `sendto` through the caller's memory, as recv(2) and
/// send(2) take it, and as swift-system's `FileDescriptor.read(into:)` and `write(_:)` do.
///
/// Erlang has no counterpart (its calls return and take binaries). They exist so that a
/// loop can receive and send without allocating: the array-returning calls allocate the
/// array they return, which on a 64-byte ping-pong is about a third of the library's work
/// per round trip. Waiting, time-outs, `nowait` and select handles, the queues and the
/// counters are those of the array calls. The memory must stay valid until the call
/// returns, across its waits; an async call must not be handed memory that another task
/// touches meanwhile.
extension Socket {
    /// The syscall side of `recv(into:)`: one recv(2), what is there up to `buffer.count`
    /// bytes. Returns the bytes written (with `trunc`, never more than the buffer holds).
    func recvAttempt(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags, fd: CInt, count: inout Socket.Count) -> Step<Int> {
        if flags.contains(.trunc) { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
        let raw = count.mayBlock ? flags.rawValue : flags.rawValue | Native.MSG_DONTWAIT
        switch Syscall.recv(fd, buffer, raw) {
        case .success(let n):
            return received(n, into: buffer, count: &count)
        case .failure(let errno):
            return Step(failure: errno)
        }
    }

    /// What a read of `n` bytes into `buffer` returns: the peer's close of a stream (`n` 0
    /// with room to read) and a blocking read woken by `close` are `closed`.
    private func received(_ n: Int, into buffer: UnsafeMutableRawBufferPointer, count: inout Socket.Count) -> Step<Int> {
        if n == 0 && isStream && buffer.count > 0 { return .failed(.closed) }
        if n == 0 && count.mayBlock && isClosed { return .failed(.closed) }
        let written = min(n, buffer.count)
        count.transferred(written)
        return .done(written)
    }

    /// An empty buffer cannot tell a stream's end from an empty read.
    private func checkReadable(_ buffer: UnsafeMutableRawBufferPointer) throws(SocketError) {
        if buffer.isEmpty && isStream { throw .invalid("empty buffer on a stream socket") }
    }

    /// Erlang `recv/1..4` into the caller's memory (Erlang returns a binary instead), with
    /// timeout `infinity` (`nil`) or a time-out (`.zero` polls once): one read of what is
    /// available, up to `buffer.count` bytes; returns how many it wrote. Unlike the array
    /// `recv` with a length, a stream read does not wait for the buffer to fill. The peer
    /// closing a stream throws `closed`; a zero-length datagram returns 0. An empty buffer
    /// is `invalid` on a stream socket.
    public func recv(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> Int {
        try checkReadable(buffer)
        var count = Socket.Count()
        return try perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvAttempt(into: buffer, flags: flags, fd: fd, count: &count)
        }.get()
    }

    /// Erlang `recv/3,4` with `nowait` or a select handle, into `buffer`: `.completed(n)`,
    /// or `.selected` when it must wait; after the `select` message, call again.
    public func recv(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<Int> {
        try checkReadable(buffer)
        var count = Socket.Count()
        switch performSelect(.read, .recv, mode: mode, &count, { fd, count in
            recvAttempt(into: buffer, flags: flags, fd: fd, count: &count)
        }) {
        case .done(let n): return .completed(n)
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// `recv(into:)` for async code. Cancelling the task cancels the receive (`cancelled`).
    public func recv(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> Int {
        try checkReadable(buffer)
        var count = Socket.Count()
        return try await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvAttempt(into: buffer, flags: flags, fd: fd, count: &count)
        }.get()
    }

    // MARK: recvfrom

    /// Always inlined: with the result's `map`, the optimizer left it out of line in each
    /// engine (+49 instructions per W3 round trip).
    @inline(__always)
    func recvfromAttempt(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags, fd: CInt, count: inout Socket.Count) -> Step<(source: SocketAddress, count: Int)> {
        switch recvfromOnce(buffer, flags: flags, fd: fd, mayBlock: count.mayBlock) {
        case .success(let (n, source)):
            return received(n, into: buffer, count: &count).map { (source, $0) }
        case .failure(let errno):
            return Step(failure: errno)
        }
    }

    /// Erlang `recvfrom/1..4` into the caller's memory (Erlang returns `{Source, Data}`):
    /// one message and its source; returns how many bytes it wrote (a longer datagram is
    /// truncated to the buffer, as by recvfrom(2)).
    public func recvfrom(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> (source: SocketAddress, count: Int) {
        try checkReadable(buffer)
        var count = Socket.Count()
        return try perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvfromAttempt(into: buffer, flags: flags, fd: fd, count: &count)
        }.get()
    }

    /// Erlang `recvfrom/3,4` with `nowait` or a select handle, into `buffer`.
    public func recvfrom(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<RecvFromCount> {
        try checkReadable(buffer)
        var count = Socket.Count()
        switch performSelect(.read, .recvfrom, mode: mode, &count, { fd, count in
            recvfromAttempt(into: buffer, flags: flags, fd: fd, count: &count)
        }) {
        case .done(let (source, n)): return .completed(RecvFromCount(source: source, count: n))
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// `recvfrom(into:)` for async code.
    public func recvfrom(into buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> (source: SocketAddress, count: Int) {
        try checkReadable(buffer)
        var count = Socket.Count()
        return try await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvfromAttempt(into: buffer, flags: flags, fd: fd, count: &count)
        }.get()
    }

    // MARK: send and sendto

    /// Erlang `send/2..4` of the caller's memory (Erlang takes a binary), with timeout
    /// `infinity` (`nil`) or a time-out: returns when the kernel has taken all of it. As
    /// with the array `send`, an error after part of a stream went out carries the `rest` (a
    /// copy of the bytes not sent).
    public func send(_ bytes: UnsafeRawBufferPointer, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        try send(bytes, to: nil, flags: flags, timeout: timeout)
    }

    /// Erlang `send/3,4` of `bytes` with `nowait` or a select handle; unlike Erlang (and the
    /// array `send`), which give back the rest, it counts: `.completed(n)` when all `n` were
    /// taken; `.selected`, or `.partial(info, sent)` with the count sent so far, when it must
    /// wait. To go on, send the bytes from `sent` on with `.handle(info.handle)` after the
    /// `select` message.
    public func send(_ bytes: UnsafeRawBufferPointer, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<Int> {
        try send(bytes, to: nil, .send, flags: flags, select: mode)
    }

    /// `send` of `bytes` for async code.
    public func send(_ bytes: UnsafeRawBufferPointer, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        try await send(bytes, to: nil, flags: flags, timeout: timeout)
    }

    /// Erlang `sendto/3..5` of the caller's memory to `destination`.
    public func sendto(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        try send(bytes, to: destination, flags: flags, timeout: timeout)
    }

    /// Erlang `sendto/4,5` with `nowait` or a select handle, counting as `send` of bytes
    /// with `nowait` does.
    public func sendto(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<Int> {
        try send(bytes, to: destination, .sendto, flags: flags, select: mode)
    }

    /// `sendto` of `bytes` for async code.
    public func sendto(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        try await send(bytes, to: destination, flags: flags, timeout: timeout)
    }

}

/// What `recvfrom(into:select:)` completes with: Erlang's `{Source, Data}`, with the count
/// of bytes written into the caller's memory instead of the data.
public struct RecvFromCount: Sendable, Hashable {
    public var source: SocketAddress
    public var count: Int

    public init(source: SocketAddress, count: Int) {
        self.source = source
        self.count = count
    }
}
