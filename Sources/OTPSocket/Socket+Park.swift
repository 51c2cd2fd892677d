import SocketConstants

extension Socket {
    enum Parking {
        case parked
        case closed
    }

    /// After `EAGAIN` in a `nowait` operation: leaves flight; the waiter owns the direction
    /// until its select message is answered (the caller calls again) or cancelled. A
    /// readiness edge that raced the attempt, which the reactor could tell nobody, sends the
    /// select message at once, as OTP would: the call always returns `select` after
    /// `EAGAIN`. `count` is what the operation did so far, counted when it parks or ends.
    func park(_ direction: Direction, _ waiter: Waiter, sequence: UInt32, counting count: Count) -> Parking {
        let (parking, notices): (Parking, Notices) = withLock { state in
            var notices = Notices()
            if state.closed {
                var failed = count
                failed.failed = true
                state.count(direction, failed)
                state[owner: direction] = .none
                if let closer = state.leaveFlight() { notices.append(closer) }
                return (.closed, notices)
            }
            state.count(direction, count)
            state[owner: direction] = .waiting(waiter)
            waiter.messageSent = state.sequence(direction) != sequence
            if waiter.messageSent { notices.append(.select(waiter)) }
            if let closer = state.leaveFlight() { notices.append(closer) }
            return (.parked, notices)
        }
        notices.deliver(from: self)
        return parking
    }

    /// A readiness edge from the reactor: resumes the parked async owner, or sends the
    /// parked select owner its message (once per wait). Blocking owners poll for themselves.
    func ready(readable: Bool, writable: Bool) {
        let notices: Notices = withLock { state in
            var notices = Notices()
            guard !state.closed else { return notices }
            if readable {
                state.readSequence &+= 1
                Socket.readied(state[owner: .read].waiter, into: &notices)
                Socket.readied(state[owner: .accept].waiter, into: &notices)
            }
            if writable {
                state.writeSequence &+= 1
                Socket.readied(state[owner: .write].waiter, into: &notices)
                Socket.readied(state[owner: .connect].waiter, into: &notices)
            }
            return notices
        }
        notices.deliver(from: self)
    }

    /// What a readiness edge does for one direction's parked owner. Call under the lock.
    private static func readied(_ owner: Waiter?, into notices: inout Notices) {
        guard let waiter = owner else { return }
        switch waiter.kind {
        case .blocking:
            break
        case .async:
            guard let continuation = waiter.continuation else { return }
            waiter.continuation = nil
            notices.append(.resume(continuation, .ready))
        case .select:
            guard !waiter.messageSent else { return }
            waiter.messageSent = true
            notices.append(.select(waiter))
        }
    }

    /// Takes `direction` from its select owner (cancelled, or its mailbox gone): a `select`
    /// message still on its way is dropped, and the next queued waiter is promoted. Call
    /// under the lock.
    private static func dismiss(_ owner: Waiter, from direction: Direction, in state: inout State) -> Notice? {
        owner.revoked.store(true, ordering: .releasing)
        state[owner: direction] = .none
        if direction == .connect { state.connecting = nil }
        return promote(direction, in: &state)
    }

    /// A select owner whose mailbox is gone, found when its `select` message could not be
    /// posted, gives up the direction, and the next queued waiter gets it: OTP cancels the
    /// select of a process that exited (here it happens at the next readiness, which is what
    /// the queued waiter needs anyway). Nothing happens if the waiter no longer owns it.
    func abandon(_ waiter: Waiter) {
        let next: Notice? = withLock { state in
            guard !state.closed else { return nil }
            for raw in Direction.read.rawValue...Direction.connect.rawValue {
                let direction = Direction(rawValue: raw).unsafelyUnwrapped
                guard state[owner: direction].waiter === waiter else { continue }
                return Socket.dismiss(waiter, from: direction, in: &state)
            }
            return nil
        }
        next?.deliver(from: self)
    }

    /// Erlang `cancel/2`: forgets the `nowait` operation of `info`, whether it waits for
    /// readiness or in the queue. Its `select` message, if already sent, is taken back from
    /// the mailbox, and one still on its way is dropped: it never arrives.
    func cancelSelect(_ info: SelectInfo) throws(SocketError) {
        let direction = Direction(info.tag)
        enum Found { case closed, none, owner(Notice?), queued }
        let found: Found = withLock { state in
            if state.closed { return .closed }
            if let owner = state[owner: direction].waiter, owner.handleID == info.handle.id {
                return .owner(Socket.dismiss(owner, from: direction, in: &state))
            }
            if let index = state[queue: direction].firstIndex(where: { $0.handleID == info.handle.id }) {
                state[queue: direction].remove(at: index).revoked.store(true, ordering: .releasing)
                return .queued
            }
            return .none
        }
        switch found {
        case .closed:
            throw .closed
        case .none:
            throw .invalid("\(info)")
        case .queued:
            info.handle.liveMailbox?.remove(handle: info.handle)
        case .owner(let next):
            info.handle.liveMailbox?.remove(handle: info.handle)
            next?.deliver(from: self)
        }
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
