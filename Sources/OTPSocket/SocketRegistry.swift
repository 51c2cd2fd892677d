import SocketConstants
import Synchronization

/// Erlang's socket registry: every open socket, which of them `which_sockets` lists, the
/// global settings of `info/0`, and the monitors.
///
/// Every socket has an entry from its creation to its close (explicit or by release); the
/// entry holds the socket unretained (``UnretainedReference``: no `weak`, which would give
/// every socket a side table and slow down its retains and releases), so that the registry
/// never keeps one alive; a socket's deinit removes its entry under the lock before its
/// memory goes, and a socket whose deinit has begun does not load. Nothing that
/// may be a socket's (or a mailbox's) last reference is released under the lock: a socket's
/// release takes the lock. The counters of
/// `info/0` are computed from the entries: they count the sockets open now, by domain, type
/// and protocol, whether listed or not.
final class SocketRegistry: Sendable {
    static let shared = SocketRegistry()

    struct Entry {
        let socket: UnretainedReference<Socket>
        let domain: Domain
        let type: SocketType
        let `protocol`: SocketProtocol
        /// Listed by `which_sockets` (Erlang `use_registry` of this socket).
        var registered: Bool
    }

    struct State {
        var entries: [UInt64: Entry] = [:]
        /// The default of new sockets (Erlang `use_registry/1`).
        var useRegistry = true
        /// Erlang `debug/1`.
        var debug = false
        /// Erlang `socket_debug/1`: the default of new sockets' `{otp, debug}`.
        var socketDebug = false
        /// Monitors by socket id, then by monitor id.
        var monitors: [UInt64: [UInt64: Mailbox]] = [:]
        /// The socket of each active monitor, by monitor id.
        var monitored: [UInt64: UInt64] = [:]
    }

    let state = Mutex(State())
    let nextMonitor = Atomic<UInt64>(1)

    /// A new socket: counted at once, listed when the global setting says so.
    func opened(_ socket: Socket) {
        let socketDebug: Bool = state.withLock { state in
            state.entries[socket.id] = Entry(socket: UnretainedReference(socket), domain: socket.domain, type: socket.type,
                                             protocol: socket.protocol, registered: state.useRegistry)
            return state.socketDebug
        }
        if socketDebug { socket.core.update { $0.otp.debug = true } }
    }

    /// The socket was released without `close()`: `stand_in` is a closed socket with the same
    /// identity, for the DOWN messages of its monitors.
    func closed(id: UInt64, standIn: () -> Socket) {
        let mailboxes = remove(id)
        guard !mailboxes.isEmpty else { return }
        let socket = standIn()
        for (ref, mailbox) in mailboxes { mailbox.post(.down(MonitorRef(id: ref), socket, .closed)) }
    }

    /// `close()` succeeded: the socket leaves the registry and its monitors fire.
    func closedExplicitly(_ socket: Socket) {
        for (ref, mailbox) in remove(socket.id) { mailbox.post(.down(MonitorRef(id: ref), socket, .closed)) }
    }

    /// Removes a socket's entry and monitors; returns the monitors to notify, oldest first.
    private func remove(_ id: UInt64) -> [(UInt64, Mailbox)] {
        state.withLock { state in
            guard state.entries.removeValue(forKey: id) != nil, !state.monitors.isEmpty else { return [] }
            guard let monitors = state.monitors.removeValue(forKey: id) else { return [] }
            for ref in monitors.keys { state.monitored.removeValue(forKey: ref) }
            return monitors.sorted { $0.key < $1.key }
        }
    }

    /// Lists or unlists one open socket (Erlang `{otp, use_registry}`); false when it is closed.
    @discardableResult
    func setRegistered(_ id: UInt64, _ registered: Bool) -> Bool {
        state.withLock { state in
            guard state.entries[id] != nil else { return false }
            state.entries[id]!.registered = registered
            return true
        }
    }

    /// An accepted socket is listed exactly when its listening socket is.
    func inheritRegistration(from parent: UInt64, to child: UInt64) {
        state.withLock { state in
            guard let registered = state.entries[parent]?.registered, state.entries[child] != nil else { return }
            state.entries[child]!.registered = registered
        }
    }

    /// Whether an open socket is listed; `nil` once it is closed.
    func isRegistered(_ id: UInt64) -> Bool? {
        state.withLock { $0.entries[id]?.registered }
    }

    /// The listed live sockets, oldest first.
    func sockets() -> [Socket] {
        state.withLock { state in
            state.entries.filter { $0.value.registered }.sorted { $0.key < $1.key }.compactMap { $0.value.socket.load() }
        }
    }

    // MARK: Monitors

    /// Starts a monitor; when the socket is already closed its DOWN message goes out at once.
    func monitor(_ socket: Socket, _ mailbox: Mailbox) -> MonitorRef {
        let ref = MonitorRef(id: nextMonitor.wrappingAdd(1, ordering: .relaxed).oldValue)
        let open: Bool = state.withLock { state in
            guard state.entries[socket.id] != nil else { return false }
            state.monitors[socket.id, default: [:]][ref.id] = mailbox
            state.monitored[ref.id] = socket.id
            return true
        }
        if !open { mailbox.post(.down(ref, socket, .closed)) }
        return ref
    }

    /// Stops a monitor; false when it is not active (cancelled, fired, or never started).
    func cancelMonitor(_ ref: MonitorRef) -> Bool {
        // The mailbox is released after the lock: its last release may release queued
        // messages, and with them the last reference to a socket, whose release takes the lock.
        let removed: Mailbox? = state.withLock { state in
            guard let id = state.monitored.removeValue(forKey: ref.id) else { return nil }
            let mailbox = state.monitors[id]?.removeValue(forKey: ref.id)
            if state.monitors[id]?.isEmpty == true { state.monitors.removeValue(forKey: id) }
            return mailbox
        }
        return removed != nil
    }

    /// The active monitors of one socket.
    func monitors(of id: UInt64) -> [MonitorRef] {
        state.withLock { state in (state.monitors[id] ?? [:]).keys.sorted().map { MonitorRef(id: $0) } }
    }
}
