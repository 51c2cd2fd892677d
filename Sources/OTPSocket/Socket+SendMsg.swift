import SocketConstants
import SystemPackage

/// Where a `sendmsg` is in its I/O vector, across syscalls and waits.
struct IOVCursor {
    /// The element the next byte comes from, and the byte within it.
    var element = 0
    var offset = 0
    /// Bytes the kernel took so far.
    var sent = 0
    /// A syscall took part of the message: the address and the control messages went with
    /// it and are not sent again.
    var started = false

    /// Steps over `n` bytes the kernel took, and over empty elements.
    mutating func advance(_ n: Int, in iov: [[UInt8]]) {
        sent += n
        var left = n
        while element < iov.count {
            let available = iov[element].count - offset
            if left < available {
                offset += left
                return
            }
            left -= available
            element += 1
            offset = 0
        }
    }

    /// Whether every byte of `iov` was taken.
    func isFinished(_ iov: [[UInt8]]) -> Bool {
        element >= iov.count || (iov[element...].allSatisfy(\.isEmpty) && offset == 0)
    }

    /// The data not yet sent, as an I/O vector: the unsent end of the current element
    /// (copied), then the remaining elements (shared, not copied).
    func rest(of iov: [[UInt8]]) -> [[UInt8]] {
        guard element < iov.count else { return [] }
        let head = offset == 0 ? iov[element] : Array(iov[element][offset...])
        return [head] + iov[(element + 1)...]
    }
}

extension Socket {
    /// A message's native address and control buffer, made once before the first syscall.
    struct PreparedMessage {
        var name: [UInt8]?
        var control: [UInt8]
    }

    /// Checks and encodes what does not change between tries. More elements than `IOV_MAX`
    /// is `invalid(iov)` except on a stream socket, as the manual says.
    func prepare(_ message: MsgSend) throws(SocketError) -> PreparedMessage {
        let limit = Int(Native.IOV_MAX)
        if !isStream && message.iov.count > limit {
            throw .invalid("iov: \(message.iov.count) elements, more than iov_max \(limit)")
        }
        var name: [UInt8]?
        if let address = message.addr {
            name = try address.withNative { (raw, length) throws(SocketError) in
                Array(UnsafeRawBufferPointer(start: raw, count: length))
            }
        }
        return PreparedMessage(name: name, control: try CmsgSend.encode(message.ctrl))
    }

    /// The syscall side of `sendmsg`: one `sendmsg(2)` per at most `IOV_MAX` elements. A
    /// stream socket goes on until all is taken or it would block; a datagram goes in one call.
    func sendmsgAttempt(_ iov: [[UInt8]], _ prepared: PreparedMessage, flags: MsgFlags, cursor: inout IOVCursor,
                        fd: CInt, count: inout Socket.Count) -> Step<Void> {
        let stream = isStream
        let flags = flags.rawValue | Native.MSG_NOSIGNAL | (count.mayBlock ? 0 : Native.MSG_DONTWAIT)
        let limit = Int(Native.IOV_MAX)
        while true {
            if cursor.started && cursor.isFinished(iov) { return .done(()) }
            let first = !cursor.started
            let elements = min(iov.count - cursor.element, limit)
            let result: Result<Int, Errno> = MessageHeader.withPinned(iov, from: cursor.element, skipping: cursor.offset, count: elements) { table, n in
                Socket.withBytes(first ? prepared.name : nil, alignment: 1) { name, nameLength in
                    Socket.withBytes(first ? prepared.control : nil, alignment: Layout.cmsghdr.alignment) { control, controlLength in
                        MessageHeader.with(name: name, nameLength: nameLength, iov: table, iovCount: n,
                                           control: control, controlLength: controlLength) { header in
                            Syscall.sendmsg(fd, UnsafeRawPointer(header.baseAddress!), flags)
                        }
                    }
                }
            }
            switch result {
            case .success(let n):
                cursor.started = true
                cursor.advance(n, in: iov)
                count.transferred(n)
                if !stream { return .done(()) }
            case .failure(.resourceTemporarilyUnavailable):
                return .wouldBlock
            case .failure(let errno):
                return .failed(.errno(errno))
            }
        }
    }

    /// Calls `body` with a copy of `bytes` at the given alignment, or with null and 0.
    static func withBytes<R>(_ bytes: [UInt8]?, alignment: Int, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
        guard let bytes, !bytes.isEmpty else { return body(nil, 0) }
        return withUnsafeTemporaryAllocation(byteCount: bytes.count, alignment: alignment) { raw in
            raw.copyBytes(from: bytes)
            return body(UnsafeRawPointer(raw.baseAddress!), bytes.count)
        }
    }

