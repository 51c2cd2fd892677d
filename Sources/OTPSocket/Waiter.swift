import DequeModule
import Synchronization

/// The four kinds of operation that have one current user each and a FIFO queue of waiters:
/// Erlang's "all other users are locked out" rule.
enum Direction: Int, Sendable {
    case read, write, accept, connect
}

/// Why a waiting operation was woken.
enum Wake: Sendable, Equatable {
    /// The descriptor may be ready: claim the direction again and retry.
    case ready
    /// It is this waiter's turn after the operations queued before it: claim the direction.
    case promoted
    case closed
    case cancelled
    case timeout
}

/// An operation that waits: for readiness as the current user, or in the queue behind it.
/// All fields but ``revoked`` are guarded by the owning ``Socket``'s lock.
///
/// A waiter that is woken while it is not parked (it is running its syscall, or has not yet
/// installed its continuation) finds the reason in ``wake`` the next time it would park.
final class Waiter: @unchecked Sendable {
    enum Kind {
        /// A thread in a blocking call, woken through its eventfd.
        case blocking(ThreadWaker)
        /// A task, resumed through ``Waiter/continuation``.
        case async
        /// A `nowait` caller, told by a message to its handle's mailbox.
        case select
    }

    let kind: Kind
    /// A select waiter's handle, through which it reaches its mailbox (without keeping it
    /// alive) only when a message goes out, outside the socket's lock: a mailbox that is
    /// gone (its "process" exited) drops its waiters. The socket is not held at all, but
    /// given to ``post(from:abort:)`` by the socket that sends the message: a parked `nowait`
    /// operation must not keep its socket alive (Erlang: the owner's death closes the
    /// socket), and a weak reference would move every later retain and release of the
    /// socket, in any style, to the slow path of its side table.
    let handle: SelectHandle?
    /// A parked async waiter's continuation.
    var continuation: UnsafeContinuation<Wake, Never>?
    /// A wake-up that came while the waiter was not parked.
    var wake: Wake?
    /// A select message went out for the current wait.
    var messageSent = false
    /// Its `select` message was received (or handed to a waiting task). Set under the
    /// mailbox's lock and never cleared, so that ``unpost()`` can read it without the lock
    /// and, in the usual case, without loading the mailbox at all.
    let received = Atomic<Bool>(false)
    /// Set when a select waiter is cancelled, replaced or closed: a `select` message still on
    /// its way to the mailbox is dropped (checked under the mailbox's lock).
    let revoked = Atomic<Bool>(false)

    init(kind: Kind) {
        self.kind = kind
        handle = nil
    }

    /// A select waiter for `handle`.
    init(select handle: SelectHandle) {
        kind = .select
        self.handle = handle
    }

    /// The id of a select waiter's handle.
    var handleID: UInt64? { handle?.id }

    /// Whether this is a select waiter whose mailbox is gone.
    var lostItsMailbox: Bool {
        guard let handle else { return false }
        return !handle.hasMailbox
    }

    var isBlocking: Bool {
        if case .blocking = kind { return true }
        return false
    }

    /// Whether this is a select waiter whose messages go to the mailbox of serial `mailbox`.
    func delivers(to mailbox: UInt64) -> Bool {
        handle?.mailboxSerial == mailbox
    }

    /// Posts this select waiter's `select` message about `socket`, unless it was revoked, or
    /// its `abort`. Call outside the socket's lock: it loads the mailbox. Returns false when
    /// the mailbox is gone.
    @discardableResult
    func post(from socket: Socket, abort reason: SocketError.Reason? = nil) -> Bool {
        guard let handle, let mailbox = handle.liveMailbox else { return false }
        if let reason {
            mailbox.post(.abort(socket, handle, reason))
        } else {
            mailbox.post(.select(socket, handle), from: self)
        }
        return true
    }

    /// Takes back this select waiter's `select` message if it is still queued.
    func unpost() {
        if received.load(ordering: .acquiring) { return }
        handle?.liveMailbox?.remove(sentBy: self)
    }
}

/// Who owns one direction.
enum Owner {
    case none
    /// Someone is inside the operation, in flight (the fast path needs no waiter).
    case active
    /// A waiter owns the slot: a blocking thread polling (in flight) or promoted, an async
    /// task parked or resumed but not yet running, a selected caller.
    case waiting(Waiter)

    var waiter: Waiter? {
        if case .waiting(let waiter) = self { return waiter }
        return nil
    }
}
