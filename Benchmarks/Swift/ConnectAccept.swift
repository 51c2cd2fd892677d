import OTPSocket

/// W4 connect-accept: lock-step connect, EOF, close; the server accepts and closes at once.
enum ConnectAccept {
    static let warmup = 1000
    static let maximum = 20_000
    static let cap: Int64 = 10_000_000_000

    static func run(_ style: Style) throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen(backlog: 1024)
        let address = try listener.sockname()
        switch style {
        case .blocking, .nowait:
            let server = Worker {
                let mailbox = Mailbox()
                do {
                    while true {
                        let peer: Socket
                        if style == .blocking {
                            peer = try listener.accept()
                        } else {
                            var accepted: Socket?
                            while accepted == nil {
                                if case .completed(let socket) = try listener.accept(select: .nowait(mailbox)) {
                                    accepted = socket
                                } else {
                                    _ = mailbox.receive()
                                }
                            }
                            peer = accepted!
                        }
                        try peer.close()
                    }
                } catch let error as SocketError where error.reason == .closed {
                } catch { fail("accept: \(error)") }
            }
            let mailbox = Mailbox()
            let eof = Buffer(1)
            func once() throws {
                let socket = try Socket.open(.inet, .stream)
                if style == .blocking {
                    try socket.connect(to: address)
                    do { _ = try socket.recv(into: eof.bytes); fail("expected EOF") } catch { guard error.reason == .closed else { throw error } }
                } else {
                    if case .selected = try socket.connect(to: address, select: .nowait(mailbox)) {
                        _ = mailbox.receive()
                        try socket.connect()
                    }
                    let connection = NowaitConnection(socket: socket)
                    do { _ = try connection.recv(1, into: eof); fail("expected EOF") } catch let error as SocketError where error.reason == .closed {}
                }
                try socket.close()
            }
            for _ in 0..<warmup { try once() }
            let start = now()
            var n = 0
            var end = start
            while n < maximum {
                try once()
                n += 1
                end = now()
                if end - start >= cap { break }
            }
            try listener.close()
            server.join()
            reportConnect("swift-\(style)", n, end - start)
        case .async:
            onEventLoop("connect") {
                let server = Task(executorPreference: Socket.executor) {
                    do {
                        while true { try await listener.accept().close() }
                    } catch let error as SocketError where error.reason == .closed {
                    } catch { fail("accept: \(error)") }
                }
                let eof = Buffer(1)
                func once() async throws {
                    let socket = try Socket.open(.inet, .stream)
                    try await socket.connect(to: address)
                    do { _ = try await socket.recv(into: eof.bytes); fail("expected EOF") } catch { guard error.reason == .closed else { throw error } }
                    try socket.close()
                }
                for _ in 0..<warmup { try await once() }
                let start = now()
                var n = 0
                var end = start
                while n < maximum {
                    try await once()
                    n += 1
                    end = now()
                    if end - start >= cap { break }
                }
                try listener.close()
                await server.value
                reportConnect("swift-async", n, end - start)
            }
        }
    }

    static func reportConnect(_ impl: String, _ n: Int, _ elapsed: Int64) {
        let secs = Double(elapsed) / 1e9
        report(impl, "connect-accept", [("conn_per_s", fixed(Double(n) / secs, 0)), ("us_per_conn", fixed(secs * 1e6 / Double(n), 2)),
                                        ("n", String(n)), ("secs", fixed(secs, 3))])
    }
}
