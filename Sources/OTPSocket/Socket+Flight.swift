import DequeModule
import SocketConstants
import Synchronization

extension Socket {
    /// What to do, outside the lock, after a change of owner or a close.
    enum Notice: Sendable {
        case wakeThread(ThreadWaker)
        case resume(UnsafeContinuation<Wake, Never>, Wake)
        /// A select waiter's `select` message, dropped if the waiter is revoked meanwhile.
        case select(Waiter)
        /// A select waiter's `abort` message, for a close (`closed`). No reason rides in the
        /// notice: one would make every notice a multi-word value that the hot paths copy
        /// and destroy through outlined functions.
        case abort(Waiter)

        /// Does it. `socket`: the socket the notice is about, which `select` and `abort`
        /// messages carry; `nil` in its deinit, when a message could not hold it: none is sent.
        func deliver(from socket: Socket?) {
            switch self {
            case .wakeThread(let waker): waker.wake()
            case .resume(let continuation, let wake): continuation.resume(returning: wake)
            case .select(let waiter):
                // Nobody to tell: the waiter gives up its turn (``Socket/abandon(_:)``).
                if let socket, !waiter.post(from: socket) { socket.abandon(waiter) }
            case .abort(let waiter): if let socket { waiter.post(from: socket, abort: .closed) }
            }
        }
    }

    /// Hands the direction to the first queued waiter, if the slot is free. Call under the lock.
    ///
    /// The waiter becomes the owner but is not in flight: a blocking thread or a task claims
    /// the direction when it runs; a select caller gets its `select` message and calls again.
    static func promote(_ direction: Direction, in state: inout State) -> Notice? {
        guard case .none = state[owner: direction], !state.closed, !state.queueIsEmpty(direction) else { return nil }
        // A select waiter whose mailbox is gone has nobody to tell: it is dropped, as OTP
        // drops the waiters of a process that exited.
        var next: Waiter?
        while let waiter = state[queue: direction].popFirst() {
            if waiter.lostItsMailbox {
                waiter.revoked.store(true, ordering: .releasing)
                continue
            }
            next = waiter
            break
        }
        guard let waiter = next else { return nil }
        state[owner: direction] = .waiting(waiter)
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
        /// `mayBlock`: the syscall may sleep in the kernel (counted in `inKernel`); `spare`:
        /// the direction's spare async waiter, when asked for (``RareState/takeSpare(_:)``).
        case proceed(fd: CInt, sequence: UInt32, mayBlock: Bool, spare: Unmanaged<Waiter>?)
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
    /// its waiter replaced. The replaced handle's `select` message is taken back. `mailbox`:
    /// the serial of a select caller's mailbox (`nil`: not a select caller). `blocking`: the
    /// caller may sleep in the kernel (timeout `infinity`), when the descriptor allows.
    @inline(__always)
    func enter(_ direction: Direction, blocking: Bool = false, takingSpare: Bool = false,
               orQueue makeWaiter: () -> Waiter?, mailbox: UInt64? = nil) -> Entry {
        var replaced: Waiter?  // its `select` message is taken back
        let entry: Entry = withLock { state in
            guard !state.closed else { return .closed }
            if state.isIdle(direction) {
                state[owner: direction] = .active
                state.inFlight += 1
                let mayBlock = blocking && !state.nonblocking
                if mayBlock { state.inKernel += 1 }
                let spare = takingSpare ? state.withRare { $0.takeSpare(direction) } ?? nil : nil
                return .proceed(fd: descriptor, sequence: state.sequence(direction), mayBlock: mayBlock, spare: spare)
            }
            if let mailbox {
                if let owner = state[owner: direction].waiter, owner.delivers(to: mailbox) {
                    owner.revoked.store(true, ordering: .releasing)
                    replaced = owner
                    state[owner: direction] = .active
                    state.inFlight += 1
                    return .proceed(fd: descriptor, sequence: state.sequence(direction), mayBlock: false, spare: nil)
                }
                guard let replacement = makeWaiter() else { return .busy }
                if let index = state[queue: direction].firstIndex(where: { $0.delivers(to: mailbox) }) {
                    state[queue: direction][index].revoked.store(true, ordering: .releasing)
                    state[queue: direction][index] = replacement
                    return .queued(replacement)
                }
                state[queue: direction].append(replacement)
                return .queued(replacement)
            }
            guard let waiter = makeWaiter() else { return .busy }
            state[queue: direction].append(waiter)
            return .queued(waiter)
        }
        replaced?.unpost()
        return entry
    }

    /// Leaves an operation: frees the direction, counts, and hands over to the next waiter.
    /// With `peerClosed` (a stream's peer closed it), every queued waiter ends with `closed`
    /// instead, as OTP aborts the queued readers. `spare`: an async waiter that nothing but
    /// the leaving operation holds any more, kept for the direction's next async wait.
    func leave(_ direction: Direction, counting count: Count? = nil, peerClosed: Bool = false,
               keeping spare: consuming Waiter? = nil) {
        var spare = spare
        let notices: [Notice]? = withLock { state in
            state[owner: direction] = .none
            if let kept = spare.take() { state.withRare { $0.keepSpare(kept, direction) } }
            if let count {
                state.count(direction, count)
                if count.mayBlock { state.inKernel -= 1 }
            }
            // The fast path: nobody queued (to hand over to, or to end when the peer closed),
            // nobody closing, nothing to tell.
            if !state.closed, state.queueIsEmpty(direction) {
                state.inFlight -= 1
                return nil
            }
            var notices: [Notice] = []
            if peerClosed { notices = Socket.endQueue(direction, in: &state) }
            if let next = Socket.promote(direction, in: &state) { notices.append(next) }
            if let closer = state.leaveFlight() { notices.append(closer) }
            return notices
        }
        if let notices { for notice in notices { notice.deliver(from: self) } }
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
        if withLock({ $0.nonblocking }) { return .success(()) }
        if case .failure(let errno) = Syscall.setNonblocking(fd) { return .failure(.errno(errno)) }
        withLock { $0.nonblocking = true }
        return .success(())
    }

    /// After a queued blocking caller got its turn: whether its syscall may sleep in the
    /// kernel (counted in `inKernel`, so that `close` wakes it).
    func claimKernel(blocking: Bool) -> Bool {
        guard blocking else { return false }
        return withLock { state in
            guard !state.nonblocking else { return false }
            state.inKernel += 1
            return true
        }
    }
}
