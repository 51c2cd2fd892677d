import SocketConstants
import Synchronization

/// Erlang's socket registry: every open socket, which of them `which_sockets` lists, the
/// global settings of `info/0`, and the monitors.
///
/// Every socket is in the registry from its creation to its close (explicit or by
/// release): a doubly linked list threaded through the sockets themselves
/// (``Socket/registryLink``, guarded by the registry's lock), oldest first, so that opening,
/// closing and listing a socket cost a few pointer writes and no hashing or allocation. The
/// links hold the sockets unretained (``UnretainedReference``: no `weak`, which would give
/// every socket a side table and slow down its retains and releases), so that the registry
/// never keeps one alive; a socket's deinit unlinks it under the lock before its memory
/// goes, and a socket whose deinit has begun does not load. Nothing that may be a socket's
/// (or a mailbox's) last reference is released under the lock: a socket's release takes the
/// lock. The counters of `info/0` are computed from the list: they count the sockets open
/// now, by domain, type and protocol, whether listed or not.
final class SocketRegistry: Sendable {
    static let shared = SocketRegistry()

    /// A socket's place in the registry, kept in the socket itself (``Socket/registryLink``);
    /// guarded by the registry's lock.
    struct Link {
        var older: UnretainedReference<Socket>?
        var newer: UnretainedReference<Socket>?
        /// In the registry (open); false before it opens and once it is closed.
        var linked = false
        /// Listed by `which_sockets` (Erlang `use_registry` of this socket).
        var listed = false
    }

    struct State {
        /// The ends of the list of open sockets.
        var oldest: UnretainedReference<Socket>?
        var newest: UnretainedReference<Socket>?
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

        /// Every open socket, oldest first, unretained: only under the lock (a socket whose
        /// deinit has begun may be among them; its memory stays until it has unlinked).
        func forEach(_ body: (Socket) -> Void) {
            var next = oldest
            while let socket = next {
                next = socket.withObject { socket in
                    body(socket)
                    return socket.registryLink.newer
                }
            }
        }
    }

    let state = Mutex(State())
    let nextMonitor = Atomic<UInt64>(1)

    /// A new socket: counted at once, listed when the global setting says so, or, for an
    /// accepted socket, exactly when its (open) listening socket is.
    func opened(_ socket: Socket, acceptedBy listener: Socket?) {
        let socketDebug: Bool = state.withLock { state in
            let listed = listener.flatMap { $0.registryLink.linked ? $0.registryLink.listed : nil } ?? state.useRegistry
            let reference = UnretainedReference(socket)
            socket.registryLink = Link(older: state.newest, newer: nil, linked: true, listed: listed)
            if let newest = state.newest {
                newest.withObject { $0.registryLink.newer = reference }
            } else {
                state.oldest = reference
            }
            state.newest = reference
            return state.socketDebug
        }
        if socketDebug { socket.withLock { $0.otp.debug = true } }
    }

    /// The socket was released without `close()` (called from its deinit): `stand_in` is a
    /// closed socket with the same identity, for the DOWN messages of its monitors.
    func closed(_ socket: Socket, standIn: () -> Socket) {
        let mailboxes = remove(socket)
        guard !mailboxes.isEmpty else { return }
        let standIn = standIn()
        for (ref, mailbox) in mailboxes { mailbox.post(.down(MonitorRef(id: ref), standIn, .closed)) }
    }

    /// `close()` succeeded: the socket leaves the registry and its monitors fire.
    func closedExplicitly(_ socket: Socket) {
        for (ref, mailbox) in remove(socket) { mailbox.post(.down(MonitorRef(id: ref), socket, .closed)) }
    }

    /// Unlinks a socket and removes its monitors; returns the monitors to notify, oldest first.
    private func remove(_ socket: Socket) -> [(UInt64, Mailbox)] {
        state.withLock { state in
            let link = socket.registryLink
            guard link.linked else { return [] }
            if let older = link.older { older.withObject { $0.registryLink.newer = link.newer } } else { state.oldest = link.newer }
            if let newer = link.newer { newer.withObject { $0.registryLink.older = link.older } } else { state.newest = link.older }
            socket.registryLink = Link()
            guard !state.monitors.isEmpty, let monitors = state.monitors.removeValue(forKey: socket.id) else { return [] }
            for ref in monitors.keys { state.monitored.removeValue(forKey: ref) }
            return monitors.sorted { $0.key < $1.key }
        }
    }

    /// Lists or unlists one open socket (Erlang `{otp, use_registry}`); false when it is closed.
    @discardableResult
    func setRegistered(_ socket: Socket, _ registered: Bool) -> Bool {
        state.withLock { _ in
            guard socket.registryLink.linked else { return false }
            socket.registryLink.listed = registered
            return true
        }
    }

    /// Whether an open socket is listed; `nil` once it is closed.
    func isRegistered(_ socket: Socket) -> Bool? {
        state.withLock { _ in socket.registryLink.linked ? socket.registryLink.listed : nil }
    }

    /// The listed live sockets, oldest first.
    func sockets() -> [Socket] {
        state.withLock { state in
            var sockets: [UnretainedReference<Socket>] = []
            state.forEach { if $0.registryLink.listed { sockets.append(UnretainedReference($0)) } }
            return sockets.compactMap { $0.load() }
        }.sorted { $0.id < $1.id }
    }

    // MARK: Monitors

    /// Starts a monitor; when the socket is already closed its DOWN message goes out at once.
    func monitor(_ socket: Socket, _ mailbox: Mailbox) -> MonitorRef {
        let ref = MonitorRef(id: nextMonitor.wrappingAdd(1, ordering: .relaxed).oldValue)
        let open: Bool = state.withLock { state in
            guard socket.registryLink.linked else { return false }
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

extension Socket {
    /// The socket's place in the registry's list, kept in four of its fields (the links
    /// first, the flags at the end, where the socket's layout has room); guarded by the
    /// registry's lock.
    var registryLink: SocketRegistry.Link {
        get { SocketRegistry.Link(older: registryOlder, newer: registryNewer, linked: registryLinked, listed: registryListed) }
        set {
            registryOlder = newValue.older
            registryNewer = newValue.newer
            registryLinked = newValue.linked
            registryListed = newValue.listed
        }
    }
}
