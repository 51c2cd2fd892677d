import SystemPackage

/// One try of an operation's syscall.
enum Step<T> {
    case done(T)
    case wouldBlock
    case failed(SocketError)
}

/// How a `nowait` operation ended.
enum SelectOutcome<T> {
    case done(T)
    case selected(SelectInfo)
    case failed(SocketError)
}

extension Socket {
    /// Runs `attempt` as the current user of `direction`, waiting in this thread for
    /// readiness: the blocking style (timeout `infinity`, a duration, or `0` to poll once).
    ///
    /// A call that can finish at once costs the syscall and two uncontended lock round trips.
    func perform<T>(_ direction: Direction, _ tag: SelectTag, deadline: Deadline?, queues: Bool = true,
                    _ count: inout SocketCore.Count, _ attempt: (CInt, inout SocketCore.Count) -> Step<T>) -> Result<T, SocketError> {
        // The thread's waker is needed only when the call has to wait.
        var waiter: Waiter?
        var wakerFailure: SocketError?
        func makeWaiter() -> Waiter? {
            do throws(SocketError) {
                let made = Waiter(kind: .blocking(try ThreadWaker.current()), tag: tag)
                waiter = made
                return made
            } catch {
                wakerFailure = error
                return nil
            }
        }
        var fd: CInt
        switch core.enter(direction, blocking: deadline == nil, orQueue: { queues ? makeWaiter() : nil }) {
        case .closed:
            return .failure(.closed)
        case .busy where wakerFailure != nil:
            return .failure(wakerFailure!)
        case .busy:
            return .failure(.errno(.alreadyInProcess))
        case .proceed(let descriptor, _, let mayBlock):
            fd = descriptor
            count.mayBlock = mayBlock
        case .queued(let queued):
            switch core.waitForTurn(direction, queued, deadline: deadline) {
            case .promoted, .ready:
                let infinite = deadline == nil
                (fd, count.mayBlock) = core.update { state in
                    let mayBlock = infinite && !state.nonblocking
                    if mayBlock { state.inKernel += 1 }
                    return (state.fd, mayBlock)
                }
            case .timeout:
                return .failure(.timeout)
            case .cancelled:
                return .failure(SocketError(.cancelled))
            case .closed:
                return .failure(.closed)
            }
        }
        while true {
            count.tries += 1
            switch attempt(fd, &count) {
            case .done(let value):
                core.leave(direction, counting: count)
                return .success(value)
            case .failed(let error):
                count.failed = true
                core.leave(direction, counting: count)
                // A syscall woken by close's shutdown reports whatever shutdown made of it.
                return .failure(count.mayBlock && core.isClosed ? .closed : error)
            case .wouldBlock:
                if let deadline, deadline.remaining == nil {
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failure(.timeout)
                }
                guard let current = waiter ?? makeWaiter() else {
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failure(wakerFailure ?? .closed)
                }
                count.waits += 1
                switch core.waitBlocking(direction, current, fd: fd, deadline: deadline) {
                case .ready, .promoted:
                    continue
                case .timeout:
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failure(.timeout)
                case .closed:
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failure(.closed)
                case .cancelled:
                    core.leave(direction, counting: count)
                    return .failure(SocketError(.cancelled))
                }
            }
        }
    }

    /// Runs `attempt` in the `nowait` style: when it would block, the operation parks as the
    /// current user (or queues) and a select message will tell the caller to call again.
    func performSelect<T>(_ direction: Direction, _ tag: SelectTag, mode: SelectMode, queues: Bool = true,
                          _ count: inout SocketCore.Count, _ attempt: (CInt, inout SocketCore.Count) -> Step<T>) -> SelectOutcome<T> {
        var made: Waiter?
        func waiter() -> Waiter {
            if let made { return made }
            let new = Waiter(kind: .select(mode.handle, self), tag: tag)
            made = new
            return new
        }
        var fd: CInt, sequence: UInt64
        switch core.enter(direction, orQueue: { queues ? waiter() : nil }, mailbox: mode.mailbox) {
        case .closed:
            return .failed(.closed)
        case .busy:
            return .failed(.errno(.alreadyInProcess))
        case .queued(let queued):
            return .selected(SelectInfo(tag: tag, handle: queued.selectHandle!))
        case .proceed(let descriptor, let seen, _):
            fd = descriptor
            sequence = seen
        }
        while true {
            count.tries += 1
            switch attempt(fd, &count) {
            case .done(let value):
                core.leave(direction, counting: count)
                return .done(value)
            case .failed(let error):
                count.failed = true
                core.leave(direction, counting: count)
                return .failed(error)
            case .wouldBlock:
                do {
                    try core.registerIfNeeded(fd: fd)
                } catch {
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failed(error)
                }
                let parked = waiter()
                switch core.park(direction, parked, sequence: sequence) {
                case .parked:
                    count.waits += 1
                    core.update { $0.count(direction, count) }
                    return .selected(SelectInfo(tag: tag, handle: parked.selectHandle!))
                case .retry(let seen):
                    sequence = seen
                case .closed:
                    count.failed = true
                    core.update { $0.count(direction, count) }
                    return .failed(.closed)
                }
            }
        }
    }

