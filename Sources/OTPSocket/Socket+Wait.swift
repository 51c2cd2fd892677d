import SocketConstants

extension Socket {
    /// How a woken waiter goes on: back into flight as the direction's user, or done.
    enum Claim {
        case proceed(fd: CInt, sequence: UInt32)
        case ended(Wake)
    }

    /// A waiter woken with `.ready` or `.promoted` takes the direction back and enters
    /// flight, unless the socket was closed or the waiter lost its slot (time-out, task
    /// cancellation) between its wake-up and now.
    func claim(_ direction: Direction, _ waiter: Waiter) -> Claim {
        withLock { state in
            guard state[owner: direction].waiter === waiter else {
                let wake = waiter.wake ?? .closed
                waiter.wake = nil
                return .ended(wake == .ready || wake == .promoted ? .closed : wake)
            }
            if state.closed {
                state[owner: direction] = .none
                return .ended(.closed)
            }
            waiter.wake = nil
            state[owner: direction] = .active
            state.inFlight += 1
            return .proceed(fd: descriptor, sequence: state.sequence(direction))
        }
    }

    // MARK: Blocking waits (the caller's own thread, poll(2) on the socket and its waker)

    /// After `EAGAIN`: the blocking owner waits for readiness, a close or the deadline. It
    /// stays in flight, so the descriptor it polls cannot be released under it; `close`
    /// wakes it through its eventfd and waits for it to leave.
    func waitBlocking(_ direction: Direction, _ waiter: Waiter, fd: CInt, deadline: Deadline?) -> Wake {
        guard case .blocking(let waker) = waiter.kind else { return .closed }
        let closed: Bool = withLock { state in
            if state.closed { return true }
            state[owner: direction] = .waiting(waiter)
            return false
        }
        if closed { return .closed }
        let events = direction == .read || direction == .accept ? Native.POLLIN : Native.POLLOUT
        switch waker.wait(socket: fd, events: events, deadline: deadline) {
        case .ready:
            return .ready
        case .timedOut:
            return .timeout
        case .woken:
            return withLock { state in
                if let wake = waiter.wake { waiter.wake = nil; return wake }
                return state.closed ? .closed : .ready
            }
        }
    }

    /// A queued blocking caller waits for its turn, the deadline, or a close.
    func waitForTurn(_ direction: Direction, _ waiter: Waiter, deadline: Deadline?) -> Claim {
        guard case .blocking(let waker) = waiter.kind else { return .ended(.closed) }
        while true {
            let outcome = waker.wait(socket: -1, events: 0, deadline: deadline)
            let claim: Claim? = withLock { state in
                if let wake = waiter.wake {
                    waiter.wake = nil
                    // `close` overwrites `.promoted` and frees the slot, so a promoted
                    // waiter here owns the direction of an open socket.
                    guard wake == .promoted else { return .ended(wake) }
                    state[owner: direction] = .active
                    state.inFlight += 1
                    return .proceed(fd: descriptor, sequence: state.sequence(direction))
                }
                if state.closed { return .ended(.closed) }
                guard outcome == .timedOut else { return nil }
                if let index = state[queue: direction].firstIndex(where: { $0 === waiter }) {
                    state[queue: direction].remove(at: index)
                }
                return .ended(.timeout)
            }
            if let claim { return claim }
        }
    }

    // MARK: Async waits (the reactor wakes them)

    /// Has the reactor watch the descriptor for what a wait in `direction` needs: registers
    /// it on the socket's first wait, and widens it (to writability) when a writer first
    /// waits on a socket that only readers waited on. Called in flight, so the descriptor
    /// stays open throughout. The reactor's ``Reactor/watching`` lock orders a reader and a
    /// writer that wait for the first time at once: one registers, the other widens or
    /// finds nothing to do.
    ///
    /// Every later wait reads ``watched`` and takes no lock.
    func registerIfNeeded(fd: CInt, for direction: Direction) throws(SocketError) {
        let needed = Reactor.Interest(waitingIn: direction)
        if Reactor.Interest(rawValue: watched.load(ordering: .acquiring)).isSuperset(of: needed) { return }
        let reactor = Reactor.shared
        try reactor.watching.withLock { _ throws(SocketError) in
            let current = Reactor.Interest(rawValue: watched.load(ordering: .relaxed))
            if current.isSuperset(of: needed) { return }
            let wanted = current.union(needed)
            let (token, closed) = withLock { ($0.token, $0.closed) }
            if closed { return }  // the wait finds the socket closed
            if let token {
                try reactor.widen(fd: fd, token: token, to: wanted).get()
            } else {
                // Nobody registered it (they hold `watching` too): `nil` cannot come back.
                guard let token = try reactor.register(self, fd: fd, for: wanted).get() else { return }
                let stale: Bool = withLock { state in
                    if state.token == nil, !state.closed { state.token = token; return false }
                    return true
                }
                if stale {
                    reactor.deregister(token: token, fd: fd)
                    return
                }
            }
            watched.store(wanted.rawValue, ordering: .releasing)
        }
    }

