import SocketConstants
import Synchronization

/// A socket: Erlang's `socket()`, an endpoint as close to the OS socket as Swift allows.
///
/// Every descriptor is close-on-exec and starts blocking: a blocking call with timeout
/// `infinity` is the one syscall, sleeping in the kernel (``close()`` wakes it); a blocking
/// call with a time-out passes `MSG_DONTWAIT` and waits in the caller's thread only when it
/// would block; `nowait` and async calls wait through the reactor (accept, connect and
/// sendfile, which have no per-call flag, give the descriptor `O_NONBLOCK` for good). The socket is closed by
/// ``close()`` or when the last reference goes away (Erlang: when its owner process dies).
///
/// Erlang's owner process and `controlling_process` have no Swift counterpart: any thread
/// or task holding the socket may use it. Messages go to the ``Mailbox`` a caller names.
public final class Socket: @unchecked Sendable, Hashable, CustomStringConvertible {
    // Laid out for size: the 8-byte fields first, the small ones packed at the end.
    let core: SocketCore
    /// A number unique in this process, for tables and messages.
    public let id: UInt64
    /// The socket's place in the registry's list (guarded by the registry's lock).
    @exclusivity(unchecked) var registryLink = SocketRegistry.Link()
    public let domain: Domain
    public let type: SocketType
    public let `protocol`: SocketProtocol
    /// How the socket was made: Erlang `ctype` (`normal`, `fromfd`).
    public let creation: Creation

    /// Erlang `ctype()`.
    public enum Creation: Sendable, Hashable {
        /// Made by `open/2..4` or `accept`.
        case normal
        /// Made by `open(FD)` from a descriptor the caller owned (`dup: false`).
        case fromFD
        /// Made by `open(FD)` from a duplicate of the caller's descriptor.
        case fromFDDup(CInt)
    }

    static let counter = Atomic<UInt64>(1)

    init(fd: CInt, domain: Domain, type: SocketType, protocol: SocketProtocol, creation: Creation = .normal,
         acceptedBy listener: Socket? = nil) {
        core = SocketCore(fd: fd, connected: listener != nil)  // accepted: connected
        self.domain = domain
        self.type = type
        self.protocol = `protocol`
        self.creation = creation
        id = Socket.counter.wrappingAdd(1, ordering: .relaxed).oldValue
        SocketRegistry.shared.opened(self, acceptedBy: listener)
    }

    /// A closed stand-in with the identity of a socket that was released without `close()`:
    /// what its monitors' DOWN messages carry. Not registered, not counted.
    init(standInFor core: SocketCore, id: UInt64, domain: Domain, type: SocketType, protocol: SocketProtocol, creation: Creation) {
        self.core = core
        self.domain = domain
        self.type = type
        self.protocol = `protocol`
        self.creation = creation
        self.id = id
        core.close()
    }

    deinit {
        // Closed already (by `close()`, which removed the entry and fired the monitors, or
        // a stand-in): nothing left to tell the registry.
        guard core.close() else { return }
        let (core, id, domain, type, proto, creation) = (core, id, domain, type, self.protocol, creation)
        SocketRegistry.shared.closed(self) {
            Socket(standInFor: core, id: id, domain: domain, type: type, protocol: proto, creation: creation)
        }
    }

    /// Two values are the same socket when they have the same ``id`` (a DOWN message for a
    /// released socket carries a closed stand-in with its identity).
    public static func == (a: Socket, b: Socket) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { "#Socket<\(id)>" }

    /// The descriptor, or `nil` once closed (Erlang `{otp, fd}`).
    public var fd: CInt? {
        core.update { $0.closed ? nil : $0.fd }
    }

    /// Erlang `close/1`. Every operation waiting on the socket, in any thread, task or
    /// mailbox, ends with `closed` (a `nowait` one gets its `abort` message). The calling
    /// thread then waits for the threads still inside a syscall on the descriptor to leave,
    /// which they do at once, and closes it itself: with `{socket, linger}` set, it is this
    /// thread that lingers, as in OTP (other sockets are not held up). Closing twice throws
    /// `closed`.
    public func close() throws(SocketError) {
        guard core.close() else { throw .closed }
        SocketRegistry.shared.closedExplicitly(self)
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { core.update { $0.closed } }

    /// Runs `body` with the descriptor kept open, outside any operation queue: no lock, one
    /// atomic add before and one subtract after (see ``SocketCore/borrow()``).
    func withDescriptor<R>(_ body: (CInt) throws(SocketError) -> R) throws(SocketError) -> R {
        guard let fd = core.borrow() else { throw .closed }
        defer { core.giveBack() }
        return try body(fd)
    }
}

extension Socket {
    /// The library's event loop as a task executor. Tasks that prefer it run on the loop's
    /// own thread, so an async socket call that waits is resumed there directly, without a
    /// hop to another thread (the fastest way to drive many sockets from async code):
    ///
    ///     Task(executorPreference: Socket.executor) { try await serve(socket) }
    ///
    /// Erlang has no counterpart: its schedulers play this part.
    public static var executor: any TaskExecutor { Reactor.shared }
}
