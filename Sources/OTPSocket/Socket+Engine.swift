import SystemPackage

/// One try of an operation's syscall.
enum Step<T> {
    case done(T)
    case wouldBlock
    case failed(SocketError)

    /// A syscall's failure: `EAGAIN` means wait, anything else ends the operation.
    init(failure errno: Errno) {
        self = errno == .resourceTemporarilyUnavailable ? .wouldBlock : .failed(.errno(errno))
    }

    func map<U>(_ transform: (T) -> U) -> Step<U> {
        switch self {
        case .done(let value): return .done(transform(value))
        case .wouldBlock: return .wouldBlock
        case .failed(let error): return .failed(error)
        }
    }
}

/// How a `nowait` operation ended.
enum SelectOutcome<T> {
    case done(T)
    case selected(SelectInfo)
    case failed(SocketError)
}

extension Wake {
    /// The error an operation ends with when its wait ended this way.
    var error: SocketError {
        switch self {
        case .timeout: return .timeout
        case .cancelled: return SocketError(.cancelled)
        case .closed, .ready, .promoted: return .closed
        }
    }
}

extension Socket {
    /// Whether a failure ends the stream for every queued reader too: the peer closed it.
    func endsQueue(_ direction: Direction, _ error: SocketError) -> Bool {
        direction == .read && error.reason == .closed && isStream
    }

    /// Runs `attempt` as the current user of `direction`, waiting in this thread for
    /// readiness: the blocking style (timeout `infinity`, a duration, or `0` to poll once).
    ///
    /// A call that can finish at once costs the syscall and two uncontended lock round trips:
    /// no reactor, no eventfd (a thread's waker is made the first time it has to wait).
    ///
    /// The three engines inline into each operation, so that `attempt` inlines with them:
    /// called through a closure context, every call retained and released the operation's
    /// data and the socket (callgrind, W5 blocking: 3,839 -> 3,279 instructions per round trip).
    @inline(__always)
    func perform<T>(_ direction: Direction, deadline: Deadline?, queues: Bool = true,
                    _ count: inout Socket.Count, _ attempt: (CInt, inout Socket.Count) -> Step<T>) -> Result<T, SocketError> {
        // This thread's waker is looked up only when the call has to queue.
        var waker: ThreadWaker?
        var waiter: Waiter?
        var fd: CInt
        entering: while true {
            switch enter(direction, blocking: deadline == nil, orQueue: {
                guard queues else { return nil }
                if waker == nil { waker = ThreadWaker.existing }
                guard let waker else { return nil }
                let queued = Waiter(kind: .blocking(waker))
                waiter = queued
                return queued
            }) {
            case .closed:
                return .failure(.closed)
            case .busy:
                if queues, waker == nil {
                    // This thread never waited before: make its eventfd outside the lock.
                    do { waker = try ThreadWaker.current() } catch { return .failure(error) }
                    continue entering
                }
                return .failure(.errno(.alreadyInProcess))
            case .proceed(let descriptor, _, let mayBlock, _):
                fd = descriptor
                count.mayBlock = mayBlock
            case .queued(let queued):
                switch waitForTurn(direction, queued, deadline: deadline) {
                case .proceed(let descriptor, _):
                    fd = descriptor
                    count.mayBlock = claimKernel(blocking: deadline == nil)
                case .ended(let wake):
                    return .failure(wake.error)
                }
            }
            break
        }
        while true {
            count.tries += 1
            switch attempt(fd, &count) {
            case .done(let value):
                leave(direction, counting: count)
                return .success(value)
            case .failed(let error):
                count.failed = true
                leave(direction, counting: count, peerClosed: endsQueue(direction, error))
                // A syscall woken by close's shutdown reports whatever shutdown made of it.
                return .failure(count.mayBlock && isClosed ? .closed : error)
            case .wouldBlock:
                if let deadline, deadline.remaining == nil {
                    count.failed = true
                    leave(direction, counting: count)
                    return .failure(.timeout)
                }
                let current: Waiter
                if let waiter {
                    current = waiter
                } else {
                    do {
                        current = Waiter(kind: .blocking(try ThreadWaker.current()))
                    } catch {
                        count.failed = true
                        leave(direction, counting: count)
                        return .failure(error)
                    }
                    waiter = current
                }
                count.waits += 1
                let wake = waitBlocking(direction, current, fd: fd, deadline: deadline)
                if wake == .ready || wake == .promoted { continue }
                count.failed = true
                leave(direction, counting: count)
                return .failure(wake.error)
            }
        }
    }

    /// Runs `attempt` in the `nowait` style: when it would block, the operation parks as the
    /// current user (or queues) and a select message will tell the caller to call again.
    @inline(__always)
    func performSelect<T>(_ direction: Direction, _ tag: SelectTag, mode: SelectMode, queues: Bool = true,
                          _ count: inout Socket.Count, _ attempt: (CInt, inout Socket.Count) -> Step<T>) -> SelectOutcome<T> {
        let fd: CInt, sequence: UInt32
        // The handle (for `nowait` a new one: a counter and a retain of the mailbox's link)
        // and its waiter are made only when the operation must wait.
        switch enter(direction, orQueue: { queues ? Waiter(select: mode.handle) : nil }, mailbox: mode.mailboxSerial) {
        case .closed:
            return .failed(.closed)
        case .busy:
            return .failed(.errno(.alreadyInProcess))
        case .queued(let waiter):
            return .selected(SelectInfo(tag: tag, handle: waiter.handle.unsafelyUnwrapped))  // made just above
        case .proceed(let descriptor, let seen, _, _):
            fd = descriptor
            sequence = seen
        }
        count.tries += 1
        switch attempt(fd, &count) {
        case .done(let value):
            leave(direction, counting: count)
            return .done(value)
        case .failed(let error):
            count.failed = true
            leave(direction, counting: count, peerClosed: endsQueue(direction, error))
            return .failed(error)
        case .wouldBlock:
            do {
                try registerIfNeeded(fd: fd, for: direction)
            } catch {
                count.failed = true
                leave(direction, counting: count)
                return .failed(error)
            }
            count.waits += 1
            let handle = mode.handle
            switch park(direction, Waiter(select: handle), sequence: sequence, counting: count) {
            case .parked:
                return .selected(SelectInfo(tag: tag, handle: handle))
            case .closed:
                return .failed(.closed)
            }
        }
    }

