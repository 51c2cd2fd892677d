import DequeModule
import SocketConstants
import Synchronization

/// A value kept out of line in ``SocketCore/State``, guarded by the socket's lock.
final class Boxed<Value>: @unchecked Sendable {
    @exclusivity(unchecked) var value: Value
    init(_ value: Value) { self.value = value }
}

/// The counters of one socket, allocated when it first counts something.
final class CounterBox {
    /// Guarded by the socket's lock: no dynamic exclusivity check on each count.
    @exclusivity(unchecked) var value = SocketCounters()
    init() {}
}

/// The state behind a ``Socket``: its descriptor, who is using which direction, who waits,
/// and the counters. Every field is guarded by one lock; no syscall runs under it, and no
/// message, continuation or thread is woken under it (see ``Notice``).
///
/// `inFlight` counts the threads that are inside a syscall or `poll` on the descriptor right
/// now. A waiter that is parked, queued, or woken but not yet running is not in flight: it
/// claims the direction again (``claim(_:_:)``) before it touches the descriptor. So after
/// `close` the in-flight count drops to zero promptly, and the closing thread itself releases
/// the descriptor, exactly once (see `SocketCore+Close.swift`).
final class SocketCore: @unchecked Sendable {
    /// Laid out for size (wide fields first): thousands of idle sockets each carry one. What
    /// most sockets never use (the `otp` options set to other than their defaults, a `nowait`
    /// connect's address, the counters) is boxed and allocated on first use.
    struct State {
        /// Threads inside a syscall or poll on `fd`.
        var inFlight: Int32 = 0
        /// Threads in a syscall that may sleep in the kernel: `close` wakes them with shutdown.
        var inKernel: Int32 = 0
        /// The thread in `close` waiting for `inFlight` to reach zero.
        var closer: ThreadWaker?
        var read = OperationQueue()
        var write = OperationQueue()
        var accept = OperationQueue()
        var connect = OperationQueue()
        /// Readiness edges seen by the reactor, to catch one that raced a failed attempt.
        /// 32 bits (wrapping): a stale match would take 2^32 edges between an attempt and its wait.
        var readSequence: UInt32 = 0
        var writeSequence: UInt32 = 0
        /// Allocated on first use: an idle socket carries no counters.
        var counterBox: CounterBox?
        private var otpBox: Boxed<OTPSettings>?
        private var connectingBox: Boxed<SocketAddress>?
        var token: UInt64?
        var fd: CInt
        var closed = false
        var released = false
        /// Whether `fd` has `O_NONBLOCK`. It starts without: a blocking call with timeout
        /// `infinity` then sleeps in the kernel, one syscall as in C. `nowait` and async
        /// calls pass `MSG_DONTWAIT`, or set `O_NONBLOCK` (for good) where a call has no flags.
        var nonblocking = false
        var connected = false
        var listening = false
        var bound = false
        var readShut = false
        var writeShut = false

        /// The `otp` level options (their defaults until one is set).
        var otp: OTPSettings {
            get { otpBox?.value ?? OTPSettings() }
            set {
                if let otpBox { otpBox.value = newValue } else { otpBox = Boxed(newValue) }
            }
        }

        /// The address of a `nowait` connect in progress, for its finalization (`connect/1`).
        var connecting: SocketAddress? {
            get { connectingBox?.value }
            set { connectingBox = newValue.map { Boxed($0) } }
        }

        init(fd: CInt, connected: Bool) {
            self.fd = fd
            self.connected = connected
        }

        subscript(direction: Direction) -> OperationQueue {
            get {
                switch direction {
                case .read: return read
                case .write: return write
                case .accept: return accept
                case .connect: return connect
                }
            }
            _modify {
                switch direction {
                case .read: yield &read
                case .write: yield &write
                case .accept: yield &accept
                case .connect: yield &connect
                }
            }
        }

        mutating func count(_ direction: Direction, _ count: Count) {
            if direction == .connect { return }  // Erlang counts no connects
            let box: CounterBox
            if let existing = counterBox { box = existing } else { box = CounterBox(); counterBox = box }
            box.value.add(direction, count)
        }

        var counters: SocketCounters { counterBox?.value ?? SocketCounters() }

        func sequence(_ direction: Direction) -> UInt32 {
            direction == .read || direction == .accept ? readSequence : writeSequence
        }

        /// One thread leaves flight; after `close`, the last one wakes the closer.
        mutating func leaveFlight() -> Notice? {
            inFlight -= 1
            guard closed, inFlight == 0, let closer else { return nil }
            self.closer = nil
            return .wakeThread(closer)
        }
    }

