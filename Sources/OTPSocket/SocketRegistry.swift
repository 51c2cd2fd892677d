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
        var counters: [String: UInt64] = [:]
    }

    let state = Mutex(State())

    func opened(_ socket: Socket) {
        state.withLock { state in
            state.entries[socket.id] = Entry(socket: socket)
            for key in SocketRegistry.counterKeys(socket.domain, socket.type, socket.protocol) {
                state.counters[key, default: 0] &+= 1
            }
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

    static func counterKeys(_ domain: Domain, _ type: SocketType, _ protocol: SocketProtocol) -> [String] {
        ["num_d_\(domain)", "num_t_\(type)", "num_p_\(`protocol`)"]
    }
}
