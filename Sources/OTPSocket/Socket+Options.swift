import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// Erlang `setopt/3`: sets a typed option, `try socket.setopt(.socket.reuseaddr, true)`.
    /// A get-only key does not compile here. An option the platform lacks is
    /// `invalid(option)`; a value that does not fit is `invalid(option = value)`; the kernel's
    /// refusal is its errno.
    ///
    /// Inlinable, so that the value's encoding specializes in the caller: a set costs the
    /// syscall and two lock round trips.
    @inlinable
    public func setopt<Value, Access: SettableAccess>(_ option: SocketOption<Value, Access>, _ value: Value) throws(SocketError) {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        let errno: Errno?
        do throws(InvalidValue) {
            errno = try value.withNativeBytes { bytes in setNative(level: level, option: name, bytes) }
        } catch {
            throw .invalid("\(option) = \(value): \(error.what)")
        }
        if let errno { throw errno == .badFileDescriptor ? .closed : .errno(errno) }
    }

    /// Erlang `getopt/2`: reads a typed option, `try socket.getopt(.socket.rcvbuf)`.
    @inlinable
    public func getopt<Value, Access: GettableAccess>(_ option: SocketOption<Value, Access>) throws(SocketError) -> Value {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        let capacity = Value.nativeCapacity
        return try withUnsafeTemporaryAllocation(byteCount: max(capacity, 1), alignment: 16) { (raw) throws(SocketError) -> Value in
            let length = getNative(level: level, option: name, UnsafeMutableRawBufferPointer(rebasing: raw[0..<capacity]))
            guard length >= 0 else {
                let errno = Errno(rawValue: CInt(-length))
                throw errno == .badFileDescriptor ? .closed : .errno(errno)
            }
            do throws(InvalidValue) {
                return try Value(nativeBytes: UnsafeRawBufferPointer(rebasing: raw[0..<min(length, capacity)]))
            } catch {
                throw .invalid("\(option): \(error.what)")
            }
        }
    }

    /// setsockopt(2) on the open descriptor; the errno when it fails (`EBADF` once closed).
    @usableFromInline
    func setNative(level: CInt, option: CInt, _ bytes: UnsafeRawBufferPointer) -> Errno? {
        do throws(SocketError) {
            return try withDescriptor { fd in
                if case .failure(let errno) = Syscall.setsockopt(fd, level, option, bytes.baseAddress, bytes.count) { return errno }
                return nil
            }
        } catch {
            return .badFileDescriptor
        }
    }

    /// getsockopt(2) into `buffer`: the length the kernel reported, or `-errno`.
    @usableFromInline
    func getNative(level: CInt, option: CInt, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        do throws(SocketError) {
            return try withDescriptor { fd in
                var length = socklen_t(buffer.count)
                switch Syscall.getsockopt(fd, level, option, buffer.baseAddress, &length) {
                case .success: return Int(length)
                case .failure(let errno): return -Int(errno.rawValue)
                }
            }
        } catch {
            return -Int(Errno.badFileDescriptor.rawValue)
        }
    }
}
