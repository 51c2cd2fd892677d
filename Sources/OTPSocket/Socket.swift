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
    // (71 bytes, malloc's 80-byte class). Declaration order is layout order: the 8-byte
    // fields first, the 4-byte ones next, the bytes last. What most sockets never use (wait
    // queues, counters, `otp` options, readiness sequences) is in ``State/rare``, allocated
    // on first use.

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
    /// The descriptor number, fixed for the object's life. Operations take it under the
    /// lock; options, addresses and ioctls read it without one (``lentDescriptor()``).
    @usableFromInline let descriptor: CInt
    public let `protocol`: SocketProtocol
    /// The domain's and the type's numbers in a byte each: the kernel's `AF_*` and `SOCK_*`
    /// numbers are below 256 (socket(2) refuses a larger domain, `open(fd:)` a larger domain
    /// or type given in its options; a type's creation flags are masked off).
    private let domainNumber: UInt8
    private let typeNumber: UInt8
    /// In the registry (open); false before it opens and once it is closed.
    @exclusivity(unchecked) var registryLinked = false
    /// Listed by `which_sockets` (Erlang `use_registry` of this socket).
    @exclusivity(unchecked) var registryListed = false
    private let creationKind: CreationKind
    /// Whether the number was ever lent outside an operation (an option, an address, an
    /// ioctl): set under the lock while the socket is open, never cleared, read without the
    /// lock. Such a socket's `close` retires the number instead of closing it, and `deinit`
    /// frees it (see `Socket+Teardown.swift`).
    @usableFromInline let lent = Atomic<Bool>(false)
    /// What the reactor watches the descriptor for (``Reactor/Interest``): empty until the
    /// first wait registers it, widened by the first writer to wait, never narrowed (a
    /// closed socket's waits end before they would need it). Written under the reactor's
    /// `watching` lock, read without a lock by every wait (``registerIfNeeded(fd:for:)``).
    let watched = Atomic<UInt8>(0)

    /// The socket's domain (Erlang `{otp, domain}`).
    public var domain: Domain { Domain(rawValue: CInt(domainNumber)) }
    /// The socket's type (Erlang `{socket, type}`): the base type, as `SO_TYPE` reports it,
    /// without creation flags (`SOCK_CLOEXEC`, `SOCK_NONBLOCK`) that `open` was given in it.
    public var type: SocketType { SocketType(rawValue: CInt(typeNumber)) }

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
        domainNumber = UInt8(truncatingIfNeeded: domain.rawValue)
        typeNumber = UInt8(truncatingIfNeeded: type.baseNumber)
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
        descriptor = -1
        domainNumber = socket.domainNumber
        typeNumber = socket.typeNumber
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
        // a stand-in): nothing left to tell the registry. A number `close` retired is free
        // to go now that nobody can pass it to a syscall.
        guard tearDown(lastReference: true) else {
            if descriptor >= 0, lent.load(ordering: .relaxed) { Syscall.close(descriptor) }
            return
        }
        SocketRegistry.shared.closed(self) { Socket(standInFor: self) }
    }

    /// Two values are the same socket when they have the same ``id`` (a DOWN message for a
    /// released socket carries a closed stand-in with its identity).
    public static func == (a: Socket, b: Socket) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { "#Socket<\(id)>" }

    /// The descriptor, or `nil` once closed (Erlang `{otp, fd}`). The number is lent, as
    /// to an option call: while this object lives, it names the socket or, after `close`,
    /// a retired file on which every socket call fails, never another socket.
    public var fd: CInt? { lendDescriptor() }

    /// Erlang `close/1`. Every operation waiting on the socket, in any thread, task or
    /// mailbox, ends with `closed` (a `nowait` one gets its `abort` message). The calling
    /// thread then waits for the threads still inside a syscall on the descriptor to leave,
    /// which they do at once, and closes it itself: with `{socket, linger}` set, it is this
    /// thread that lingers, as in OTP (other sockets are not held up). Closing twice throws
    /// `closed`.
    ///
    /// Unlike OTP, once an option, address or ioctl call used the socket, the descriptor
    /// *number* outlives the close: it names a retired file, on which every socket call
    /// fails, until the last reference to this object goes. So such a call racing `close`
    /// in another thread can never reach a new socket that was given the same number, and
    /// needs no lock. A program that keeps many such closed sockets referenced keeps as
    /// many numbers.
    public func close() throws(SocketError) {
        guard tearDown() else { throw .closed }
        SocketRegistry.shared.closedExplicitly(self)
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { withLock { $0.closed } }

    /// Runs `body` with the descriptor, outside any operation queue: `closed` once the
    /// socket is, and a failure that raced a `close` (the number then names the retired
    /// file) is `closed` too. The number cannot be reused under `body`: only `deinit` frees it.
    /// One lock round trip (not the options' relaxed load): it checks `closed` first, for
    /// bodies that the retired file would not fail (poll).
    func withDescriptor<R>(_ body: (CInt) throws(SocketError) -> R) throws(SocketError) -> R {
        guard let fd = lendDescriptor() else { throw .closed }
        do {
            return try withExtendedLifetime(self) { () throws(SocketError) in try body(fd) }
        } catch {
            throw closedOr(error)
        }
    }

    /// The descriptor for a call outside any operation (an option, an address, an ioctl), or
    /// `nil` when the socket was closed before its first such call. After the first, it is
    /// one relaxed load: from then on `close` retires the number rather than closing it, so
    /// that until `deinit` it never names another socket (a call that races `close` fails
    /// on the retired file). The caller keeps the socket alive across its syscall.
    @inlinable @inline(__always)
    func lentDescriptor() -> CInt? {
        if lent.load(ordering: .relaxed) { return descriptor }
        return lendDescriptor()
    }

    /// Lends the number under the lock, or `nil` once closed: a first lending is ordered
    /// before `close`'s critical section (which then sees ``lent``), or after it.
    @usableFromInline @inline(never)
    func lendDescriptor() -> CInt? {
        withLock { state in
            if state.closed { return nil }
            lent.store(true, ordering: .relaxed)
            return descriptor
        }
    }

    /// `closed` if the socket is closed by now, else `error`: how a failed syscall on the
    /// descriptor outside an operation, which may have met the retired file, is reported.
    @usableFromInline @inline(never)
    func closedOr(_ error: SocketError) -> SocketError {
        isClosed ? .closed : error
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

extension SocketType {
    /// The type without the creation flags socket(2) takes in it (`SOCK_NONBLOCK`,
    /// `SOCK_CLOEXEC`): what `SO_TYPE` reports.
    var baseNumber: CInt { rawValue & ~(Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC) }
}