    let state: Mutex<State>
    /// The descriptor, fixed for the socket's life (also `state.fd`), for ``borrow()``.
    let descriptor: CInt
    /// The threads borrowing the descriptor outside any operation (options, addresses,
    /// ioctls: ``Socket/withDescriptor(_:)``), counted without the lock, and in the top bit
    /// whether `close` began: one atomic add and one subtract per borrow.
    let borrowers = Atomic<UInt32>(0)
    static let closingBit: UInt32 = 1 << 31

    init(fd: CInt, connected: Bool = false) {
        state = Mutex(State(fd: fd, connected: connected))
        descriptor = fd
    }

    /// Borrows the descriptor, or `nil` once `close` began; pair with ``giveBack()``.
    @inline(__always)
    func borrow() -> CInt? {
        let now = borrowers.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        guard now & SocketCore.closingBit == 0 else {
            giveBack()
            return nil
        }
        return descriptor
    }

    /// Ends a borrow; the last one after `close` began wakes the closing thread.
    @inline(__always)
    func giveBack() {
        let now = borrowers.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        guard now == SocketCore.closingBit else { return }
        wakeCloser()
    }

    /// The slow path of ``giveBack()``, out of line so that a borrow inlines into its caller.
    @inline(never)
    private func wakeCloser() {
        let closer: ThreadWaker? = state.withLock { state in
            guard state.inFlight == 0, let closer = state.closer else { return nil }
            state.closer = nil
            return closer
        }
        closer?.wake()
    }

    /// What to do, outside the lock, after a change of owner or a close.
    enum Notice: Sendable {
        case wakeThread(ThreadWaker)
        case resume(UnsafeContinuation<Wake, Never>, Wake)
        /// A select waiter's `select` message, dropped if the waiter is revoked meanwhile.
        case select(Waiter)
        /// A select waiter's `abort` message.
        case abort(Waiter, SocketError.Reason)
        /// Takes back a replaced select waiter's `select` message if still queued.
        case unpost(Waiter)

        func deliver() {
            switch self {
            case .wakeThread(let waker): waker.wake()
            case .resume(let continuation, let wake): continuation.resume(returning: wake)
            case .select(let waiter): waiter.post()
            case .abort(let waiter, let reason): waiter.post(abort: reason)
            case .unpost(let waiter): waiter.unpost()
            }
        }
    }

    /// Hands the direction to the first queued waiter, if the slot is free. Call under the lock.
    ///
    /// The waiter becomes the owner but is not in flight: a blocking thread or a task claims
    /// the direction when it runs; a select caller gets its `select` message and calls again.
    static func promote(_ direction: Direction, in state: inout State) -> Notice? {
        guard case .none = state[direction].owner, !state.closed else { return nil }
        // A select waiter whose mailbox is gone has nobody to tell: it is dropped, as OTP
        // drops the waiters of a process that exited.
        var next: Waiter?
        while let waiter = state[direction].queued.popFirst() {
            if case .select = waiter.kind, waiter.mailbox == nil {
                waiter.revoked.store(true, ordering: .releasing)
                continue
            }
            next = waiter
            break
        }
        guard let waiter = next else { return nil }
        state[direction].owner = .waiting(waiter)
        switch waiter.kind {
        case .blocking(let waker):
            waiter.wake = .promoted
            return .wakeThread(waker)
        case .async:
            guard let continuation = waiter.continuation else {
                waiter.wake = .promoted
                return nil
            }
            waiter.continuation = nil
            return .resume(continuation, .promoted)
        case .select:
            waiter.messageSent = true
            return .select(waiter)
        }
    }

    // MARK: Entering and leaving an operation

    enum Entry {
        /// Go ahead: `fd` stays open until `leave`; `sequence` is the readiness count now;
        /// `mayBlock`: the syscall may sleep in the kernel (counted in `inKernel`).
        case proceed(fd: CInt, sequence: UInt32, mayBlock: Bool)
        case closed
        /// Queued behind the current user.
        case queued(Waiter)
        /// The direction is taken and the operation does not queue (`connect`: `already`).
        case busy
    }

