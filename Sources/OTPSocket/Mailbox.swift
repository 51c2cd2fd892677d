import DequeModule
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where `select`, `abort` and `DOWN` messages are delivered: the Swift stand-in for an
/// Erlang process's message queue, so that one thread or task can wait on many sockets.
///
/// Receive blocking (``receive(timeout:where:)``) or with `await` (``next(where:)``, or
/// `for await message in mailbox`); both can match selectively, as Erlang's `receive` does.
public final class Mailbox: @unchecked Sendable, Hashable, AsyncSequence {
    public typealias Element = SocketMessage

    typealias Predicate = @Sendable (SocketMessage) -> Bool

    private struct AsyncWaiter {
        var id: UInt64
        var predicate: Predicate
        var continuation: UnsafeContinuation<SocketMessage?, Never>
    }

    /// A queued message, with what taking it back looks for without copying the message
    /// (a copy of a `select` message retains its socket and its handle's link).
    private struct Queued {
        let message: SocketMessage
        /// The select waiter whose `select` message this is: told when it is received.
        let sender: Waiter?
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Touched only under `mutex`, which is what keeps accesses apart: unchecked, as the
    // runtime's exclusivity check cost every post and receive two calls into it (W1 nowait:
    // ~360 instructions per round trip).
    @exclusivity(unchecked) private var queue = Deque<Queued>()
    @exclusivity(unchecked) private var waiters: [AsyncWaiter] = []
    @exclusivity(unchecked) private var nextWaiter: UInt64 = 0
    /// What select handles hold of the mailbox (they do not keep it alive).
    let link: MailboxLink
    /// Unique for the life of the process: identifies the mailbox where its address cannot
    /// (a new mailbox may reuse a dead one's address, and handles outlive their mailbox).
    var serial: UInt64 { link.serial }

    private static let serials = Atomic<UInt64>(1)

    public init() {
        link = MailboxLink(serial: Mailbox.serials.wrappingAdd(1, ordering: .relaxed).oldValue)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        link.attach(self)
    }

    deinit {
        link.sever()
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public static func == (a: Mailbox, b: Mailbox) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    private func locked<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Delivers a message: to the first task waiting for one like it, else to the queue.
    func post(_ message: consuming SocketMessage) {
        post(message, from: nil)
    }

    /// Delivers `sender`'s `select` message unless the waiter is revoked, which is read
    /// under the mailbox's lock: a `cancel` that marks the operation revoked and then takes
    /// its message back with ``remove(handle:)`` wins against a delivery on its way,
    /// whichever locks first.
    ///
    /// The message is consumed: queued, it is moved in, not copied (a copy of a `select`
    /// message retains its socket and its handle). One that is dropped (revoked) goes after
    /// the unlock.
    func post(_ message: consuming SocketMessage, from sender: Waiter?) {
        pthread_mutex_lock(mutex)
        if let sender, sender.revoked.load(ordering: .acquiring) {
            pthread_mutex_unlock(mutex)
            return
        }
        if let index = waiters.firstIndex(where: { $0.predicate(message) }) {
            sender?.received.store(true, ordering: .releasing)
            let waiter = waiters.remove(at: index)
            pthread_mutex_unlock(mutex)
            waiter.continuation.resume(returning: message)
            return
        }
        queue.append(Queued(message: message, sender: sender))
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// How many messages wait to be received.
    public var count: Int { locked { queue.count } }

    /// Removes the queued `select` message for `handle`; used by `cancel`, after which the
    /// operation's `select` message never arrives.
    func remove(handle: SelectHandle) {
        remove { queue.firstIndex { $0.sender?.handleID == handle.id } }
    }

    /// Removes `sender`'s `select` message if it is still queued: when the caller calls
    /// again, which takes over from the waiter. The usual caller received it first, and
    /// then nothing is looked for (``Waiter/unpost()`` does not even come here).
    func remove(sentBy sender: Waiter) {
        remove { sender.received.load(ordering: .relaxed) ? nil : queue.firstIndex { $0.sender === sender } }
    }

    /// Removes the queued message at the index `find` gives under the lock, if any.
    private func remove(at find: () -> Int?) {
        // The message leaves the lock before it is dropped: it may hold the last reference
        // to its socket, whose `deinit` closes it.
        let removed: Queued? = locked { find().map { queue.remove(at: $0) } }
        _ = removed
    }

    /// Takes the first queued message that matches `predicate`. Call under the lock.
    private func take(where predicate: (SocketMessage) -> Bool) -> SocketMessage? {
        guard let index = queue.firstIndex(where: { predicate($0.message) }) else { return nil }
        queue[index].sender?.received.store(true, ordering: .releasing)
        // The usual message is the first: `removeFirst` moves the ring's start, where
        // `remove(at:)` works out which side of the gap to close.
        return (index == queue.startIndex ? queue.removeFirst() : queue.remove(at: index)).message
    }

    /// Waits for the first message that matches, at most `timeout` (`nil`: forever).
    /// Returns `nil` when the time ran out.
    public func receive(timeout: Duration? = nil, where predicate: (SocketMessage) -> Bool = { _ in true }) -> SocketMessage? {
        let deadline = timeout.map { Deadline.after($0) }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let message = take(where: predicate) { return message }
            if let deadline {
                guard let remaining = deadline.remaining, remaining > .zero else { return nil }
                var spec = deadline.timespec
                _ = withUnsafePointer(to: &spec) { pthread_cond_timedwait(condition, mutex, $0) }
                _ = remaining
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
    }

    /// Waits, without blocking a thread, for the first message that matches. Returns `nil`
    /// when the task is cancelled.
    public func next(where predicate: @escaping @Sendable (SocketMessage) -> Bool = { _ in true }) async -> SocketMessage? {
        let id: UInt64 = locked { nextWaiter += 1; return nextWaiter }
        return await suspendTask { (continuation: UnsafeContinuation<SocketMessage?, Never>) in
            let immediate: SocketMessage?? = locked {
                if Task.isCancelled { return .some(nil) }
                if let message = take(where: predicate) { return .some(message) }
                waiters.append(AsyncWaiter(id: id, predicate: predicate, continuation: continuation))
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        } onCancel: {
            let waiter: AsyncWaiter? = locked {
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: nil)
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let mailbox: Mailbox
        public mutating func next() async -> SocketMessage? { await mailbox.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(mailbox: self) }
}
