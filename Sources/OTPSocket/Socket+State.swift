import DequeModule
import SocketConstants

extension Socket {
    /// What the socket's lock guards: who is using which direction, who waits, the flags.
    /// 12 bytes inline; what most sockets never use is in ``rare``, allocated on first use.
    ///
    /// `inFlight` counts the threads that are inside a syscall or `poll` on the descriptor
    /// right now, at most one per direction. A waiter that is parked, queued, or woken but
    /// not yet running is not in flight: it claims the direction again (``claim(_:_:)``)
    /// before it touches the descriptor. So after `close` the in-flight count drops to zero
    /// promptly, and the closing thread itself releases the descriptor, exactly once (see
    /// `Socket+Teardown.swift`).
    struct State {
        /// Queues, waiting owners, counters, `otp` options: allocated when first needed,
        /// never replaced, released by the socket's deinit (``freeRare()``). Held unmanaged,
        /// so that the fast paths reach it under the lock without a retain and a release.
        private var rareStorage: Unmanaged<RareState>?
        /// Threads inside a syscall or poll on the descriptor (one per direction at most).
        var inFlight: UInt8 = 0
        /// Threads in a syscall that may sleep in the kernel: `close` wakes them with shutdown.
        var inKernel: UInt8 = 0
        /// The directions whose owner is ``Owner/active`` (one bit each); a waiting owner is
        /// in ``rare``.
        private var active: UInt8 = 0
        private var flags: Flags = []

        private struct Flags: OptionSet {
            var rawValue: UInt8
            static let closed = Flags(rawValue: 1 << 0)
            static let released = Flags(rawValue: 1 << 1)
            static let nonblocking = Flags(rawValue: 1 << 2)
            static let connected = Flags(rawValue: 1 << 3)
            static let listening = Flags(rawValue: 1 << 4)
            static let bound = Flags(rawValue: 1 << 5)
            static let readShut = Flags(rawValue: 1 << 6)
            static let writeShut = Flags(rawValue: 1 << 7)
        }

        init(connected: Bool) {
            self.connected = connected
        }

        var closed: Bool { get { flags.contains(.closed) } set { flags.set(.closed, newValue) } }
        /// The descriptor was closed (by the thread that closed the socket).
        var released: Bool { get { flags.contains(.released) } set { flags.set(.released, newValue) } }
        /// Whether the descriptor has `O_NONBLOCK`. It starts without: a blocking call with
        /// timeout `infinity` then sleeps in the kernel, one syscall as in C. `nowait` and
        /// async calls pass `MSG_DONTWAIT`, or set `O_NONBLOCK` (for good) where a call has
        /// no flags.
        var nonblocking: Bool { get { flags.contains(.nonblocking) } set { flags.set(.nonblocking, newValue) } }
        var connected: Bool { get { flags.contains(.connected) } set { flags.set(.connected, newValue) } }
        var listening: Bool { get { flags.contains(.listening) } set { flags.set(.listening, newValue) } }
        var bound: Bool { get { flags.contains(.bound) } set { flags.set(.bound, newValue) } }
        var readShut: Bool { get { flags.contains(.readShut) } set { flags.set(.readShut, newValue) } }
        var writeShut: Bool { get { flags.contains(.writeShut) } set { flags.set(.writeShut, newValue) } }

        /// What most sockets never use, or `nil` while nothing needed it.
        var rare: RareState? { rareStorage?.takeUnretainedValue() }

        /// Runs `body` on ``rare`` without retaining it; `nil` while there is none.
        @inline(__always)
        func withRare<R>(_ body: (RareState) -> R) -> R? {
            rareStorage?._withUnsafeGuaranteedRef(body)
        }

        /// Runs `body` on ``rare``, allocated now if it was not.
        @inline(__always)
        mutating func withMadeRare<R>(_ body: (RareState) -> R) -> R {
            if rareStorage == nil { rareStorage = Unmanaged.passRetained(RareState()) }
            return rareStorage.unsafelyUnwrapped._withUnsafeGuaranteedRef(body)
        }

        /// ``rare``, allocated now if it was not.
        mutating func makeRare() -> RareState {
            withMadeRare { $0 }
        }

        /// Releases ``rare``: only in the socket's deinit.
        mutating func freeRare() {
            rareStorage?.release()
            rareStorage = nil
        }

        // MARK: Directions

        /// Who owns `direction`.
        subscript(owner direction: Direction) -> Owner {
            @inline(__always) get {
                if active & direction.bit != 0 { return .active }
                if let waiter = withRare({ $0[waiter: direction] }) ?? nil { return .waiting(waiter) }
                return .none
            }
            @inline(__always) set {
                switch newValue {
                case .none:
                    // Active and waiting exclude each other: an active owner has no waiter to drop.
                    if active & direction.bit != 0 {
                        active &= ~direction.bit
                    } else {
                        withRare { $0.dropWaiter(direction) }
                    }
                case .active:
                    active |= direction.bit
                    withRare { $0.dropWaiter(direction) }
                case .waiting(let waiter):
                    active &= ~direction.bit
                    withMadeRare { $0[waiter: direction] = waiter }
                }
            }
        }

