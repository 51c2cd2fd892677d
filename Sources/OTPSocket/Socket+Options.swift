import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// Erlang `setopt/3`: sets a typed option, `try socket.setopt(.socket.reuseaddr, true)`.
    ///
    /// A get-only key (`.socket.acceptconn`) does not compile here. An option the platform
    /// lacks is `invalid({Level, Opt})`; a value that does not fit is
    /// `invalid({Level, Opt} = Value)`; the kernel's refusal is its errno. Keys of level `otp`
    /// (``OTPLevelOptions``) change this library's handling of the socket, not the kernel's.
    ///
    /// Inlinable, so that the value's encoding specializes in the caller: a set costs the
    /// syscall and two lock round trips.
    @inlinable
    public func setopt<Value, Access: SettableAccess>(_ option: SocketOption<Value, Access>, _ value: Value) throws(SocketError) {
        guard let level = option.level, let name = option.option else {
            if option.levelName == OTPLevelOptions.levelName { return try setOTP(option.name, value) }
            throw .invalid("\(option)")
        }
        let errno: Errno?
        do throws(InvalidValue) {
            errno = try value.withNativeBytes { bytes in setRaw(level: level, option: name, bytes) }
        } catch {
            throw .invalid("\(option) = \(value): \(error.what)")
        }
        if let errno { throw closedOr(.errno(errno)) }
    }

    /// Erlang `getopt/2`: reads a typed option, `try socket.getopt(.socket.rcvbuf)`.
    ///
    /// A set-only key (`.ip.addMembership`) does not compile here. Unlike OTP, strings come
    /// back without the kernel's NUL padding and an `ip_tos` that is not exactly a named
    /// value comes back as its integer (`IPTos(rawValue: 17)`, which OTP reports as
    /// `lowdelay`).
    @inlinable
    public func getopt<Value, Access: GettableAccess>(_ option: SocketOption<Value, Access>) throws(SocketError) -> Value {
        guard let level = option.level, let name = option.option else {
            if option.levelName == OTPLevelOptions.levelName {
                let value = try getOTP(option.name)
                guard let typed = value as? Value else { throw .invalid("\(option): the value is a \(Swift.type(of: value))") }
                return typed
            }
            throw .invalid("\(option)")
        }
        let capacity = Value.nativeCapacity
        return try withUnsafeTemporaryAllocation(byteCount: max(capacity, 1), alignment: 16) { (raw) throws(SocketError) -> Value in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let length = getRaw(level: level, option: name, UnsafeMutableRawBufferPointer(rebasing: raw[0..<capacity]))
            guard length >= 0 else { throw closedOr(.errno(Errno(rawValue: CInt(-length)))) }
            do throws(InvalidValue) {
                return try Value(nativeBytes: UnsafeRawBufferPointer(rebasing: raw[0..<min(length, capacity)]))
            } catch {
                throw .invalid("\(option): \(error.what)")
            }
        }
    }

    /// setsockopt(2) on the descriptor; the errno when it fails (`EBADF` when closed before,
    /// `ENOTSOCK` when `close` came meanwhile: the number then names the retired file).
    /// Inlinable: a typed `setopt` is the syscall and the value's encoding, in one function,
    /// with no lock and no read-modify-write (``lentDescriptor()``). The socket is kept
    /// alive across the syscall, so that the number is not freed under it.
    @inlinable @inline(__always)
    func setRaw(level: CInt, option: CInt, _ bytes: UnsafeRawBufferPointer) -> Errno? {
        guard let fd = lentDescriptor() else { return .badFileDescriptor }
        let result = withExtendedLifetime(self) {
            Syscall.setsockopt(fd, level, option, bytes.baseAddress, bytes.count)
        }
        if case .failure(let errno) = result { return errno }
        return nil
    }

    /// getsockopt(2) into `buffer`: the length the kernel reported, or `-errno`. Inlinable,
    /// as ``setRaw(level:option:_:)`` is.
    @inlinable @inline(__always)
    func getRaw(level: CInt, option: CInt, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let fd = lentDescriptor() else { return -Int(Errno.badFileDescriptor.rawValue) }
        var length = socklen_t(buffer.count)
        let result = withExtendedLifetime(self) {
            Syscall.getsockopt(fd, level, option, buffer.baseAddress, &length)
        }
        switch result {
        case .success: return Int(length)
        case .failure(let errno): return -Int(errno.rawValue)
        }
    }

    /// `{ip, add_membership}` and the other `ip_mreq` keys with a Linux `struct ip_mreqn`,
    /// which names the interface by index (`ifindex`) instead of by address. Erlang has no
    /// such form; the kernel tells the two structs apart by their size.
    public func setopt<Access: SettableAccess>(_ option: SocketOption<IPMreq, Access>, _ value: IPMreqn) throws(SocketError) {
        try setNative(option, value)
    }

    /// `{ip, multicast_if}` with a Linux `struct ip_mreqn`: the interface by index or address.
    public func setopt<Access: SettableAccess>(_ option: SocketOption<IPv4Address, Access>, _ value: IPMreqn) throws(SocketError) {
        try setNative(option, value)
    }

    // MARK: The one path to setsockopt and getsockopt

    /// `setsockopt` with `value`'s C encoding, for any key whatever its access.
    func setNative(_ option: some AnySocketOption, _ value: some SocketOptionValue) throws(SocketError) {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        try setNative(level: level, option: name, value, describing: "\(option) = \(value)")
    }

    func setNative(level: CInt, option: CInt, _ value: some SocketOptionValue, describing what: @autoclosure () -> String) throws(SocketError) {
        try withDescriptor { (fd) throws(SocketError) in
            let result: Result<CInt, Errno>
            do throws(InvalidValue) {
                result = try value.withNativeBytes { bytes in
                    Syscall.setsockopt(fd, level, option, bytes.baseAddress, bytes.count)
                }
            } catch {
                throw .invalid("\(what()): \(error.what)")
            }
            _ = try result.socketResult()
        }
    }

    /// `getsockopt` decoded as `type`, for any key whatever its access.
    func getNative<Value: SocketOptionValue>(_ option: some AnySocketOption, as type: Value.Type) throws(SocketError) -> Value {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        return try withOptionBytes(level: level, option: name, capacity: Value.nativeCapacity) { (raw) throws(SocketError) in
            do throws(InvalidValue) {
                return try Value(nativeBytes: raw)
            } catch {
                throw .invalid("\(option): \(error.what)")
            }
        }
    }

    /// Runs `body` with the bytes `getsockopt` wrote into a zeroed buffer of `capacity` bytes
    /// (or of `initial`'s bytes, copied in), exactly as many as it reported.
    func withOptionBytes<R>(level: CInt, option: CInt, capacity: Int, initial: [UInt8] = [],
                            _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R) throws(SocketError) -> R {
        try withDescriptor { (fd) throws(SocketError) in
            let result: Result<R, SocketError> = withUnsafeTemporaryAllocation(byteCount: max(capacity, 1), alignment: 16) { raw in
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                for (i, byte) in initial.prefix(capacity).enumerated() { raw[i] = byte }
                var length = socklen_t(capacity)
                switch Syscall.getsockopt(fd, level, option, raw.baseAddress, &length) {
                case .failure(let errno):
                    return .failure(.errno(errno))
                case .success:
                    let valid = min(Int(length), capacity)
                    do throws(SocketError) {
                        return .success(try body(UnsafeRawBufferPointer(rebasing: raw[0..<valid])))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return try result.get()
        }
    }
}
