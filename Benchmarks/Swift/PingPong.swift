import OTPSocket
#if canImport(Glibc)
import Glibc
#endif

/// W1 tcp-pingpong, W3 udp-pingpong and W5 unix-pingpong in each style. Echoes are
/// received into a buffer allocated once (`recv(into:)`), as C's are; pings are sent from
/// one array.
enum PingPong {
    static let ping = [UInt8](repeating: UInt8(ascii: "p"), count: Workload.message)

    /// A listening endpoint and the address a client connects to.
    static func listener(_ workload: String) throws -> (Socket, SocketAddress, cleanup: () -> Void) {
        switch workload {
        case "unix-pingpong":
            let path = "/tmp/anchor-swift-\(getpid()).sock"
            unlink(path)
            let listener = try Socket.open(.local, .stream)
            try listener.bind(.local(path: path))
            try listener.listen()
            return (listener, .local(path: path), { unlink(path) })
        default:
            let listener = try Socket.open(.inet, .stream)
            try listener.bind(.inet(.loopback, port: 0))
            try listener.listen()
            return (listener, try listener.sockname(), {})
        }
    }

    static func run(_ style: Style, _ workload: String) throws {
        if workload == "udp-pingpong" { return try udp(style) }
        let tcp = workload == "tcp-pingpong"
        let (listener, address, cleanup) = try listener(workload)
        defer { cleanup() }
        let client = try Socket.open(address.domain!, .stream)
        switch style {
        case .blocking, .nowait:
            let server = Worker {
                do {
                    let peer = try listener.accept()
                    if tcp { try peer.setopt(.tcp.nodelay, true) }
                    let buffer = Buffer(Workload.message)
                    if style == .blocking {
                        while true {
                            try peer.recvAll(Workload.message, into: buffer)
                            try peer.send(buffer.prefix(Workload.message))
                        }
                    } else {
                        let connection = NowaitConnection(socket: peer)
                        while true {
                            _ = try connection.recv(Workload.message, into: buffer)
                            try connection.send(buffer.prefix(Workload.message))
                        }
                    }
                } catch let error as SocketError where error.reason == .closed {
                } catch {
                    fail("server: \(error)")
                }
            }
            try client.connect(to: address)
            if tcp { try client.setopt(.tcp.nodelay, true) }
            let (samples, elapsed): ([Int64], Int64)
            let echo = Buffer(Workload.message)
            if style == .blocking {
                (samples, elapsed) = try pingPongLoop {
                    try client.send(ping)
                    try client.recvAll(Workload.message, into: echo)
                }
            } else {
                let connection = NowaitConnection(socket: client)
                (samples, elapsed) = try pingPongLoop {
                    try connection.send(ping)
                    _ = try connection.recv(Workload.message, into: echo)
                }
            }
            try client.close()
            server.join()
            reportPingPong("swift-\(style)", workload, samples, elapsed: elapsed)
        case .async:
            onEventLoop("client") {
                let server = Task(executorPreference: Socket.executor) {
                    do {
                        let peer = try await listener.accept()
                        if tcp { try peer.setopt(.tcp.nodelay, true) }
                        let buffer = Buffer(Workload.message)
                        while true {
                            try await peer.recvAll(Workload.message, into: buffer)
                            try await peer.send(buffer.prefix(Workload.message))
                        }
                    } catch let error as SocketError where error.reason == .closed {
                    } catch {
                        fail("server: \(error)")
                    }
                }
                try await client.connect(to: address)
                if tcp { try client.setopt(.tcp.nodelay, true) }
                let echo = Buffer(Workload.message)
                let (samples, elapsed) = try await pingPongLoop {
                    try await client.send(ping)
                    try await client.recvAll(Workload.message, into: echo)
                }
                try client.close()
                await server.value
                reportPingPong("swift-async", workload, samples, elapsed: elapsed)
            }
        }
    }

    static func udp(_ style: Style) throws {
        let server = try Socket.open(.inet, .dgram)
        try server.bind(.inet(.loopback, port: 0))
        let address = try server.sockname()
        let client = try Socket.open(.inet, .dgram)
        try client.connect(to: address)
        func serveBlocking() {
            let buffer = Buffer(Workload.message * 2)
            do {
                while true {
                    let (source, n) = try server.recvfrom(into: buffer.bytes)
                    if n == 0 { return }
                    try server.sendto(buffer.prefix(n), to: source)
                }
            } catch { fail("udp server: \(error)") }
        }
        switch style {
        case .blocking:
            let worker = Worker(serveBlocking)
            let echo = Buffer(Workload.message)
            let (samples, elapsed) = try pingPongLoop {
                try client.send(ping)
                guard try client.recv(into: echo.bytes) == Workload.message else { fail("short echo") }
            }
            try client.send([])
            worker.join()
            reportPingPong("swift-blocking", "udp-pingpong", samples, elapsed: elapsed)
        case .nowait:
            let worker = Worker {
                let mailbox = Mailbox()
                let buffer = Buffer(Workload.message * 2)
                do {
                    while true {
                        switch try server.recvfrom(into: buffer.bytes, select: .nowait(mailbox)) {
                        case .completed(let message):
                            if message.count == 0 { return }
                            while case .selected = try server.sendto(buffer.prefix(message.count), to: message.source, select: .nowait(mailbox)) {
                                _ = mailbox.receive()
                            }
                        default:
                            _ = mailbox.receive()
                        }
                    }
                } catch { fail("udp server: \(error)") }
            }
            let connection = NowaitConnection(socket: client)
            let echo = Buffer(Workload.message)
            let (samples, elapsed) = try pingPongLoop {
                try connection.send(ping)
                guard try connection.recv(nil, into: echo) == Workload.message else { fail("short echo") }
            }
            try client.send([])
            worker.join()
            reportPingPong("swift-nowait", "udp-pingpong", samples, elapsed: elapsed)
        case .async:
            onEventLoop("udp client") {
                let serving = Task(executorPreference: Socket.executor) {
                    let buffer = Buffer(Workload.message * 2)
                    do {
                        while true {
                            let (source, n) = try await server.recvfrom(into: buffer.bytes)
                            if n == 0 { return }
                            try await server.sendto(buffer.prefix(n), to: source)
                        }
                    } catch { fail("udp server: \(error)") }
                }
                let echo = Buffer(Workload.message)
                let (samples, elapsed) = try await pingPongLoop {
                    try await client.send(ping)
                    guard try await client.recv(into: echo.bytes) == Workload.message else { fail("short echo") }
                }
                try await client.send([])
                await serving.value
                reportPingPong("swift-async", "udp-pingpong", samples, elapsed: elapsed)
            }
        }
    }
}

/// A counting semaphore for handing results from tasks to the main thread.
final class Semaphore: @unchecked Sendable {
    private let value = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    init() { sem_init(value, 0, 0) }
    deinit { sem_destroy(value); value.deallocate() }
    func signal() { sem_post(value) }
    func wait() { while sem_wait(value) != 0 {} }
}