        /// The callers queued behind `direction`'s owner, first come first.
        subscript(queue direction: Direction) -> Deque<Waiter> {
            _read {
                if let rare = rareStorage?.takeUnretainedValue() { yield rare[queue: direction] } else { yield Deque() }
            }
            _modify {
                if let rare = rareStorage?.takeUnretainedValue() {
                    yield &rare[queue: direction]
                } else {
                    var queue = Deque<Waiter>()
                    yield &queue
                    if !queue.isEmpty { makeRare()[queue: direction] = queue }
                }
            }
        }

        /// Nobody owns `direction` and nobody waits for it: the fast path may take it.
        @inline(__always)
        func isIdle(_ direction: Direction) -> Bool {
            guard active & direction.bit == 0 else { return false }
            return withRare { $0[waiter: direction] == nil && $0.queueIsEmpty(direction) } ?? true
        }

        /// Nobody waits in `direction`'s queue.
        @inline(__always)
        func queueIsEmpty(_ direction: Direction) -> Bool {
            withRare { $0.queueIsEmpty(direction) } ?? true
        }

        /// Current user plus queued ones, as `num_readers` and friends count them.
        func users(_ direction: Direction) -> Int {
            if case .none = self[owner: direction] { return self[queue: direction].count }
            return 1 + self[queue: direction].count
        }

        /// Readiness edges seen by the reactor, to catch one that raced a failed attempt.
        /// 32 bits (wrapping): a stale match would take 2^32 edges between an attempt and its
        /// wait. In ``rare``: only a socket the reactor watches has edges, and watching it
        /// (its ``token``) made the rare state; an idle socket does not carry them.
        var readSequence: UInt32 {
            @inline(__always) get { withRare { $0.readSequence } ?? 0 }
            @inline(__always) set { withMadeRare { $0.readSequence = newValue } }
        }

        var writeSequence: UInt32 {
            @inline(__always) get { withRare { $0.writeSequence } ?? 0 }
            @inline(__always) set { withMadeRare { $0.writeSequence = newValue } }
        }

        @inline(__always)
        func sequence(_ direction: Direction) -> UInt32 {
            withRare { direction == .read || direction == .accept ? $0.readSequence : $0.writeSequence } ?? 0
        }

        // MARK: What rare sockets use

        /// The thread in `close` waiting for `inFlight` to reach zero.
        var closer: ThreadWaker? {
            get { withRare { $0.closer } ?? nil }
            set { if newValue != nil || rareStorage != nil { withMadeRare { $0.closer = newValue } } }
        }

        /// The reactor's token for the descriptor, once registered.
        var token: UInt64? {
            get { withRare { $0.token } ?? nil }
            set { if newValue != nil || rareStorage != nil { withMadeRare { $0.token = newValue } } }
        }

        /// The `otp` level options (their defaults until one is set).
        var otp: OTPSettings {
            get { withRare { $0.otp } ?? OTPSettings() }
            set { withMadeRare { $0.otp = newValue } }
        }

        /// The address of a `nowait` connect in progress, for its finalization (`connect/1`).
        var connecting: SocketAddress? {
            get { withRare { $0.connecting } ?? nil }
            set { if newValue != nil || rareStorage != nil { withMadeRare { $0.connecting = newValue } } }
        }

        var counters: SocketCounters { withRare { $0.counters } ?? SocketCounters() }

        mutating func count(_ direction: Direction, _ count: Count) {
            if direction == .connect { return }  // Erlang counts no connects
            withMadeRare { $0.counters.add(direction, count) }
        }

        /// Marks the descriptor released, once, by the closing thread when nobody is in
        /// flight; returns the reactor's token, which goes with it.
        mutating func release() -> UInt64? {
            precondition(!released, "socket descriptor released twice")
            released = true
            defer { token = nil }
            return token
        }

        /// One thread leaves flight; after `close`, the last one wakes the closer.
        mutating func leaveFlight() -> Notice? {
            inFlight -= 1
            guard closed, inFlight == 0, let closer else { return nil }
            self.closer = nil
            return .wakeThread(closer)
        }
    }