    /// Enters an operation: one lock round trip and no allocation when the direction is free
    /// (the fast path); otherwise queues `makeWaiter()` behind the current user.
    ///
    /// A select caller whose mailbox owns the direction (it got its select message, or calls
    /// again with a new handle, Erlang's "same process") takes over; one already queued has
    /// its waiter replaced. The replaced handle's `select` message is taken back. `blocking`:
    /// the caller may sleep in the kernel (timeout `infinity`), when the descriptor allows.
    func enter(_ direction: Direction, blocking: Bool = false, orQueue makeWaiter: () -> Waiter?, mailbox: Mailbox? = nil) -> Entry {
        var stale: Notice?
        let entry: Entry = state.withLock { state in
            guard !state.closed else { return .closed }
            if state[direction].isIdle {
                state[direction].owner = .active
                state.inFlight += 1
                let mayBlock = blocking && !state.nonblocking
                if mayBlock { state.inKernel += 1 }
                return .proceed(fd: state.fd, sequence: state.sequence(direction), mayBlock: mayBlock)
            }
            if let mailbox {
                if let owner = state[direction].ownerWaiter, owner.delivers(to: mailbox) {
                    owner.revoked.store(true, ordering: .releasing)
                    stale = .unpost(owner)
                    state[direction].owner = .active
                    state.inFlight += 1
                    return .proceed(fd: state.fd, sequence: state.sequence(direction), mayBlock: false)
                }
                guard let replacement = makeWaiter() else { return .busy }
                if let index = state[direction].queued.firstIndex(where: { $0.delivers(to: mailbox) }) {
                    state[direction].queued[index].revoked.store(true, ordering: .releasing)
                    state[direction].queued[index] = replacement
                    return .queued(replacement)
                }
                state[direction].queued.append(replacement)
                return .queued(replacement)
            }
            guard let waiter = makeWaiter() else { return .busy }
            state[direction].queued.append(waiter)
            return .queued(waiter)
        }
        stale?.deliver()
        return entry
    }

    /// Leaves an operation: frees the direction, counts, and hands over to the next waiter.
    /// With `peerClosed` (a stream's peer closed it), every queued waiter ends with `closed`
    /// instead, as OTP aborts the queued readers.
    func leave(_ direction: Direction, counting count: Count? = nil, peerClosed: Bool = false) {
        let notices: [Notice]? = state.withLock { state in
            state[direction].owner = .none
            if let count {
                state.count(direction, count)
                if count.mayBlock { state.inKernel -= 1 }
            }
            // The fast path: nobody queued, nobody closing, nothing to tell.
            if !peerClosed, !state.closed, state[direction].queued.isEmpty {
                state.inFlight -= 1
                return nil
            }
            var notices: [Notice] = []
            if peerClosed { notices = SocketCore.endQueue(direction, in: &state) }
            if let next = SocketCore.promote(direction, in: &state) { notices.append(next) }
            if let closer = state.leaveFlight() { notices.append(closer) }
            return notices
        }
        if let notices { for notice in notices { notice.deliver() } }
    }

    /// What one operation did, counted once when it leaves: syscalls tried, waits for
    /// readiness, successful transfers (packets) and their bytes.
    struct Count {
        var tries: UInt64 = 0
        var waits: UInt64 = 0
        var packets: UInt64 = 0
        var bytes: UInt64 = 0
        var largest: UInt64 = 0
        var failed = false
        /// The syscall may sleep in the kernel (no `MSG_DONTWAIT`): the blocking style with
        /// timeout `infinity` on a descriptor without `O_NONBLOCK`.
        var mayBlock = false
        /// A `sendfile`: counted in the `sendfile_*` counters instead of `write_*`.
        var sendfile = false

        mutating func transferred(_ count: Int) {
            packets += 1
            bytes += UInt64(count)
            largest = max(largest, UInt64(count))
        }
    }

    /// Gives the descriptor `O_NONBLOCK`, for calls that have no per-call flag (accept,
    /// connect, sendfile) when they must not sleep. Once set it stays.
    func makeNonblocking(_ fd: CInt) -> Result<Void, SocketError> {
        if state.withLock({ $0.nonblocking }) { return .success(()) }
        if case .failure(let errno) = Syscall.setNonblocking(fd) { return .failure(.errno(errno)) }
        state.withLock { $0.nonblocking = true }
        return .success(())
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// After a queued blocking caller got its turn: whether its syscall may sleep in the
    /// kernel (counted in `inKernel`, so that `close` wakes it).
    func claimKernel(blocking: Bool) -> Bool {
        guard blocking else { return false }
        return state.withLock { state in
            guard !state.nonblocking else { return false }
            state.inKernel += 1
            return true
        }
    }

    /// Updates counters or flags without entering an operation.
    func update<R: Sendable>(_ body: (inout sending State) -> sending R) -> R {
        state.withLock { body(&$0) }
    }
}
