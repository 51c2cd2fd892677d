import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// Erlang `bind/2`: gives the socket an address. Port 0 picks an ephemeral port;
    /// ``sockname()`` tells which.
    public func bind(_ address: SocketAddress) throws(SocketError) {
        try withDescriptor { (fd) throws(SocketError) in
            try address.withNative { (raw, length) throws(SocketError) in
                _ = try Syscall.bind(fd, raw, length).socketResult()
            }
        }
        withLock { $0.bound = true }
    }

    /// Erlang `listen/1,2`: accept connections, with a queue of `backlog` (OTP's default 5).
    public func listen(backlog: Int = 5) throws(SocketError) {
        guard let value = CInt(exactly: backlog), value >= 0 else { throw .invalid("backlog \(backlog)") }
        try withDescriptor { (fd) throws(SocketError) in
            _ = try Syscall.listen(fd, value).socketResult()
        }
        withLock { $0.listening = true }
    }

    /// Erlang `sockname/1`: the address the socket is bound to.
    public func sockname() throws(SocketError) -> SocketAddress {
        try withDescriptor { (fd) throws(SocketError) in
            try Socket.readAddress { Syscall.getsockname(fd, $0, $1) }
        }
    }

    /// Erlang `peername/1`: the address of the connected peer.
    public func peername() throws(SocketError) -> SocketAddress {
        try withDescriptor { (fd) throws(SocketError) in
            try Socket.readAddress { Syscall.getpeername(fd, $0, $1) }
        }
    }

    /// Erlang `shutdown/2`: `.read`, `.write` or `.readWrite`.
    public func shutdown(_ how: Shutdown) throws(SocketError) {
        try withDescriptor { (fd) throws(SocketError) in
            _ = try Syscall.shutdown(fd, how.rawValue).socketResult()
        }
        withLock { state in
            if how == .read || how == .readWrite { state.readShut = true }
            if how == .write || how == .readWrite { state.writeShut = true }
        }
    }

    /// Calls `body` with a `sockaddr_storage`-sized buffer and its length, and decodes the
    /// address the kernel wrote (never past the length it reported, nor past the buffer).
    static func readAddress(_ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<socklen_t>) -> Result<CInt, Errno>) throws(SocketError) -> SocketAddress {
        let result: Result<SocketAddress, SocketError> = withUnsafeTemporaryAllocation(
            byteCount: SocketAddress.storageSize, alignment: Layout.sockaddr_storage.alignment
        ) { raw in
            var length = socklen_t(raw.count)
            switch body(raw.baseAddress!, &length) {
            case .failure(let errno): return .failure(.errno(errno))
            case .success:
                let valid = min(Int(length), raw.count)
                return .success(SocketAddress(native: UnsafeRawBufferPointer(rebasing: raw[0..<valid])))
            }
        }
        return try result.get()
    }
}
