import OTPSocket

/// W2 tcp-stream: 1 GiB in 64 KiB sends; the receiver reads whatever is there, up to 64 KiB,
/// into one buffer (`recv(into:)`, as C's `recv` into its buffer), and acks after 2^30 bytes.
enum Stream {
    static let total = 1 << 30
    static let chunk = 65536

    static func run(_ style: Style) throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let address = try listener.sockname()
        let client = try Socket.open(.inet, .stream)
        let block = [UInt8](repeating: UInt8(ascii: "s"), count: chunk)
        switch style {
        case .blocking, .nowait:
            let server = Worker {
                do {
                    let peer = try listener.accept()
                    let buffer = Buffer(chunk)
                    var received = 0
                    if style == .blocking {
                        while received < total { received += try peer.recv(into: buffer.bytes) }
                        try peer.send([1])
                    } else {
                        let connection = NowaitConnection(socket: peer)
                        while received < total { received += try connection.recv(nil, into: buffer) }
                        try connection.send([1])
                    }
                } catch { fail("stream server: \(error)") }
            }
            try client.connect(to: address)
            let start = now()
            if style == .blocking {
                for _ in 0..<(total / chunk) { try client.send(block) }
                guard try client.recv(1) == [1] else { fail("no ack") }
            } else {
                let connection = NowaitConnection(socket: client)
                for _ in 0..<(total / chunk) { try connection.send(block) }
                let ack = Buffer(1)
                guard try connection.recv(1, into: ack) == 1, ack.bytes[0] == 1 else { fail("no ack") }
            }
            let secs = Double(now() - start) / 1e9
            server.join()
            report("swift-\(style)", "tcp-stream", [("gib_per_s", fixed(1 / secs, 3)), ("secs", fixed(secs, 3))])
        case .async:
            onEventLoop("stream client") {
                let server = Task(executorPreference: Socket.executor) {
                    do {
                        let peer = try await listener.accept()
                        let buffer = Buffer(chunk)
                        var received = 0
                        while received < total { received += try await peer.recv(into: buffer.bytes) }
                        try await peer.send([1])
                    } catch { fail("stream server: \(error)") }
                }
                try await client.connect(to: address)
                let start = now()
                for _ in 0..<(total / chunk) { try await client.send(block) }
                guard try await client.recv(1) == [1] else { fail("no ack") }
                let secs = Double(now() - start) / 1e9
                await server.value
                report("swift-async", "tcp-stream", [("gib_per_s", fixed(1 / secs, 3)), ("secs", fixed(secs, 3))])
            }
        }
    }
}
