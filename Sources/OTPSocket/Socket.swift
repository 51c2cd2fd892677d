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
    // One object per socket, laid out for size: thousands of idle sockets each carry one
    // (88 bytes, 96 with malloc's header). Declaration order is layout order: the 8-byte
    // fields first, the 4-byte ones next, the bytes last. What most sockets never use (wait
    // queues, counters, `otp` options) is in ``State/rare``, allocated on first use.

    /// A number unique in this process, for tables and messages.
    public let id: UInt64
    /// The socket's neighbours in the registry's list (guarded by the registry's lock).
    @exclusivity(unchecked) var registryOlder: UnretainedReference<Socket>?
    @exclusivity(unchecked) var registryNewer: UnretainedReference<Socket>?
    /// Who is using which direction, who waits, and the flags (guarded by `lock`). No
    /// syscall runs under the lock, and no message, continuation or thread is woken under
    /// it (see ``Notice``).
    @exclusivity(unchecked) var state: State
    let lock = Mutex(())
    /// The descriptor, fixed for the socket's life, read without the lock (``borrow()``).
    @usableFromInline let descriptor: CInt
    /// The threads borrowing the descriptor outside any operation (options, addresses,
    /// ioctls: ``withDescriptor(_:)``), counted without the lock, and in the top bit
    /// whether `close` began: one atomic add and one subtract per borrow.
    @usableFromInline let borrowers = Atomic<UInt32>(0)
    public let domain: Domain
    public let type: SocketType
    public let `protocol`: SocketProtocol
    /// In the registry (open); false before it opens and once it is closed.
    @exclusivity(unchecked) var registryLinked = false
    /// Listed by `which_sockets` (Erlang `use_registry` of this socket).
    @exclusivity(unchecked) var registryListed = false
    private let creationKind: CreationKind

    /// Erlang `ctype()`.
    public enum Creation: Sendable, Hashable {
        /// Made by `open/2..4` or `accept`.
        case normal
        /// Made by `open(FD)` from a descriptor the caller owned (`dup: false`).
        case fromFD
        /// Made by `open(FD)` from a duplicate of the caller's descriptor.
        case fromFDDup(CInt)
    }

    /// ``Creation`` in a byte; the duplicated descriptor's number is kept in ``State/rare``.
    private enum CreationKind: UInt8 {
        case normal, fromFD, fromFDDup
    }

    /// How the socket was made: Erlang `ctype` (`normal`, `fromfd`).
    public var creation: Creation {
        switch creationKind {
        case .normal: return .normal
        case .fromFD: return .fromFD
        case .fromFDDup: return .fromFDDup(withLock { $0.rare?.duplicatedFrom ?? -1 })
        }
    }

    static let counter = Atomic<UInt64>(1)

    init(fd: CInt, domain: Domain, type: SocketType, protocol: SocketProtocol, creation: Creation = .normal,
         acceptedBy listener: Socket? = nil) {
        id = Socket.counter.wrappingAdd(1, ordering: .relaxed).oldValue
        state = State(connected: listener != nil)  // accepted: connected
        descriptor = fd
        self.domain = domain
        self.type = type
        self.protocol = `protocol`
        creationKind = Socket.kind(of: creation)
        if case .fromFDDup(let original) = creation { state.makeRare().duplicatedFrom = original }
        SocketRegistry.shared.opened(self, acceptedBy: listener)
    }

    /// A closed stand-in with the identity of a socket that was released without `close()`:
    /// what its monitors' DOWN messages carry. Not registered, not counted, no descriptor.
    private init(standInFor socket: Socket) {
        id = socket.id
        state = State(connected: false)
        state.closed = true
        state.released = true
        borrowers.store(Socket.closingBit, ordering: .relaxed)
        descriptor = -1
        domain = socket.domain
        type = socket.type
        self.protocol = socket.protocol
        creationKind = socket.creationKind
        if let original = socket.state.rare?.duplicatedFrom { state.makeRare().duplicatedFrom = original }
    }

    private static func kind(of creation: Creation) -> CreationKind {
        switch creation {
        case .normal: return .normal
        case .fromFD: return .fromFD
        case .fromFDDup: return .fromFDDup
        }
    }

    deinit {
        defer { state.freeRare() }
        // Closed already (by `close()`, which removed the entry and fired the monitors, or
        // a stand-in): nothing left to tell the registry.
        guard tearDown() else { return }
        SocketRegistry.shared.closed(self) { Socket(standInFor: self) }
    }

    /// Two values are the same socket when they have the same ``id`` (a DOWN message for a
    /// released socket carries a closed stand-in with its identity).
    public static func == (a: Socket, b: Socket) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { "#Socket<\(id)>" }

    /// The descriptor, or `nil` once closed (Erlang `{otp, fd}`).
    public var fd: CInt? {
        withLock { $0.closed ? nil : descriptor }
    }

    /// Erlang `close/1`. Every operation waiting on the socket, in any thread, task or
    /// mailbox, ends with `closed` (a `nowait` one gets its `abort` message). The calling
    /// thread then waits for the threads still inside a syscall on the descriptor to leave,
    /// which they do at once, and closes it itself: with `{socket, linger}` set, it is this
    /// thread that lingers, as in OTP (other sockets are not held up). Closing twice throws
    /// `closed`.
    public func close() throws(SocketError) {
        guard tearDown() else { throw .closed }
        SocketRegistry.shared.closedExplicitly(self)
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { withLock { $0.closed } }

    /// Runs `body` with the descriptor kept open, outside any operation queue: no lock, one
    /// atomic add before and one subtract after (see ``borrow()``).
    func withDescriptor<R>(_ body: (CInt) throws(SocketError) -> R) throws(SocketError) -> R {
        guard let fd = borrow() else { throw .closed }
        defer { giveBack() }
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
