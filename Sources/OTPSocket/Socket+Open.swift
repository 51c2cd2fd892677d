import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Erlang's `open/2..4` options (`Opts`, `Extra`).
public struct OpenOptions: Sendable {
    /// Erlang `netns`: create the socket in the network namespace at this path
    /// (`/var/run/netns/NAME`); the calling thread switches there and back.
    public var netns: String?
    /// Erlang `use_registry`: whether `whichSockets()` lists the socket (default: the global
    /// setting, see ``Socket/useRegistry(_:)``).
    public var useRegistry: Bool?
    /// Erlang `debug`.
    public var debug: Bool
    /// For `open(fd:)`: duplicate the descriptor (Erlang `dup`, default true).
    public var dup: Bool
    /// For `open(fd:)`: what to assume where the kernel cannot tell.
    public var domain: Domain?
    public var type: SocketType?
    public var `protocol`: SocketProtocol?

    public init(netns: String? = nil, useRegistry: Bool? = nil, debug: Bool = false, dup: Bool = true,
                domain: Domain? = nil, type: SocketType? = nil, protocol: SocketProtocol? = nil) {
        self.netns = netns
        self.useRegistry = useRegistry
        self.debug = debug
        self.dup = dup
        self.domain = domain
        self.type = type
        self.protocol = `protocol`
    }
}

extension Socket {
    /// Erlang `open(Domain, Type, Protocol, Opts)`: a new socket. Integers are accepted as
    /// Erlang accepts them: `Domain(rawValue: 2)`.
    public static func open(_ domain: Domain, _ type: SocketType, _ protocol: SocketProtocol = .default,
                            options: OpenOptions = OpenOptions()) throws(SocketError) -> Socket {
        let fd: CInt
        if let netns = options.netns {
            fd = try inNamespace(netns) { () throws(SocketError) in
                try Syscall.socket(domain.rawValue, type.rawValue, `protocol`.rawValue).socketResult()
            }
        } else {
            fd = try Syscall.socket(domain.rawValue, type.rawValue, `protocol`.rawValue).socketResult()
        }
        let socket = Socket(fd: fd, domain: domain, type: type, protocol: defaultProtocol(domain, type, `protocol`, fd))
        socket.applyOpenOptions(options)
        return socket
    }

    /// Erlang `open(FD, Opts)`: a socket from a descriptor the caller already has. Domain,
    /// type and protocol are read from the kernel (`SO_DOMAIN`, `SO_TYPE`, `SO_PROTOCOL`),
    /// or taken from `options` where it cannot tell. With `dup` (the default) the caller's
    /// descriptor stays theirs; without it, the socket takes it over and will close it.
    public static func open(fd: CInt, options: OpenOptions = OpenOptions()) throws(SocketError) -> Socket {
        guard fd >= 0 else { throw .invalid("fd \(fd)") }
        let own = options.dup ? try Syscall.dup(fd).socketResult() : fd
        do throws(SocketError) {
            _ = try Syscall.setNonblocking(own).socketResult()
            _ = try Syscall.fcntl(own, Native.F_SETFD, Native.FD_CLOEXEC).socketResult()
            var domain = options.domain ?? Domain(rawValue: 0)
            if options.domain == nil { domain = Domain(rawValue: try readInt(own, Native.SOL_SOCKET, Native.SO_DOMAIN)) }
            var type = options.type ?? SocketType(rawValue: 0)
            if options.type == nil { type = SocketType(rawValue: try readInt(own, Native.SOL_SOCKET, Native.SO_TYPE)) }
            let proto = options.protocol ?? (try? readInt(own, Native.SOL_SOCKET, Native.SO_PROTOCOL)).map { SocketProtocol(rawValue: $0) } ?? .default
            // The kernel's domain and type numbers fit the byte the socket keeps each in; one
            // given in `options` that does not names no socket.
            guard UInt8(exactly: domain.rawValue) != nil else { throw .invalid("domain \(domain.rawValue)") }
            guard UInt8(exactly: type.baseNumber) != nil else { throw .invalid("type \(type.rawValue)") }
            let socket = Socket(fd: own, domain: domain, type: type, protocol: proto,
                                creation: options.dup ? .fromFDDup(fd) : .fromFD)
            socket.withLock { $0.nonblocking = true }
            socket.applyOpenOptions(options)
            return socket
        } catch {
            if options.dup { Syscall.close(own) }
            throw error
        }
    }

    /// Like OTP, a socket reports the protocol the kernel chose (`tcp` for inet stream). For
    /// inet sockets that is known without asking; others ask `SO_PROTOCOL`.
    static func defaultProtocol(_ domain: Domain, _ type: SocketType, _ requested: SocketProtocol, _ fd: CInt) -> SocketProtocol {
        guard requested == .default else { return requested }
        if domain == .inet || domain == .inet6 {
            if type == .stream { return .tcp }
            if type == .dgram { return .udp }
        }
        if domain == .local { return .default }
        return (try? readInt(fd, Native.SOL_SOCKET, Native.SO_PROTOCOL)).map { SocketProtocol(rawValue: $0) } ?? requested
    }

    func applyOpenOptions(_ options: OpenOptions) {
        if let useRegistry = options.useRegistry { SocketRegistry.shared.setRegistered(self, useRegistry) }
        if options.debug { withLock { $0.otp.debug = true } }
    }

    static func readInt(_ fd: CInt, _ level: CInt, _ option: CInt) throws(SocketError) -> CInt {
        var value: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = try Syscall.getsockopt(fd, level, option, &value, &length).socketResult()
        return value
    }

    /// Runs `body` with this thread in the network namespace at `path`, then switches back.
    static func inNamespace<R>(_ path: String, _ body: () throws(SocketError) -> R) throws(SocketError) -> R {
        let current = try openPath("/proc/thread-self/ns/net")
        defer { Syscall.close(current) }
        let target = try openPath(path)
        defer { Syscall.close(target) }
        _ = try Syscall.setns(target, Native.CLONE_NEWNET).socketResult()
        defer { _ = Syscall.setns(current, Native.CLONE_NEWNET) }
        return try body()
    }

    static func openPath(_ path: String) throws(SocketError) -> CInt {
        let fd = Syscall.retrying { path.withCString { Glibc.open($0, Native.O_RDONLY | Native.O_CLOEXEC) } }
        return try fd.socketResult()
    }
}
