import OTPSocket
import Synchronization

/// W8 pingpong-concurrent: 100 connections, each pinging as fast as its echo returns, 3 s.
/// Echoes are received into buffers allocated once (`recv(into:)`), as C's are.
enum Concurrent {
    static let connections = 100
    static let duration: Int64 = 3_000_000_000

    static func run(_ style: Style) throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen(backlog: 128)
        let address = try listener.sockname()
        var clients: [Socket] = [], servers: [Socket] = []
        for _ in 0..<connections {
            let client = try Socket.open(.inet, .stream)
            try client.connect(to: address)
            let server = try listener.accept()
            try client.setopt(.tcp.nodelay, true)
            try server.setopt(.tcp.nodelay, true)
            clients.append(client)
            servers.append(server)
        }
        let ping = PingPong.ping
        var counts = [Int](repeating: 0, count: connections)
        let start: Int64
        switch style {
        case .blocking:
            // One thread per connection on each side, as Erlang has one process per connection.
            let echoes = servers.map { server in
                Worker {
                    let buffer = Buffer(Workload.message)
                    do {
                        while true {
                            try server.recvAll(Workload.message, into: buffer)
                            try server.send(buffer.prefix(Workload.message))
                        }
                    } catch {}
                }
            }
            let results = Results(connections)
            start = now() + 20_000_000
            let pingers = clients.enumerated().map { index, client in
                Worker {
                    var n = 0
                    let echo = Buffer(Workload.message)
                    while now() < start {}
                    do {
                        while true {
                            try client.send(ping)
                            try client.recvAll(Workload.message, into: echo)
                            if now() >= start + duration { break }
                            n += 1
                        }
                    } catch { fail("pinger: \(error)") }
                    results.counts.withLock { $0[index] = n }
                }
            }
            pingers.forEach { $0.join() }
            for client in clients { try client.close() }
            echoes.forEach { $0.join() }
            counts = results.counts.withLock { $0 }
        case .nowait:
            // One thread per side, each waiting on one mailbox for all its sockets.
            let echo = Worker {
                let mailbox = Mailbox()
                let buffer = Buffer(Workload.message)
                var open = Set(servers.indices)
                func serve(_ i: Int) -> Bool {
                    do {
                        while true {
                            switch try servers[i].recv(into: buffer.bytes, select: .nowait(mailbox)) {
                            case .completed(let n):
                                while case .selected = try servers[i].send(buffer.prefix(n), select: .nowait(mailbox)) {
                                    _ = mailbox.receive()
                                }
                            default: return true
                            }
                        }
                    } catch { return false }
                }
                for i in servers.indices where !serve(i) { open.remove(i) }
                let index = Dictionary(uniqueKeysWithValues: servers.enumerated().map { ($1, $0) })
                while !open.isEmpty {
                    guard case .select(let socket, _)? = mailbox.receive(), let i = index[socket] else { continue }
                    if !serve(i) { open.remove(i) }
                }
            }
            let mailbox = Mailbox()
            let index = Dictionary(uniqueKeysWithValues: clients.enumerated().map { ($1, $0) })
            var pending = [Int](repeating: 0, count: connections)
            var active = connections
            let received = Buffer(Workload.message)
            start = now()
            for client in clients { _ = try client.send(ping, select: .nowait(mailbox)) }
            func pump(_ i: Int) throws {
                while true {
                    switch try clients[i].recv(into: received[pending[i]..<Workload.message], select: .nowait(mailbox)) {
                    case .completed(let n):
                        pending[i] += n
                        guard pending[i] == Workload.message else { continue }
                        pending[i] = 0
                        if now() >= start + duration { active -= 1; return }
                        counts[i] += 1
                        _ = try clients[i].send(ping, select: .nowait(mailbox))
                    case .partial(_, let n):
                        pending[i] += n
                        return
                    case .selected:
                        return
                    }
                }
            }
            for i in clients.indices { try pump(i) }
            while active > 0 {
                guard case .select(let socket, let handle)? = mailbox.receive(), let i = index[socket] else { continue }
                _ = handle
                try pump(i)
            }
            for client in clients { try client.close() }
            echo.join()
        case .async:
            let results = Results(connections)
            let begin = now()
            let clients = clients, servers = servers
            onEventLoop("pingers") {
                await withTaskGroup(of: Void.self) { group in
                    for server in servers {
                        group.addTask {
                            let buffer = Buffer(Workload.message)
                            do {
                                while true {
                                    try await server.recvAll(Workload.message, into: buffer)
                                    try await server.send(buffer.prefix(Workload.message))
                                }
                            } catch {}
                        }
                    }
                    await withTaskGroup(of: Void.self) { pingers in
                        for (i, client) in clients.enumerated() {
                            pingers.addTask {
                                var n = 0
                                let echo = Buffer(Workload.message)
                                do {
                                    while true {
                                        try await client.send(ping)
                                        try await client.recvAll(Workload.message, into: echo)
                                        if now() >= begin + duration { break }
                                        n += 1
                                    }
                                } catch { fail("pinger: \(error)") }
                                results.counts.withLock { $0[i] = n }
                            }
                        }
                    }
                    for client in clients { try? client.close() }
                }
            }
            start = begin
            counts = results.counts.withLock { $0 }
        }
        _ = start
        let total = counts.reduce(0, +)
        report("swift-\(style)", "pingpong-concurrent", [
            ("rtt_per_s", fixed(Double(total) / 3.0, 0)), ("conns", String(connections)), ("total", String(total)),
            ("secs", "3.000"), ("min_conn", String(counts.min() ?? 0)), ("max_conn", String(counts.max() ?? 0)),
        ])
    }
}

/// Per-connection round-trip counts, written by many threads or tasks.
final class Results: Sendable {
    let counts: Mutex<[Int]>
    init(_ n: Int) { counts = Mutex([Int](repeating: 0, count: n)) }
}
