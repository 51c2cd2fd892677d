import SocketConstants
import SystemPackage

/// The file `sendfile` reads: Erlang's `FileHandle` (a raw file), as a descriptor or a path.
public enum SendfileSource: Sendable, Hashable {
    /// An open, readable descriptor. It stays the caller's, and its file position does not
    /// move: `sendfile` reads from the offset it is given.
    case descriptor(CInt)
    /// A file that each call opens (read-only, close-on-exec) and closes.
    case path(String)
}

extension Socket {
    /// Whether the platform has `sendfile(2)` (its snapshot defines `SYS_sendfile`). Where it
    /// does not, ``sendfile(_:offset:count:timeout:)`` reads the file and sends what it read.
    public static let supportsSendfile: Bool = SpecTables.snapshot()?.value("SYS_sendfile") != nil

    /// Bytes one `sendfile(2)` is asked for when the count is "to the end of the file": far
    /// below where `offset + count` could overflow, far above a socket buffer.
    static let sendfileChunk = 1 << 30
    /// The buffer of the read-and-send fallback.
    static let sendfileFallbackBuffer = 64 * 1024

    /// Where a `sendfile` is: the next file offset, the bytes still wanted (`nil`: to the end
    /// of the file) and the bytes sent so far.
    struct SendfileProgress {
        var position: Int64
        var remaining: Int?
        var sent = 0

        mutating func took(_ n: Int) {
            position += Int64(n)
            sent += n
            remaining = remaining.map { $0 - n }
        }

        var isFinished: Bool { remaining == 0 }
    }

    /// The syscall side of `sendfile`: `sendfile(2)` until the count is sent, the file ends
    /// or the socket would block; or, with `useSyscall` false, `pread` and `send` (a chunk
    /// read but not taken by the socket is read again on the next try).
    ///
    /// One attempt blocks `SIGPIPE` once for all its sendfile(2) chunks
    /// (``withoutSIGPIPE(_:)``): a blocking call with timeout `infinity` (the kernel sleeps
    /// in sendfile(2)) and a `nowait` call are one attempt; a call that waits for the socket
    /// makes one attempt per wake-up. The fallback sends with `MSG_NOSIGNAL` and needs no mask.
    func sendfileAttempt(input: CInt, progress: inout SendfileProgress, useSyscall: Bool,
                         fd: CInt, count: inout Socket.Count) -> Step<Int> {
        // sendfile(2) has no per-call flag: a call that must not sleep needs O_NONBLOCK.
        if !count.mayBlock, case .failure(let error) = makeNonblocking(fd) { return .failed(error) }
        guard useSyscall else {
            return Socket.sendfileChunks(&progress, &count) { progress in
                sendfileFallback(input: input, progress: progress, fd: fd)
            }
        }
        return Socket.withoutSIGPIPE {
            Socket.sendfileChunks(&progress, &count) { progress in
                var position = progress.position
                let chunk = min(progress.remaining ?? Socket.sendfileChunk, Socket.sendfileChunk)
                return Syscall.sendfile(fd, input, &position, chunk)
            }
        }
    }

    /// Calls `send` (one chunk: the bytes the socket took, 0 at the end of the file) until
    /// the count is sent, the file ends, the socket would block or a call fails.
    static func sendfileChunks(_ progress: inout SendfileProgress, _ count: inout Socket.Count,
                               _ send: (SendfileProgress) -> Result<Int, Errno>) -> Step<Int> {
        while true {
            if progress.isFinished { return .done(progress.sent) }
            switch send(progress) {
            case .success(0):
                return .done(progress.sent)  // the end of the file
            case .success(let n):
                progress.took(n)
                count.transferred(n)
            case .failure(.resourceTemporarilyUnavailable):
                return .wouldBlock
            case .failure(let errno):
                return .failed(.errno(errno))
            }
        }
    }

