import SocketConstants

extension SocketCore {
    // MARK: Blocking waits (the caller's own thread, poll(2) on the socket and its waker)

    /// After `EAGAIN`: the blocking owner waits for readiness, a close or the deadline. It
    /// stays in flight, so the descriptor it polls cannot be released under it.
    func waitBlocking(_ direction: Direction, _ waiter: Waiter, fd: CInt, deadline: Deadline?) -> Wake {
        guard case .blocking(let waker) = waiter.kind else { return .closed }
        let closed: Bool = state.withLock { state in
            if state.closed { return true }
            state[direction].owner = .waiting(waiter)
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
            return state.withLock { state in
                if let wake = waiter.wake { waiter.wake = nil; return wake }
                return state.closed ? .closed : .ready
            }
        }
    }

    /// A queued blocking caller waits for its turn. `.promoted` means it owns the direction
    /// and is in flight.
    func waitForTurn(_ direction: Direction, _ waiter: Waiter, deadline: Deadline?) -> Wake {
        guard case .blocking(let waker) = waiter.kind else { return .closed }
        while true {
            let outcome = waker.wait(socket: -1, events: 0, deadline: deadline)
            let wake: Wake? = state.withLock { state in
                if let wake = waiter.wake { waiter.wake = nil; return wake }
                if state.closed { return .closed }
                if outcome == .timedOut, let index = state[direction].queued.firstIndex(where: { $0 === waiter }) {
                    state[direction].queued.remove(at: index)
                    return .timeout
                }
                return nil
            }
            if let wake { return wake }
        }
    }

    // MARK: Async and select waits (the reactor wakes them)

    /// Registers the descriptor with the reactor, once.
    func registerIfNeeded(fd: CInt) throws(SocketError) {
        let needed = state.withLock { $0.token == nil && !$0.closed }
        guard needed else { return }
        let token = try Reactor.shared.register(self, fd: fd).get()
        let stale: Bool = state.withLock { state in
            if state.token == nil, !state.closed { state.token = token; return false }
            return true
        }
        if stale { Reactor.shared.deregister(token: token, fd: fd) }
    }

