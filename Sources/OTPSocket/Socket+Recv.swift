import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    var isStream: Bool { type == .stream }

    var defaultReadSize: Int { withLock { $0.otp.rcvbuf } }

    /// Reads up to this many bytes go through a buffer on the stack.
    static var smallRead: Int { 1024 }

    /// The syscall side of `recv`: reads until `length` bytes (stream, length > 0), or once.
    /// `data` keeps what arrived across waits, for partial results.
    ///
    /// Never returns more than its buffer: with `trunc` a datagram socket reports the
    /// datagram's real length, which OTP returns as bytes past its buffer; here only the
    /// bytes the buffer holds come back. A stream with `trunc` discards the data without
    /// copying it (Linux), so the buffer is zeroed first rather than returned uninitialized.
    /// With `peek`, a stream reads once: adding a peeked chunk to a peeked chunk would
    /// duplicate the data.
    func recvAttempt(length: Int, flags: MsgFlags, data: inout [UInt8]?, fd: CInt, count: inout Socket.Count) -> Step<[UInt8]> {
        let stream = isStream
        let capacity = length > 0 ? length : defaultReadSize
        let zeroFill = flags.contains(.trunc)
        let peek = flags.contains(.peek)
        let flags = count.mayBlock ? flags.rawValue : flags.rawValue | Native.MSG_DONTWAIT
        while true {
            let have = data?.count ?? 0
            let want = capacity - have
            var received = 0
            var failure: Errno?
            if data == nil, capacity > Socket.smallRead {
                // A large first read lands in the array it returns.
                // (With `trunc` the zeroed bytes count as what arrived: no second array.)
                let first = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                    if zeroFill { buffer.initialize(repeating: 0) }
                    switch Syscall.recv(fd, UnsafeMutableRawBufferPointer(buffer), flags) {
                    case .success(let n): received = n; initialized = min(n, capacity)
                    case .failure(let errno): failure = errno; initialized = 0
                    }
                }
                if failure == nil { data = first }
            } else {
                // A small first read, or the next chunk of a stream read, lands in a buffer
                // on the stack and is appended: for a small read, cheaper than
                // `Array(unsafeUninitializedCapacity:)`, whose storage type the runtime looks
                // up in its metadata cache on every call; and nothing is allocated when the
                // socket would block.
                withUnsafeTemporaryAllocation(byteCount: want, alignment: 16) { buffer in
                    if zeroFill { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
                    switch Syscall.recv(fd, buffer, flags) {
                    case .success(let n):
                        received = n
                        let kept = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: min(n, want))
                        if data == nil {
                            // One allocation of the exact size. (Reserving in a local and
                            // then appending through `data` left the buffer shared by both,
                            // and the append copied it into a second allocation.)
                            data = Array(kept)
                        } else {
                            data!.reserveCapacity(capacity)
                            data!.append(contentsOf: kept)
                        }
                    case .failure(let errno):
                        failure = errno
                    }
                }
            }
            if let failure {
                return Step(failure: failure)
            }
            if received == 0 && stream && want > 0 {
                return .failed(.closed)  // the peer closed: Erlang {error, closed}
            }
            if received == 0 && count.mayBlock && isClosed { return .failed(.closed) }
            count.transferred(min(received, want))
            if !stream || length == 0 || data!.count >= length || peek { return .done(data!) }
        }
    }

    func recvError(_ error: SocketError, _ data: [UInt8]?) -> SocketError {
        guard let data, !data.isEmpty, isStream else { return error }
        var withData = error
        withData.received = data
        return withData
    }

    /// Erlang `recv/1..4` with timeout `infinity` (`nil`) or a time-out (`.zero` polls once).
    ///
    /// `length` 0 returns what is available, at most `{otp, rcvbuf}` bytes; a positive length
    /// on a stream socket returns exactly that many bytes, or throws with the bytes that did
    /// arrive (`received`). The peer closing a stream throws `closed`. A datagram is returned
    /// whole up to `length`, and a zero-length datagram as an empty array.
    public func recv(_ length: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> [UInt8] {
        guard length >= 0 else { throw .invalid("length \(length)") }
        var data: [UInt8]?
        var count = Socket.Count()
        let result = perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvAttempt(length: length, flags: flags, data: &data, fd: fd, count: &count)
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw recvError(error, data)
        }
    }

    /// Erlang `recv/3,4` with `nowait` or a select handle: returns at once, with
    /// `.selected` (or `.partial` with the bytes so far, on a stream) when it must wait; a
    /// `select` message then tells the caller to call again.
    public func recv(_ length: Int = 0, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<[UInt8]> {
        guard length >= 0 else { throw .invalid("length \(length)") }
        var data: [UInt8]?
        var count = Socket.Count()
        let outcome = performSelect(.read, .recv, mode: mode, &count) { fd, count in
            recvAttempt(length: length, flags: flags, data: &data, fd: fd, count: &count)
        }
        switch outcome {
        case .done(let value): return .completed(value)
        case .selected(let info):
            if let data, !data.isEmpty { return .partial(info, data) }
            return .selected(info)
        case .failed(let error): throw recvError(error, data)
        }
    }

    /// `recv` for async code: waits without blocking a thread. Cancelling the task cancels
    /// the receive (`cancelled`) and leaves the socket usable.
    public func recv(_ length: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> [UInt8] {
        guard length >= 0 else { throw .invalid("length \(length)") }
        var data: [UInt8]?
        var count = Socket.Count()
        let result = await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvAttempt(length: length, flags: flags, data: &data, fd: fd, count: &count)
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw recvError(error, data)
        }
    }

    // MARK: recvfrom

    /// One recvfrom(2) into `buffer`: what it returned (the datagram's length with `trunc`)
    /// and the source. `MSG_DONTWAIT` unless it may block; `trunc` zero-fills first (a
    /// stream discards the data without writing it).
    func recvfromOnce(_ buffer: UnsafeMutableRawBufferPointer, flags: MsgFlags, fd: CInt, mayBlock: Bool) -> Result<(Int, SocketAddress), Errno> {
        if flags.contains(.trunc) { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
        let flags = mayBlock ? flags.rawValue : flags.rawValue | Native.MSG_DONTWAIT
        return withUnsafeTemporaryAllocation(byteCount: SocketAddress.storageSize, alignment: Layout.sockaddr_storage.alignment) { address in
            var length = socklen_t(address.count)
            return Syscall.recvfrom(fd, buffer, flags, address.baseAddress!, &length).map { n in
                (n, SocketAddress(native: UnsafeRawBufferPointer(rebasing: address[0..<min(Int(length), address.count)])))
            }
        }
    }

    func recvfromAttempt(size: Int, flags: MsgFlags, fd: CInt, count: inout Socket.Count) -> Step<(SocketAddress, [UInt8])> {
        var received = 0
        var failure: Errno?
        var source = SocketAddress.unspec([])
        // One recvfrom(2) into `buffer`, keeping the source address.
        func receive(into buffer: UnsafeMutableRawBufferPointer) {
            switch recvfromOnce(buffer, flags: flags, fd: fd, mayBlock: count.mayBlock) {
            case .success(let (n, from)): received = n; source = from
            case .failure(let errno): failure = errno
            }
        }
        var data: [UInt8]
        if size <= Socket.smallRead {
            // A small datagram lands on the stack and becomes an array of its length, in one
            // allocation; `Array(unsafeUninitializedCapacity:)` would look its storage type up
            // in the runtime's metadata cache on every call (~300 instructions).
            data = []
            withUnsafeTemporaryAllocation(byteCount: size, alignment: 16) { buffer in
                receive(into: buffer)
                guard failure == nil else { return }
                data = Array(UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: min(received, size)))
            }
        } else {
            data = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                receive(into: UnsafeMutableRawBufferPointer(buffer))
                initialized = min(received, size)
            }
        }
        if let failure {
            return Step(failure: failure)
        }
        if received == 0 && isStream && size > 0 { return .failed(.closed) }
        if received == 0 && count.mayBlock && isClosed { return .failed(.closed) }
        count.transferred(min(received, size))
        return .done((source, data))
    }

    /// Erlang `recvfrom/1..4`: one message and its source. `bufferSize` 0 uses
    /// `{otp, rcvbuf}`; a longer datagram is truncated to the buffer.
    public func recvfrom(_ bufferSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> (source: SocketAddress, data: [UInt8]) {
        guard bufferSize >= 0 else { throw .invalid("buffer size \(bufferSize)") }
        let size = bufferSize > 0 ? bufferSize : defaultReadSize
        var count = Socket.Count()
        return try perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvfromAttempt(size: size, flags: flags, fd: fd, count: &count)
        }.get()
    }

    /// `recvfrom` with `nowait` or a select handle.
    public func recvfrom(_ bufferSize: Int = 0, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<RecvFrom> {
        guard bufferSize >= 0 else { throw .invalid("buffer size \(bufferSize)") }
        let size = bufferSize > 0 ? bufferSize : defaultReadSize
        var count = Socket.Count()
        switch performSelect(.read, .recvfrom, mode: mode, &count, { fd, count in
            recvfromAttempt(size: size, flags: flags, fd: fd, count: &count)
        }) {
        case .done(let (source, data)): return .completed(RecvFrom(source: source, data: data))
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// `recvfrom` for async code.
    public func recvfrom(_ bufferSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> (source: SocketAddress, data: [UInt8]) {
        guard bufferSize >= 0 else { throw .invalid("buffer size \(bufferSize)") }
        let size = bufferSize > 0 ? bufferSize : defaultReadSize
        var count = Socket.Count()
        return try await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvfromAttempt(size: size, flags: flags, fd: fd, count: &count)
        }.get()
    }
}

/// What `recvfrom` returns: Erlang `{Source, Data}`.
public struct RecvFrom: Sendable, Hashable {
    public var source: SocketAddress
    public var data: [UInt8]

    public init(source: SocketAddress, data: [UInt8]) {
        self.source = source
        self.data = data
    }
}