    func sendmsgError(_ error: SocketError, _ iov: [[UInt8]], _ cursor: IOVCursor) -> SocketError {
        guard isStream, cursor.sent > 0, !cursor.isFinished(iov) else { return error }
        var withRest = error
        withRest.rest = Array(cursor.rest(of: iov).joined())
        return withRest
    }

    /// Erlang `sendmsg/2,3,4` with timeout `infinity` (`nil`) or a time-out (`.zero` tries
    /// once): sends `message` (data, an optional destination, control messages) and returns
    /// when the kernel has taken all of it.
    ///
    /// The I/O vector's elements are handed to the kernel in place, never joined. With more
    /// elements than `IOV_MAX` (`info().iovMax`), a stream socket sends them in turns of
    /// `IOV_MAX`; any other socket fails with `invalid(iov)`, as the manual says. On a
    /// time-out or error after part of a stream went out, the error carries the `rest`
    /// (joined into one array).
    public func sendmsg(_ message: MsgSend, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        let prepared = try prepare(message)
        var cursor = IOVCursor()
        var count = Socket.Count()
        let result = perform(.write, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendmsgAttempt(message.iov, prepared, flags: flags, cursor: &cursor, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendmsgError(error, message.iov, cursor) }
    }

    /// Erlang `sendmsg/3,4` with `nowait` or a select handle: `.completed([])` when all was
    /// taken; `.selected`, or `.partial(info, rest)` on a stream socket that took part of it,
    /// when it must wait. The rest is an I/O vector: after the `select` message, send it with
    /// ``sendmsg(_:continuing:flags:select:)`` (Erlang `sendmsg(Socket, RestData, Cont)`).
    public func sendmsg(_ message: MsgSend, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[[UInt8]]> {
        let prepared = try prepare(message)
        var cursor = IOVCursor()
        var count = Socket.Count()
        switch performSelect(.write, .sendmsg, mode: mode, &count, { fd, count in
            sendmsgAttempt(message.iov, prepared, flags: flags, cursor: &cursor, fd: fd, count: &count)
        }) {
        case .done: return .completed([])
        case .selected(let info): return cursor.sent > 0 ? .partial(info, cursor.rest(of: message.iov)) : .selected(info)
        case .failed(let error): throw sendmsgError(error, message.iov, cursor)
        }
    }

    /// `sendmsg` for async code.
    public func sendmsg(_ message: MsgSend, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        let prepared = try prepare(message)
        var cursor = IOVCursor()
        var count = Socket.Count()
        let result = await performAsync(.write, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendmsgAttempt(message.iov, prepared, flags: flags, cursor: &cursor, fd: fd, count: &count)
        }
        if case .failure(let error) = result { throw sendmsgError(error, message.iov, cursor) }
    }

    // MARK: Continuation (Erlang sendmsg(Socket, Data, Cont, ...))

    /// Releases the write direction a parked `nowait` operation holds, unless `mode` takes it
    /// over (a select call from the same mailbox does).
    func release(_ info: SelectInfo, for mode: SelectMode?) {
        if let mode, mode.mailboxSerial == info.handle.mailboxSerial { return }
        try? cancelSelect(info)
    }

    /// Erlang `sendmsg(Socket, Data, Cont)` and `sendmsg(Socket, Data, Cont, Timeout)`: sends
    /// the rest of a message that a `nowait` `sendmsg` returned with `.partial`, waiting as
    /// the blocking ``sendmsg(_:flags:timeout:)`` does. The address and control messages
    /// already went with the first part.
    public func sendmsg(_ rest: [[UInt8]], continuing info: SelectInfo, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) {
        release(info, for: nil)
        try sendmsg(MsgSend(iov: rest), flags: flags, timeout: timeout)
    }

    /// Erlang `sendmsg(Socket, Data, Cont, nowait | SelectHandle)`: goes on with the rest of a
    /// message after its `select` message.
    public func sendmsg(_ rest: [[UInt8]], continuing info: SelectInfo, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[[UInt8]]> {
        release(info, for: mode)
        return try sendmsg(MsgSend(iov: rest), flags: flags, select: mode)
    }

    /// The continuation for async code.
    public func sendmsg(_ rest: [[UInt8]], continuing info: SelectInfo, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) {
        release(info, for: nil)
        try await sendmsg(MsgSend(iov: rest), flags: flags, timeout: timeout)
    }
}