    /// After `EAGAIN` in an async operation: leaves flight and parks as the direction's
    /// owner until readiness (`.ready`: claim and retry), a close, or an ``expire(_:_:_:)``
    /// that came while the operation was running.
    ///
    /// Not itself `async`: the caller suspends with ``suspendTask(_:onCancel:)`` and hands
    /// the continuation here, which saves an async frame and an executor hop per wait.
    func suspend(_ direction: Direction, _ waiter: Waiter, sequence: UInt32, _ continuation: UnsafeContinuation<Wake, Never>) {
        // No `Notices` on the usual path (a wait that parks): an empty one still costs its
        // destruction, through outlined value witnesses, on every wait.
        let (immediate, notices): (Wake?, Notices?) = withLock { state in
            var notices: Notices?
            var immediate: Wake?
            if state.closed {
                state[owner: direction] = .none
                immediate = .closed
            } else if let wake = waiter.wake {
                waiter.wake = nil
                state[owner: direction] = .none
                if let next = Socket.promote(direction, in: &state) { notices = Notices(next) }
                immediate = wake
            } else {
                state[owner: direction] = .waiting(waiter)
                if state.sequence(direction) != sequence {
                    immediate = .ready  // an edge raced the attempt: claim and retry
                } else {
                    waiter.continuation = continuation
                }
            }
            if let closer = state.leaveFlight() {
                if notices == nil { notices = Notices() }
                notices?.append(closer)
            }
            return (immediate, notices)
        }
        notices?.deliver(from: self)
        if let immediate { continuation.resume(returning: immediate) }
    }

    /// A queued async caller waits for its turn (`.promoted`: claim), a close, or an expiry:
    /// parks `continuation` in its waiter, or resumes it at once when one of them came first.
    func waitForTurn(_ waiter: Waiter, _ continuation: UnsafeContinuation<Wake, Never>) {
        let immediate: Wake? = withLock { state in
            if let wake = waiter.wake { waiter.wake = nil; return wake }
            if state.closed { return .closed }
            waiter.continuation = continuation
            return nil
        }
        if let immediate { continuation.resume(returning: immediate) }
    }

    /// Ends an async wait early (time-out or task cancellation). A parked or queued waiter
    /// leaves its slot and resumes with `reason`; one that is running keeps `reason` for the
    /// moment it would park, so an expiry never gets lost in between.
    func expire(_ direction: Direction, _ waiter: Waiter, _ reason: Wake) {
        let notices: Notices = withLock { state in
            var notices = Notices()
            if state[owner: direction].waiter === waiter {
                state[owner: direction] = .none
                if let next = Socket.promote(direction, in: &state) { notices.append(next) }
            } else if let index = state[queue: direction].firstIndex(where: { $0 === waiter }) {
                state[queue: direction].remove(at: index)
            } else {
                if waiter.wake == nil { waiter.wake = reason }
                return notices
            }
            if let continuation = waiter.continuation {
                waiter.continuation = nil
                notices.append(.resume(continuation, reason))
            } else {
                waiter.wake = reason
            }
            return notices
        }
        notices.deliver(from: self)
    }
}

/// The notices of one critical section of the wait path, in order: the first two inline,
/// so that a wait, a readiness edge or an expiry, which have one or two, allocate nothing.
/// Counted rather than tested for `nil`: testing an optional notice goes through an
/// outlined value witness (the enum has several payloads).
struct Notices {
    private var count = 0
    private var first: Socket.Notice?
    private var second: Socket.Notice?
    private var more: [Socket.Notice]?

    init() {}

    init(_ notice: Socket.Notice) {
        append(notice)
    }

    mutating func append(_ notice: Socket.Notice) {
        switch count {
        case 0: first = notice
        case 1: second = notice
        default:
            var rest = more.take() ?? []
            rest.append(notice)
            more = rest
        }
        count += 1
    }

    /// Delivers them, outside the socket's lock (``Socket/Notice/deliver(from:)``).
    func deliver(from socket: Socket) {
        guard count > 0 else { return }
        first.unsafelyUnwrapped.deliver(from: socket)
        guard count > 1 else { return }
        second.unsafelyUnwrapped.deliver(from: socket)
        for notice in more ?? [] { notice.deliver(from: socket) }
    }
}
