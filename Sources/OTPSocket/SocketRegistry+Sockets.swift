import SocketConstants

/// Which sockets Erlang's `which_sockets/1` and `i/1,2` select.
public enum SocketFilter: Sendable {
    /// Erlang `inet | inet6 | local`, or any domain.
    case domain(Domain)
    /// Erlang `stream | dgram | seqpacket`, or any type.
    case type(SocketType)
    /// Erlang `tcp | udp | sctp`, or any protocol.
    case `protocol`(SocketProtocol)
    /// Erlang `fun((socket_info()) -> boolean())`.
    case matching(@Sendable (SocketInfo) -> Bool)

    func admits(_ socket: Socket) -> Bool {
        switch self {
        case .domain(let domain): return socket.domain == domain
        case .type(let type): return socket.type == type
        case .protocol(let proto): return socket.protocol == proto
        case .matching(let predicate): return predicate(socket.info())
        }
    }
}

extension Socket {
    /// Erlang `which_sockets/0,1`: the listed sockets (see ``useRegistry(_:)``), oldest first,
    /// all of them or those `filter` selects. Erlang's owner filter (a pid) has no counterpart.
    public static func whichSockets(_ filter: SocketFilter? = nil) -> [Socket] {
        let sockets = SocketRegistry.shared.sockets()
        guard let filter else { return sockets }
        return sockets.filter { filter.admits($0) }
    }

    /// Erlang `number_of/0`: how many sockets the registry lists. ``info()`` counts every open
    /// socket, listed or not, in `num_sockets`.
    public static func numberOf() -> Int {
        // Counted without retaining the sockets: a strong reference dropped under the lock
        // could be a socket's last, and its release takes the lock.
        SocketRegistry.shared.state.withLock { state in
            var count = 0
            state.forEach { if $0.registryLink.listed { count += 1 } }
            return count
        }
    }

    /// Erlang `use_registry/1`: whether sockets opened from now on are listed by
    /// ``whichSockets(_:)``. ``OpenOptions/useRegistry`` and ``useRegistry(_:)-swift.method``
    /// override it per socket; an accepted socket is listed exactly when its listening socket
    /// is.
    public static func useRegistry(_ enabled: Bool) {
        SocketRegistry.shared.state.withLock { $0.useRegistry = enabled }
    }

    /// Erlang `setopt(Socket, {otp, use_registry}, Bool)`: lists or unlists this socket.
    /// Throws `closed` once the socket is closed.
    public func useRegistry(_ enabled: Bool) throws(SocketError) {
        guard SocketRegistry.shared.setRegistered(self, enabled) else { throw .closed }
    }

    /// Erlang `getopt(Socket, {otp, use_registry})`: whether ``whichSockets(_:)`` lists this
    /// socket; false once it is closed.
    public var usesRegistry: Bool {
        SocketRegistry.shared.isRegistered(self) ?? false
    }
}
