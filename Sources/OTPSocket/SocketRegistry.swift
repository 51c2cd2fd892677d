import SocketConstants
import Synchronization

/// Erlang's socket registry: which sockets exist, and how many of each domain, type and
/// protocol were ever opened (the counters of `info/0`).
final class SocketRegistry: Sendable {
    static let shared = SocketRegistry()

    struct Entry {
        weak var socket: Socket?
    }

    struct State {
        var entries: [UInt64: Entry] = [:]
        var useRegistry = true
        /// Sockets ever opened, by domain, type and protocol number (`info/0`'s counters).
        var domains: [CInt: UInt64] = [:]
        var types: [CInt: UInt64] = [:]
        var protocols: [CInt: UInt64] = [:]
    }

    let state = Mutex(State())

    func opened(_ socket: Socket) {
        state.withLock { state in
            state.entries[socket.id] = Entry(socket: socket)
            state.domains[socket.domain.rawValue, default: 0] &+= 1
            state.types[socket.type.rawValue, default: 0] &+= 1
            state.protocols[socket.protocol.rawValue, default: 0] &+= 1
        }
    }

    func closed(id: UInt64, domain: Domain, type: SocketType, protocol: SocketProtocol) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    func closedExplicitly(_ socket: Socket) {
        state.withLock { _ = $0.entries.removeValue(forKey: socket.id) }
    }

    /// The live sockets, oldest first.
    func sockets() -> [Socket] {
        state.withLock { state in
            state.entries.sorted { $0.key < $1.key }.compactMap { $0.value.socket }
        }
    }

}