    /// Runs `attempt` in the async style: waiting suspends the task, not a thread; task
    /// cancellation cancels the operation and leaves the socket usable.
    func performAsync<T>(_ direction: Direction, _ tag: SelectTag, deadline: Deadline?, queues: Bool = true,
                         _ count: inout SocketCore.Count, _ attempt: (CInt, inout SocketCore.Count) -> Step<T>) async -> Result<T, SocketError> {
        var made: Waiter?
        func waiter() -> Waiter {
            if let made { return made }
            let new = Waiter(kind: .async, tag: tag)
            made = new
            return new
        }
        let core = self.core
        var fd: CInt, sequence: UInt64
        switch core.enter(direction, orQueue: { queues ? waiter() : nil }) {
        case .closed:
            return .failure(.closed)
        case .busy:
            return .failure(.errno(.alreadyInProcess))
        case .proceed(let descriptor, let seen, _):
            fd = descriptor
            sequence = seen
        case .queued(let queued):
            let wake = await withTimeout(deadline, direction, queued) {
                await withTaskCancellationHandler {
                    await core.waitForTurn(queued)
                } onCancel: {
                    core.expire(direction, queued, .cancelled)
                }
            }
            switch wake {
            case .promoted, .ready:
                fd = core.update { $0.fd }
                sequence = queued.sequence
            case .closed: return .failure(.closed)
            case .timeout: return .failure(.timeout)
            case .cancelled: return .failure(SocketError(.cancelled))
            }
        }
        while true {
            count.tries += 1
            switch attempt(fd, &count) {
            case .done(let value):
                core.leave(direction, counting: count)
                return .success(value)
            case .failed(let error):
                count.failed = true
                core.leave(direction, counting: count)
                return .failure(error)
            case .wouldBlock:
                if let deadline, deadline.remaining == nil {
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failure(.timeout)
                }
                do {
                    try core.registerIfNeeded(fd: fd)
                } catch {
                    count.failed = true
                    core.leave(direction, counting: count)
                    return .failure(error)
                }
                let current = waiter()
                count.waits += 1
                let wake = await withTimeout(deadline, direction, current) {
                    await withTaskCancellationHandler {
                        await core.suspend(direction, current, sequence: sequence)
                    } onCancel: {
                        core.expire(direction, current, .cancelled)
                    }
                }
                switch wake {
                case .ready, .promoted:
                    sequence = current.sequence
                case .closed, .timeout, .cancelled:
                    count.failed = wake != .cancelled
                    let counted = count
                    core.update { $0.count(direction, counted) }
                    switch wake {
                    case .closed: return .failure(.closed)
                    case .timeout: return .failure(.timeout)
                    default: return .failure(SocketError(.cancelled))
                    }
                }
            }
        }
    }

    /// Races `body` against the deadline: when it passes first, the waiter is expired.
    private func withTimeout(_ deadline: Deadline?, _ direction: Direction, _ waiter: Waiter,
                             _ body: () async -> Wake) async -> Wake {
        guard let deadline else { return await body() }
        let core = self.core
        let timer = Task {
            if let remaining = deadline.remaining {
                try? await Task.sleep(for: remaining)
            }
            if !Task.isCancelled { core.expire(direction, waiter, .timeout) }
        }
        defer { timer.cancel() }
        return await body()
    }
}
