import Synchronization

/// Erlang `select_handle()`: identifies one asynchronous operation, and the mailbox its
/// `select` and `abort` messages go to.
///
/// The handle does not keep its mailbox alive (it holds a ``MailboxLink``): the messages in
/// a mailbox carry their handles, and a strong reference would keep every mailbox with an
/// unread message (and the sockets its messages name) alive forever. Once the mailbox is
/// gone, messages about the handle are dropped, as Erlang drops messages to a process that
/// has exited.
public struct SelectHandle: Hashable, Sendable, CustomStringConvertible {
    public let id: UInt64
    private let link: MailboxLink

    /// Where messages about this operation are delivered; a new, empty mailbox that nobody
    /// reads once the handle's mailbox is gone.
    public var mailbox: Mailbox { link.load() ?? Mailbox() }

    /// The mailbox, if it still exists.
    var liveMailbox: Mailbox? { link.load() }

    /// The serial of its mailbox, which outlives the mailbox.
    var mailboxSerial: UInt64 { link.serial }

    /// Whether its mailbox is still there.
    var hasMailbox: Bool { link.isLinked }

    static let counter = Atomic<UInt64>(1)

    /// A new, unique handle whose messages go to `mailbox` (Erlang: `make_ref()`).
    public init(mailbox: Mailbox) {
        id = SelectHandle.counter.wrappingAdd(1, ordering: .relaxed).oldValue
        link = mailbox.link
    }

    public static func == (a: SelectHandle, b: SelectHandle) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    public var description: String { "#Ref<\(id)>" }
}

/// Which operation a ``SelectInfo`` is about: Erlang `select_tag()`.
public enum SelectTag: String, Sendable, Hashable {
    case accept, connect, recv, recvfrom, recvmsg, send, sendto, sendmsg, sendfile
}

/// Erlang `select_info()`: returned by a `nowait` operation that has to wait. The caller
/// later receives `.select(socket, handle)` in `handle.mailbox`, then calls the operation
/// again; or it calls ``Socket/cancel(_:)``.
public struct SelectInfo: Hashable, Sendable, CustomStringConvertible {
    public let tag: SelectTag
    public let handle: SelectHandle

    /// A select info as Erlang's `{select_info, Tag, Handle}` tuple: for ``Socket/cancel(_:)``
    /// with a handle the caller chose.
    public init(tag: SelectTag, handle: SelectHandle) {
        self.tag = tag
        self.handle = handle
    }

    public var description: String { "{select_info, \(tag.rawValue), \(handle)}" }
}

/// How a `nowait` operation reports that it must wait: Erlang's `nowait` (a new handle) or
/// a caller-chosen `select_handle()`.
public enum SelectMode: Sendable {
    /// Erlang `nowait`: a new handle is made, with messages to this mailbox.
    case nowait(Mailbox)
    /// Erlang `SelectHandle`: messages carry the caller's own handle.
    case handle(SelectHandle)

    var handle: SelectHandle {
        switch self {
        case .nowait(let mailbox): return SelectHandle(mailbox: mailbox)
        case .handle(let handle): return handle
        }
    }

    /// The serial of the mailbox its messages go to, gone or not
    /// (``Socket/enter(_:blocking:takingSpare:orQueue:mailbox:)``).
    var mailboxSerial: UInt64 {
        switch self {
        case .nowait(let mailbox): return mailbox.serial
        case .handle(let handle): return handle.mailboxSerial
        }
    }
}

/// The result of a `nowait` operation: Erlang `{ok, X}`, `{select, SelectInfo}` or
/// `{select, {SelectInfo, Data}}`.
public enum Completion<Value: Sendable>: Sendable {
    /// The operation finished at once.
    case completed(Value)
    /// It must wait: a `select` message will follow.
    case selected(SelectInfo)
    /// Part of it was done (data received so far, or the rest not yet sent) and it must
    /// wait for the remainder.
    case partial(SelectInfo, Value)

    /// The select info, when the operation has to wait.
    public var selectInfo: SelectInfo? {
        switch self {
        case .completed: return nil
        case .selected(let info), .partial(let info, _): return info
        }
    }
}
