import Synchronization

/// What a ``SelectHandle`` (and so a waiting `nowait` operation and each of its messages)
/// holds of its mailbox: the mailbox's serial, and the mailbox itself unretained, until the
/// mailbox's `deinit` severs it.
///
/// A `weak` reference would do the same, but it gives the mailbox a side table, which puts
/// every retain and release of the mailbox on the runtime's slow path, and copies a weak
/// reference through that table with every handle and every message: a fifth of a `nowait`
/// round trip's time with 100 sockets on one mailbox (W8, `perf`). A link costs a lock
/// round trip where a weak reference's load cost an atomic one, once per message sent or
/// taken back; a handle's copy is an ordinary retain of the link.
final class MailboxLink: Sendable {
    /// The mailbox's serial, which outlives it (``Mailbox/serial``).
    let serial: UInt64
    /// The mailbox; `nil` once its `deinit` began. Loaded only under the lock, which the
    /// `deinit` takes to sever it: the mailbox's memory is valid under the lock while set.
    private let target: Mutex<UnretainedReference<Mailbox>?>

    init(serial: UInt64) {
        self.serial = serial
        target = Mutex(nil)
    }

    /// Links `mailbox`, from its `init`.
    func attach(_ mailbox: Mailbox) {
        target.withLock { $0 = UnretainedReference(mailbox) }
    }

    /// Unlinks the mailbox, from its `deinit`.
    func sever() {
        target.withLock { $0 = nil }
    }

    /// Whether the mailbox is still there (without retaining it: a release could run its
    /// `deinit`, which drops messages and with them maybe the last reference to a socket).
    var isLinked: Bool {
        target.withLock { $0 != nil }
    }

    /// The mailbox, retained, or `nil` when it is gone (its `deinit` has begun).
    func load() -> Mailbox? {
        target.withLock { $0?.load() }
    }
}
