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
    /// A select waiter's handle, by id and mailbox. The socket and the mailbox are held
    /// weakly and loaded only when a message goes out, outside the socket's lock: a parked
    /// `nowait` operation must not keep its socket alive (Erlang: the owner's death closes
    /// the socket), nor make a cycle through a message that names the socket.
    let handleID: UInt64?
    let mailboxSerial: UInt64?
    weak var mailbox: Mailbox?
    weak var socket: Socket?
    /// A parked async waiter's continuation.
    var continuation: UnsafeContinuation<Wake, Never>?
    /// A wake-up that came while the waiter was not parked.
    var wake: Wake?
    /// A select message went out for the current wait.
    var messageSent = false
    /// Set when a select waiter is cancelled, replaced or closed: a `select` message still on
    /// its way to the mailbox is dropped (checked under the mailbox's lock).
    let revoked = Atomic<Bool>(false)

    init(kind: Kind) {
        self.kind = kind
        handleID = nil
        mailboxSerial = nil
    }

    /// A select waiter for `handle`, whose messages name `socket`.
    init(select handle: SelectHandle, socket: Socket) {
        kind = .select
        handleID = handle.id
        mailbox = handle.liveMailbox
        mailboxSerial = mailbox?.serial
        self.socket = socket
    }

    var isBlocking: Bool {
        if case .blocking = kind { return true }
        return false
    }

    /// Whether this is a select waiter whose messages go to `mailbox`.
    func delivers(to mailbox: Mailbox) -> Bool {
        mailboxSerial == mailbox.serial
    }

    /// Posts this select waiter's `select` message, unless it was revoked, or its `abort`.
    /// Call outside the socket's lock: it loads the socket and the mailbox.
    func post(abort reason: SocketError.Reason? = nil) {
        guard let handleID, let mailbox, let socket else { return }
        let handle = SelectHandle(id: handleID, mailbox: mailbox)
        if let reason {
            mailbox.post(.abort(socket, handle, reason))
        } else {
            mailbox.post(.select(socket, handle), unless: { revoked.load(ordering: .acquiring) })
        }
    }

    /// Takes back this select waiter's `select` message if it is still queued.
    func unpost() {
        guard let handleID, let mailbox else { return }
        mailbox.remove(handle: SelectHandle(id: handleID, mailbox: mailbox))
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
