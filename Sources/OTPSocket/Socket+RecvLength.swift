import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// One `recv(2)` (`from` false) or `recvfrom(2)` into `size` bytes, keeping the length
    /// the kernel returned, which the `trunc` flag makes the datagram's full length.
    func recvLengthAttempt(size: Int, flags: MsgFlags, from: Bool, fd: CInt, count: inout Socket.Count) -> Step<RecvLength> {
        let flags = count.mayBlock ? flags : flags.union(MsgFlags(rawValue: Native.MSG_DONTWAIT))
        var received = 0
        var failure: Errno?
        var source: SocketAddress?
        let data = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let result: Result<Int, Errno>
            if from {
                result = withUnsafeTemporaryAllocation(byteCount: SocketAddress.storageSize, alignment: Layout.sockaddr_storage.alignment) { address in
                    var length = socklen_t(address.count)
                    let result = Syscall.recvfrom(fd, UnsafeMutableRawBufferPointer(buffer), flags.rawValue, address.baseAddress!, &length)
                    if case .success = result, length > 0 {
                        source = SocketAddress(native: UnsafeRawBufferPointer(rebasing: address[0..<min(Int(length), address.count)]))
                    }
                    return result
                }
            } else {
                result = Syscall.recv(fd, UnsafeMutableRawBufferPointer(buffer), flags.rawValue)
            }
            switch result {
            case .success(let n): received = n; initialized = min(n, size)
            case .failure(let errno): failure = errno; initialized = 0
            }
        }
        if let failure {
            return Step(failure: failure)
        }
        if received == 0 && isStream && size > 0 { return .failed(.closed) }
        count.transferred(data.count)
        return .done(RecvLength(source: source, data: data, length: received))
    }

    func recvLengthSize(_ bufferSize: Int) throws(SocketError) -> Int {
        guard bufferSize >= 0 else { throw .invalid("buffer size \(bufferSize)") }
        return bufferSize > 0 ? bufferSize : defaultReadSize
    }

    /// Erlang `recv/2..4` for one message, reporting its real length: at most `bufferSize`
    /// bytes (0: `{otp, rcvbuf}`) in `data`, and in `length` what `recv(2)` returned, which
    /// with the `trunc` flag on a datagram socket is the datagram's full length.
    ///
    /// Unlike ``recv(_:flags:timeout:)`` it reads once, also on a stream socket. It exists
    /// because OTP's `recv` with `trunc` returns bytes from past its own buffer.
    public func recvWithLength(_ bufferSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> RecvLength {
        let size = try recvLengthSize(bufferSize)
        var count = Socket.Count()
        return try perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvLengthAttempt(size: size, flags: flags, from: false, fd: fd, count: &count)
        }.get()
    }

    /// ``recvWithLength(_:flags:timeout:)`` with `nowait` or a select handle.
    public func recvWithLength(_ bufferSize: Int = 0, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<RecvLength> {
        let size = try recvLengthSize(bufferSize)
        var count = Socket.Count()
        switch performSelect(.read, .recv, mode: mode, &count, { fd, count in
            recvLengthAttempt(size: size, flags: flags, from: false, fd: fd, count: &count)
        }) {
        case .done(let value): return .completed(value)
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// ``recvWithLength(_:flags:timeout:)`` for async code.
    public func recvWithLength(_ bufferSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> RecvLength {
        let size = try recvLengthSize(bufferSize)
        var count = Socket.Count()
        return try await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvLengthAttempt(size: size, flags: flags, from: false, fd: fd, count: &count)
        }.get()
    }

    /// Erlang `recvfrom/1..4`, reporting the datagram's real length: at most `bufferSize`
    /// bytes (0: `{otp, rcvbuf}`) in `data`, the source, and in `length` what `recvfrom(2)`
    /// returned, which with the `trunc` flag is the datagram's full length.
    ///
    /// ``recvfrom(_:flags:timeout:)`` keeps Erlang's result; this variant exists because
    /// OTP's `recvfrom` with `trunc` returns bytes from past its own buffer.
    public func recvfromWithLength(_ bufferSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> RecvLength {
        let size = try recvLengthSize(bufferSize)
        var count = Socket.Count()
        return try perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvLengthAttempt(size: size, flags: flags, from: true, fd: fd, count: &count)
        }.get()
    }

    /// ``recvfromWithLength(_:flags:timeout:)`` with `nowait` or a select handle.
    public func recvfromWithLength(_ bufferSize: Int = 0, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<RecvLength> {
        let size = try recvLengthSize(bufferSize)
        var count = Socket.Count()
        switch performSelect(.read, .recvfrom, mode: mode, &count, { fd, count in
            recvLengthAttempt(size: size, flags: flags, from: true, fd: fd, count: &count)
        }) {
        case .done(let value): return .completed(value)
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// ``recvfromWithLength(_:flags:timeout:)`` for async code.
    public func recvfromWithLength(_ bufferSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> RecvLength {
        let size = try recvLengthSize(bufferSize)
        var count = Socket.Count()
        return try await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvLengthAttempt(size: size, flags: flags, from: true, fd: fd, count: &count)
        }.get()
    }
}
