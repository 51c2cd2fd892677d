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
    public func setopt<Value, Access: SettableAccess>(_ option: SocketOption<Value, Access>, _ value: Value) throws(SocketError) {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        try withDescriptor { (fd) throws(SocketError) in
            let result: Result<CInt, Errno>
            do throws(InvalidValue) {
                result = try value.withNativeBytes { bytes in
                    Syscall.setsockopt(fd, level, name, bytes.baseAddress, bytes.count)
                }
            } catch {
                throw .invalid("\(option) = \(value): \(error.what)")
            }
            _ = try result.socketResult()
        }
    }

    /// Erlang `getopt/2`: reads a typed option, `try socket.getopt(.socket.rcvbuf)`.
    public func getopt<Value, Access: GettableAccess>(_ option: SocketOption<Value, Access>) throws(SocketError) -> Value {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        return try withDescriptor { (fd) throws(SocketError) in
            let capacity = Value.nativeCapacity
            let result: Result<Value, SocketError> = withUnsafeTemporaryAllocation(byteCount: max(capacity, 1), alignment: 16) { raw in
                var length = socklen_t(capacity)
                switch Syscall.getsockopt(fd, level, name, raw.baseAddress, &length) {
                case .failure(let errno):
                    return .failure(.errno(errno))
                case .success:
                    do throws(InvalidValue) {
                        let valid = min(Int(length), capacity)
                        return .success(try Value(nativeBytes: UnsafeRawBufferPointer(rebasing: raw[0..<valid])))
                    } catch {
                        return .failure(.invalid("\(option): \(error.what)"))
                    }
                }
            }
            return try result.get()
        }
    }
}