    /// Runs `attempt` in the async style: waiting suspends the task, not a thread; task
    /// cancellation cancels the operation and leaves the socket usable.
    @inline(__always)
    func performAsync<T>(_ direction: Direction, deadline: Deadline?, queues: Bool = true,
                         _ count: inout Socket.Count, _ attempt: (CInt, inout Socket.Count) -> Step<T>) async -> Result<T, SocketError> {
        // No local function capturing the waiter: a captured variable of an async function
        // costs a task allocation and an exclusivity check on each access.
        var waiter: Waiter?
        // A wait without a deadline uses the direction's spare waiter and leaves its own as
        // the next spare: once it has claimed the direction back, nothing else holds the
        // waiter (the slot let go of it, the cancellation handler cannot run any more). A
        // time-out's timer task may hold it longer, so a wait with a deadline uses its own.
        let recycles = deadline == nil
        var fd: CInt, sequence: UInt32
        switch enter(direction, takingSpare: recycles, orQueue: { queues ? Waiter(kind: .async) : nil }) {
        case .closed:
            return .failure(.closed)
        case .busy:
            return .failure(.errno(.alreadyInProcess))
        case .proceed(let descriptor, let seen, _, let spare):
            fd = descriptor
            sequence = seen
            if let spare { waiter = spare.takeRetainedValue() }
        case .queued(let queued):
            waiter = queued
            let wake = await withTimeout(deadline, direction, queued) {
                await suspendTask { waitForTurn(queued, $0) } onCancel: {
                    expire(direction, queued, .cancelled)
                }
            }
            guard wake == .promoted else { return .failure(wake.error) }
            switch claim(direction, queued) {
            case .proceed(let descriptor, let seen):
                fd = descriptor
                sequence = seen
            case .ended(let wake):
                return .failure(wake.error)
            }
        }
        while true {
            count.tries += 1
            switch attempt(fd, &count) {
            case .done(let value):
                leave(direction, counting: count, keeping: recycles ? waiter.take() : nil)
                return .success(value)
            case .failed(let error):
                count.failed = true
                leave(direction, counting: count, peerClosed: endsQueue(direction, error), keeping: recycles ? waiter.take() : nil)
                // A syscall woken by close's shutdown reports whatever shutdown made of it.
                return .failure(count.mayBlock && isClosed ? .closed : error)
            case .wouldBlock:
                if let deadline, deadline.remaining == nil {
                    count.failed = true
                    leave(direction, counting: count)
                    return .failure(.timeout)
                }
                do {
                    try registerIfNeeded(fd: fd, for: direction)
                } catch {
                    count.failed = true
                    leave(direction, counting: count, keeping: recycles ? waiter.take() : nil)
                    return .failure(error)
                }
                let current: Waiter
                if let waiter {
                    current = waiter
                } else {
                    current = Waiter(kind: .async)
                    waiter = current
                }
                count.waits += 1
                let wake: Wake
                if deadline == nil {
                    // Written out, without `withTimeout`: one async frame (and hop) less.
                    wake = await suspendTask { [sequence] in suspend(direction, current, sequence: sequence, $0) } onCancel: {
                        expire(direction, current, .cancelled)
                    }
                } else {
                    wake = await withTimeout(deadline, direction, current) {
                        await suspendTask { [sequence] in suspend(direction, current, sequence: sequence, $0) } onCancel: {
                            expire(direction, current, .cancelled)
                        }
                    }
                }
                var ended = wake
                if wake == .ready || wake == .promoted {
                    switch claim(direction, current) {
                    case .proceed(let descriptor, let seen):
                        fd = descriptor
                        sequence = seen
                        continue
                    case .ended(let reason):
                        ended = reason
                    }
                }
                // Out of flight and out of the slot already: count, and end.
                count.failed = ended != .cancelled
                let counted = count
                withLock { $0.count(direction, counted) }
                return .failure(ended.error)
            }
        }
    }

    /// Races `body` against the deadline: when it passes first, the waiter is expired. An
    /// expiry that comes before `body` parks is kept by the waiter, so it cannot be lost.
    ///
    /// Never inlined: the timer task's `TaskPriority?` has no size known at compile time, and
    /// inlined, each use would cost every async call, time-out or not, a task allocation.
    @inline(never)
    private func withTimeout(_ deadline: Deadline?, _ direction: Direction, _ waiter: Waiter,
                             _ body: () async -> Wake) async -> Wake {
        guard let deadline else { return await body() }
        let timer = Task {
            if let remaining = deadline.remaining {
                try? await Task.sleep(for: remaining)
            }
            if !Task.isCancelled { expire(direction, waiter, .timeout) }
        }
        defer { timer.cancel() }
        return await body()
    }
}