    /// What most sockets never use, out of line: wait queues and waiting owners, the
    /// counters (a socket that never transfers has none), the `otp` options, a `nowait`
    /// connect's address, the reactor's token. Guarded by the socket's lock.
    final class RareState {
        @exclusivity(unchecked) var readWaiter: Waiter?
        @exclusivity(unchecked) var writeWaiter: Waiter?
        @exclusivity(unchecked) var acceptWaiter: Waiter?
        @exclusivity(unchecked) var connectWaiter: Waiter?
        @exclusivity(unchecked) var readQueue = Deque<Waiter>()
        @exclusivity(unchecked) var writeQueue = Deque<Waiter>()
        @exclusivity(unchecked) var acceptQueue = Deque<Waiter>()
        @exclusivity(unchecked) var connectQueue = Deque<Waiter>()
        @exclusivity(unchecked) var closer: ThreadWaker?
        @exclusivity(unchecked) var counters = SocketCounters()
        @exclusivity(unchecked) var otp = OTPSettings()
        @exclusivity(unchecked) var connecting: SocketAddress?
        @exclusivity(unchecked) var token: UInt64?
        @exclusivity(unchecked) var readSequence: UInt32 = 0
        @exclusivity(unchecked) var writeSequence: UInt32 = 0
        /// The caller's descriptor that `open(fd:)` duplicated (Erlang `fromfd` with `dup`).
        @exclusivity(unchecked) var duplicatedFrom: CInt?
        /// An async waiter whose read or write operation has ended, for the direction's next
        /// async wait: a wait would otherwise allocate one and free it again, each time
        /// (~650 of W1 async's ~12,400 user-space instructions per round trip).
        /// Held unmanaged, so that ``Entry`` hands one over with no reference counting in
        /// the blocking and `nowait` engines, which never take one.
        @exclusivity(unchecked) private var spareReader: Unmanaged<Waiter>?
        @exclusivity(unchecked) private var spareWriter: Unmanaged<Waiter>?

        init() {}

        deinit {
            spareReader?.release()
            spareWriter?.release()
        }

        /// Takes the direction's spare async waiter, if it has one, retained: the operation
        /// that enters now owns it alone (the one that kept it had let go of it).
        @inline(__always)
        func takeSpare(_ direction: Direction) -> Unmanaged<Waiter>? {
            switch direction {
            case .read:
                return spareReader.take()
            case .write:
                return spareWriter.take()
            case .accept, .connect:
                return nil  // an accept or a connect waits rarely; a connecting socket keeps no spare
            }
        }

        /// Keeps `waiter` as the direction's spare, unless it has one. `waiter` must be an
        /// async waiter that nothing else can reach any more: no slot or queue of the socket,
        /// no cancellation handler that could still run, no time-out's timer.
        @inline(__always)
        func keepSpare(_ waiter: consuming Waiter, _ direction: Direction) {
            waiter.wake = nil
            switch direction {
            case .read: if spareReader == nil { spareReader = .passRetained(waiter) }
            case .write: if spareWriter == nil { spareWriter = .passRetained(waiter) }
            case .accept, .connect: break
            }
        }

        subscript(waiter direction: Direction) -> Waiter? {
            @inline(__always) get {
                switch direction {
                case .read: return readWaiter
                case .write: return writeWaiter
                case .accept: return acceptWaiter
                case .connect: return connectWaiter
                }
            }
            @inline(__always) set {
                switch direction {
                case .read: readWaiter = newValue
                case .write: writeWaiter = newValue
                case .accept: acceptWaiter = newValue
                case .connect: connectWaiter = newValue
                }
            }
        }

        /// Nobody waits in `direction`'s queue: read in place, without the subscript's
        /// coroutine or a copy of the deque (a retain and a release).
        @inline(__always)
        func queueIsEmpty(_ direction: Direction) -> Bool {
            switch direction {
            case .read: return readQueue.isEmpty
            case .write: return writeQueue.isEmpty
            case .accept: return acceptQueue.isEmpty
            case .connect: return connectQueue.isEmpty
            }
        }

        /// Forgets `direction`'s waiting owner, if any (no store, and no release, when none).
        @inline(__always)
        func dropWaiter(_ direction: Direction) {
            if self[waiter: direction] != nil { self[waiter: direction] = nil }
        }

        subscript(queue direction: Direction) -> Deque<Waiter> {
            @inline(__always) _read {
                switch direction {
                case .read: yield readQueue
                case .write: yield writeQueue
                case .accept: yield acceptQueue
                case .connect: yield connectQueue
                }
            }
            _modify {
                switch direction {
                case .read: yield &readQueue
                case .write: yield &writeQueue
                case .accept: yield &acceptQueue
                case .connect: yield &connectQueue
                }
            }
        }
    }

    /// Runs `body` under the socket's lock with its state: how every operation enters and
    /// leaves, and how flags, options and counters are read or updated outside one.
    @inline(__always)
    func withLock<R>(_ body: (inout State) -> R) -> R {
        lock.withLock { _ in body(&state) }
    }
}

extension Direction {
    /// This direction's bit in ``Socket/State``'s active owners.
    @inline(__always) var bit: UInt8 { 1 << UInt8(rawValue) }
}

extension OptionSet {
    fileprivate mutating func set(_ member: Element, _ present: Bool) {
        if present { insert(member) } else { remove(member) }
    }
}