    /// After `EAGAIN` in an async operation: leaves flight and waits for readiness. On
    /// `.ready` and `.promoted` the caller is in flight again and owns the direction.
    func suspend(_ direction: Direction, _ waiter: Waiter, sequence: UInt64) async -> Wake {
        await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
            let (immediate, release): (Wake?, CInt?) = state.withLock { state in
                if state.closed {
                    state.inFlight -= 1
                    state[direction].owner = .none
                    return (.closed, SocketCore.releaseIfIdle(&state))
                }
                if state.sequence(direction) != sequence {
                    waiter.sequence = state.sequence(direction)
                    return (.ready, nil)
                }
                state.inFlight -= 1
                state[direction].owner = .waiting(waiter)
                waiter.continuation = continuation
                return (nil, nil)
            }
            if let release { Syscall.close(release) }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// A queued async caller waits for its turn.
    func waitForTurn(_ waiter: Waiter) async -> Wake {
        await withCheckedContinuation { (continuation: CheckedContinuation<Wake, Never>) in
            let immediate: Wake? = state.withLock { state in
                if let wake = waiter.wake { waiter.wake = nil; return wake }
                if state.closed { return .closed }
                waiter.continuation = continuation
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Ends an async wait early (time-out or task cancellation): the waiter leaves the
    /// direction or the queue, and its continuation resumes with `reason`.
    func expire(_ direction: Direction, _ waiter: Waiter, _ reason: Wake) {
        let notices: [Notice] = state.withLock { state in
            var notices: [Notice] = []
            if state[direction].ownerWaiter === waiter {
                state[direction].owner = .none
                if let promoted = SocketCore.promote(direction, in: &state) { notices.append(promoted) }
            } else if let index = state[direction].queued.firstIndex(where: { $0 === waiter }) {
                state[direction].queued.remove(at: index)
            } else {
                return []
            }
            if let continuation = waiter.continuation {
                waiter.continuation = nil
                notices.append(.resume(continuation, reason))
            } else {
                waiter.wake = reason
            }
            return notices
        }
        notices.forEach { $0.deliver() }
    }

    enum Parking {
        case parked
        /// A readiness edge raced the attempt: try again (still in flight).
        case retry(UInt64)
        case closed
    }

    /// After `EAGAIN` in a `nowait` operation: leaves flight; the waiter owns the direction
    /// until its select message is answered or cancelled.
    func park(_ direction: Direction, _ waiter: Waiter, sequence: UInt64) -> Parking {
        let (parking, release): (Parking, CInt?) = state.withLock { state in
            if state.closed {
                state.inFlight -= 1
                state[direction].owner = .none
                return (.closed, SocketCore.releaseIfIdle(&state))
            }
            if state.sequence(direction) != sequence { return (.retry(state.sequence(direction)), nil) }
            state.inFlight -= 1
            waiter.messageSent = false
            state[direction].owner = .waiting(waiter)
            return (.parked, nil)
        }
        if let release { Syscall.close(release) }
        return parking
    }

    /// A readiness edge from the reactor.
    func ready(readable: Bool, writable: Bool) {
        let notices: [Notice] = state.withLock { state in
            var notices: [Notice] = []
            func notify(_ direction: Direction) {
                guard let waiter = state[direction].ownerWaiter else { return }
                switch waiter.kind {
                case .blocking:
                    break
                case .async:
                    guard let continuation = waiter.continuation else { return }
                    waiter.continuation = nil
                    state[direction].owner = .active
                    state.inFlight += 1
                    waiter.sequence = state.sequence(direction)
                    notices.append(.resume(continuation, .ready))
                case .select(let handle, let socket):
                    guard !waiter.messageSent else { return }
                    waiter.messageSent = true
                    notices.append(.post(handle.mailbox, .select(socket, handle)))
                }
            }
            guard !state.closed else { return [] }
            if readable {
                state.readSequence &+= 1
                notify(.read)
                notify(.accept)
            }
            if writable {
                state.writeSequence &+= 1
                notify(.write)
                notify(.connect)
            }
            return notices
        }
        notices.forEach { $0.deliver() }
    }

    // MARK: Cancel and close

    /// Erlang `cancel/2`: forgets the operation of `info`, whether it waits for readiness or
    /// in the queue; its select message, if already sent, is taken back from the mailbox.
    func cancel(_ info: SelectInfo) throws(SocketError) {
        let direction = Direction(info.tag)
        let (found, notice): (Bool, Notice?) = state.withLock { state in
            if let owner = state[direction].ownerWaiter, owner.selectHandle == info.handle {
                state[direction].owner = .none
                return (true, SocketCore.promote(direction, in: &state))
            }
            if let index = state[direction].queued.firstIndex(where: { $0.selectHandle == info.handle }) {
                state[direction].queued.remove(at: index)
                return (true, nil)
            }
            return (false, nil)
        }
        guard found else { throw .invalid("\(info)") }
        info.handle.mailbox.remove(handle: info.handle)
        notice?.deliver()
    }

    /// Erlang `close/1`: every waiter is woken or aborted with `closed`, the reactor forgets
    /// the descriptor, and it is released when the last thread inside a syscall on it leaves.
    /// Returns false when the socket was already closed.
    @discardableResult
    func close() -> Bool {
        let result: (fd: CInt, token: UInt64?, notices: [Notice])? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            state.inFlight += 1  // the deregistration below still uses the descriptor
            var notices: [Notice] = []
            for direction in [Direction.read, .write, .accept, .connect] {
                var waiters = Array(state[direction].queued)
                state[direction].queued.removeAll()
                if let owner = state[direction].ownerWaiter {
                    waiters.insert(owner, at: 0)
                    if !owner.isBlocking { state[direction].owner = .none }
                }
                for waiter in waiters {
                    switch waiter.kind {
                    case .blocking(let waker):
                        waiter.wake = .closed
                        notices.append(.wakeThread(waker))
                    case .async:
                        if let continuation = waiter.continuation {
                            waiter.continuation = nil
                            notices.append(.resume(continuation, .closed))
                        } else {
                            waiter.wake = .closed
                        }
                    case .select(let handle, let socket):
                        notices.append(.post(handle.mailbox, .abort(socket, handle, .closed)))
                    }
                }
            }
            let token = state.token
            state.token = nil
            return (state.fd, token, notices)
        }
        guard let result else { return false }
        if let token = result.token { Reactor.shared.deregister(token: token, fd: result.fd) }
        result.notices.forEach { $0.deliver() }
        let release: CInt? = state.withLock { state in
            state.inFlight -= 1
            return SocketCore.releaseIfIdle(&state)
        }
        if let release { Syscall.close(release) }
        return true
    }
}

extension Direction {
    init(_ tag: SelectTag) {
        switch tag {
        case .accept: self = .accept
        case .connect: self = .connect
        case .recv, .recvfrom, .recvmsg: self = .read
        case .send, .sendto, .sendmsg, .sendfile: self = .write
        }
    }
}
