import SocketConstants
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// Ends one waiter with `closed`: a blocking thread is woken, a task resumed (or told at
    /// its next park), a select caller sent `abort` (its pending `select` message dropped).
    static func end(_ waiter: Waiter, into notices: inout [Notice]) {
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
        case .select:
            waiter.revoked.store(true, ordering: .releasing)
            notices.append(.abort(waiter))
        }
    }

    /// Ends every queued waiter of `direction` with `closed`. Call under the lock.
    static func endQueue(_ direction: Direction, in state: inout State) -> [Notice] {
        var notices: [Notice] = []
        // `popFirst` on an empty deque would allocate (it makes the storage unique first).
        while !state.queueIsEmpty(direction), let waiter = state[queue: direction].popFirst() {
            end(waiter, into: &notices)
        }
        return notices
    }

    /// Erlang `close/1`'s work (``close()`` and a released socket's deinit): every waiter is
    /// woken or aborted with `closed`; then the calling thread waits for the threads still
    /// inside a syscall on the descriptor to leave (they are woken, or finish a nonblocking
    /// call), takes it off the reactor and closes the socket, so that with `SO_LINGER` set it
    /// is this thread that lingers, as in OTP. The number goes with it, unless it was lent
    /// outside an operation (``lentDescriptor()``): then `close` retires it (``retire()``)
    /// and the last reference's deinit, under which nobody can be using it, closes it.
    /// Returns false when the socket was already closed.
    @discardableResult
    func tearDown(lastReference: Bool = false) -> Bool {
        let closing: (notices: [Notice], wakeKernel: Bool, released: Bool, token: UInt64?, retires: Bool)? = withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            // Read in the same critical section that closes: a first lending either came
            // before (and is seen here) or finds the socket closed.
            let retires = !lastReference && lent.load(ordering: .relaxed)
            state.connecting = nil
            var notices: [Notice] = []
            state.withRare { rare in  // no waiters without it
                // The four directions by number: a close should not pay for reading a global
                // array (a once-check, a retain and a release).
                for raw in Direction.read.rawValue...Direction.connect.rawValue {
                    let direction = Direction(rawValue: raw).unsafelyUnwrapped
                    if let owner = rare[waiter: direction] {
                        rare[waiter: direction] = nil
                        Socket.end(owner, into: &notices)
                    }
                    // Tested first: `removeFirst`/`popFirst` on an empty deque would allocate.
                    while !rare.queueIsEmpty(direction) {
                        Socket.end(rare[queue: direction].removeFirst(), into: &notices)
                    }
                }
            }
            // Nobody in flight: nobody can start now (`closed` is set), so the descriptor is
            // released at once, in this one lock.
            guard state.inFlight == 0 else {
                return (notices, state.inKernel > 0, false, nil, retires)
            }
            return (notices, false, true, state.release(), retires)
        }
        guard let closing else { return false }
        // A deinit sends no `abort`: the message would hold the socket past its end.
        for notice in closing.notices { notice.deliver(from: lastReference ? nil : self) }
        if !closing.released {
            // Threads asleep in a blocking syscall do not notice close(2): shutdown wakes them.
            if closing.wakeKernel { _ = Syscall.shutdown(descriptor, Native.SHUT_RDWR) }
            waitUntilIdle()
        }
        let token = closing.released ? closing.token : withLock { $0.release() }
        if let token { Reactor.shared.deregister(token: token, fd: descriptor) }
        if closing.retires {
            retire()
        } else {
            Syscall.close(descriptor)
        }
        return true
    }

    /// The file a closed socket's number names until the socket's deinit: an epoll instance
    /// of its own, on which every socket call fails with `ENOTSOCK`, reads and writes with
    /// `EINVAL`, and that is never ready. `-1` if it could not be made.
    private static let retiredFile: CInt = (try? Syscall.epollCreate().get()) ?? -1

    /// Closes the socket but keeps its number: dup3(2) points the number at
    /// ``retiredFile``, closing the socket's file in the same step (and lingering, with
    /// `SO_LINGER`). Options, addresses and ioctls use a lent number without a lock or a
    /// read-modify-write; one that races `close` meets the retired file and reports
    /// `closed`, and never a socket that a reused number would name. `deinit` frees the
    /// number. (Should dup3 fail, which it cannot for a valid number, shutdown ends the
    /// connection and `deinit` closes the socket.)
    private func retire() {
        if case .failure = Syscall.dup3(Socket.retiredFile, descriptor, Native.O_CLOEXEC) {
            _ = Syscall.shutdown(descriptor, Native.SHUT_RDWR)
        }
    }

    /// Waits until no thread is in flight on the descriptor. Only threads that `close` has
    /// just woken, or that are inside a nonblocking syscall, can be: the wait is short.
    private func waitUntilIdle() {
        var waker: ThreadWaker?
        while true {
            let idle: Bool = withLock { state in
                if state.inFlight == 0 { return true }
                state.closer = waker
                return false
            }
            if idle { return }
            if waker == nil, let current = try? ThreadWaker.current() {
                waker = current
                continue  // register it, then wait
            }
            if let waker {
                _ = waker.wait(socket: -1, events: 0, deadline: nil)
            } else {
                usleep(100)  // no eventfd to spare: poll the count
            }
        }
    }
}
