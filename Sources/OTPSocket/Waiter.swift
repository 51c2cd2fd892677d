import DequeModule

/// The four kinds of operation that have one current user each and a FIFO queue of waiters:
/// Erlang's "all other users are locked out" rule.
enum Direction: Int, Sendable {
    case read, write, accept, connect
}

/// Why a waiting operation was woken.
enum Wake: Sendable {
    /// The descriptor may be ready: try again (the waker took `inFlight` for it).
    case ready
    /// It is this waiter's turn after the operations queued before it.
    case promoted
    case closed
    case cancelled
    case timeout
}

/// An operation that waits: for readiness as the current user, or in the queue behind it.
/// All fields are guarded by the owning ``SocketCore``'s lock.
final class Waiter: @unchecked Sendable {
    enum Kind {
        case blocking(ThreadWaker)
        case async
        case select(SelectHandle, Socket)
    }

    var kind: Kind
    let tag: SelectTag
    var continuation: CheckedContinuation<Wake, Never>?
    /// Set before a blocking waiter's thread is woken, or an async one's wake is pending.
    var wake: Wake?
    /// A select message went out for the current wait.
    var messageSent = false
    /// The readiness count seen when this waiter was last woken for readiness.
    var sequence: UInt64 = 0

    init(kind: Kind, tag: SelectTag) {
        self.kind = kind
        self.tag = tag
    }

    var isBlocking: Bool {
        if case .blocking = kind { return true }
        return false
    }

    var selectHandle: SelectHandle? {
        if case .select(let handle, _) = kind { return handle }
        return nil
    }
}

/// One direction's current user and queue.
struct OperationQueue {
    enum Owner {
        case none
        /// Someone is in the operation without a waiter (the fast path).
        case active
        /// A waiter owns the slot: a blocking thread, an async task or a selected caller.
        case waiting(Waiter)
    }

    var owner: Owner = .none
    var queued = Deque<Waiter>()

    init() {}

    var isIdle: Bool {
        if case .none = owner, queued.isEmpty { return true }
        return false
    }

    var ownerWaiter: Waiter? {
        if case .waiting(let waiter) = owner { return waiter }
        return nil
    }

    /// Current user plus queued ones, as `num_readers` and friends count them.
    var users: Int {
        let current: Int
        switch owner {
        case .none: current = 0
        default: current = 1
        }
        return current + queued.count
    }
}