    /// One read and one send: how many bytes the socket took (0 at the end of the file).
    func sendfileFallback(input: CInt, progress: SendfileProgress, fd: CInt) -> Result<Int, Errno> {
        let want = min(progress.remaining ?? Socket.sendfileFallbackBuffer, Socket.sendfileFallbackBuffer)
        return withUnsafeTemporaryAllocation(byteCount: want, alignment: 1) { buffer in
            switch Syscall.pread(input, buffer, progress.position) {
            case .failure(let errno):
                return .failure(errno)
            case .success(0):
                return .success(0)
            case .success(let read):
                // The descriptor's mode decides: the attempt made it nonblocking when it must not sleep.
                return Syscall.send(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<read]), Native.MSG_NOSIGNAL)
            }
        }
    }

    /// Checks the arguments and opens the file of a path (`opened`: to be closed after the
    /// call).
    func sendfileStart(_ file: SendfileSource, offset: Int64, count: Int) throws(SocketError)
        -> (input: CInt, opened: Bool, progress: SendfileProgress) {
        guard offset >= 0 else { throw .invalid("offset \(offset)") }
        guard count >= 0 else { throw .invalid("count \(count)") }
        let progress = SendfileProgress(position: offset, remaining: count == 0 ? nil : count)
        switch file {
        case .descriptor(let input):
            guard input >= 0 else { throw .invalid("file descriptor \(input)") }
            return (input, false, progress)
        case .path(let path):
            return (try Socket.openPath(path), true, progress)
        }
    }

    func sendfileError(_ error: SocketError, _ progress: SendfileProgress) -> SocketError {
        guard progress.sent > 0 else { return error }
        var withCount = error
        withCount.bytesSent = progress.sent
        return withCount
    }

    func sendfileCount() -> Socket.Count {
        var count = Socket.Count()
        count.sendfile = true
        return count
    }

    // MARK: Blocking

    func sendfile(_ file: SendfileSource, offset: Int64, count bytes: Int, timeout: Duration?, useSyscall: Bool) throws(SocketError) -> Int {
        var (input, opened, progress) = try sendfileStart(file, offset: offset, count: bytes)
        defer { if opened { Syscall.close(input) } }
        var count = sendfileCount()
        let result = perform(.write, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendfileAttempt(input: input, progress: &progress, useSyscall: useSyscall, fd: fd, count: &count)
        }
        switch result {
        case .success(let sent): return sent
        case .failure(let error): throw sendfileError(error, progress)
        }
    }

    /// Erlang `sendfile/2..5` with timeout `infinity` (`nil`) or a time-out (`.zero` sends
    /// what fits at once): sends `count` bytes of the file from `offset` (`count` 0: to the
    /// end of the file) and returns how many were sent, fewer only when the file ended first.
    ///
    /// On a time-out or error after some bytes went out, the error carries ``SocketError/bytesSent``.
    /// Counted in the `sendfile_*` counters. Where ``supportsSendfile`` is false, the file is
    /// read and sent in chunks.
    public func sendfile(_ file: SendfileSource, offset: Int64 = 0, count: Int = 0, timeout: Duration? = nil) throws(SocketError) -> Int {
        try sendfile(file, offset: offset, count: count, timeout: timeout, useSyscall: Socket.supportsSendfile)
    }

    /// Erlang `sendfile(Socket, Cont, Offset, Count, Timeout)`: goes on after a `nowait`
    /// `sendfile` returned `.partial` or `.selected`, waiting as the blocking call does.
    /// `offset` and `count` are the caller's, as in Erlang: usually the first call's moved on
    /// by the bytes sent so far.
    public func sendfile(continuing info: SelectInfo, _ file: SendfileSource, offset: Int64 = 0, count: Int = 0,
                         timeout: Duration? = nil) throws(SocketError) -> Int {
        release(info, for: nil)
        return try sendfile(file, offset: offset, count: count, timeout: timeout)
    }

    // MARK: nowait

    func sendfile(_ file: SendfileSource, offset: Int64, count bytes: Int, select mode: SelectMode, useSyscall: Bool) throws(SocketError) -> Completion<Int> {
        var (input, opened, progress) = try sendfileStart(file, offset: offset, count: bytes)
        defer { if opened { Syscall.close(input) } }
        var count = sendfileCount()
        switch performSelect(.write, .sendfile, mode: mode, &count, { fd, count in
            sendfileAttempt(input: input, progress: &progress, useSyscall: useSyscall, fd: fd, count: &count)
        }) {
        case .done(let sent): return .completed(sent)
        case .selected(let info): return progress.sent > 0 ? .partial(info, progress.sent) : .selected(info)
        case .failed(let error): throw sendfileError(error, progress)
        }
    }

    /// Erlang `sendfile/5` with `nowait` or a select handle: `.completed(bytesSent)`, or
    /// `.selected` / `.partial(info, bytesSent)` when the socket must drain first. After the
    /// `select` message, go on with ``sendfile(continuing:_:offset:count:select:)`` from
    /// `offset + bytesSent` (and `count - bytesSent` when a count was given).
    public func sendfile(_ file: SendfileSource, offset: Int64 = 0, count: Int = 0, select mode: SelectMode) throws(SocketError) -> Completion<Int> {
        try sendfile(file, offset: offset, count: count, select: mode, useSyscall: Socket.supportsSendfile)
    }

    /// Erlang `sendfile(Socket, Cont, Offset, Count, nowait | SelectHandle)`.
    public func sendfile(continuing info: SelectInfo, _ file: SendfileSource, offset: Int64 = 0, count: Int = 0,
                         select mode: SelectMode) throws(SocketError) -> Completion<Int> {
        release(info, for: mode)
        return try sendfile(file, offset: offset, count: count, select: mode)
    }

    // MARK: async

    func sendfile(_ file: SendfileSource, offset: Int64, count bytes: Int, timeout: Duration?, useSyscall: Bool) async throws(SocketError) -> Int {
        var (input, opened, progress) = try sendfileStart(file, offset: offset, count: bytes)
        defer { if opened { Syscall.close(input) } }
        var count = sendfileCount()
        let result = await performAsync(.write, deadline: timeout.map(Deadline.after), &count) { fd, count in
            sendfileAttempt(input: input, progress: &progress, useSyscall: useSyscall, fd: fd, count: &count)
        }
        switch result {
        case .success(let sent): return sent
        case .failure(let error): throw sendfileError(error, progress)
        }
    }

    /// `sendfile` for async code.
    public func sendfile(_ file: SendfileSource, offset: Int64 = 0, count: Int = 0, timeout: Duration? = nil) async throws(SocketError) -> Int {
        try await sendfile(file, offset: offset, count: count, timeout: timeout, useSyscall: Socket.supportsSendfile)
    }

    /// The continuation for async code.
    public func sendfile(continuing info: SelectInfo, _ file: SendfileSource, offset: Int64 = 0, count: Int = 0,
                         timeout: Duration? = nil) async throws(SocketError) -> Int {
        release(info, for: nil)
        return try await sendfile(file, offset: offset, count: count, timeout: timeout)
    }
}
