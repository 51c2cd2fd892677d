import OTPSocket

/// W7 many-idle: 8000 connected pairs held open; user-space memory per pair.
enum ManyIdle {
    static let pairs = 8000

    static func run(_ style: Style) throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen(backlog: 128)
        let address = try listener.sockname()
        var sockets: [Socket] = []
        sockets.reserveCapacity(2 * pairs)
        let rss0 = rssKiB()
        let start = now()
        for _ in 0..<pairs {
            let client = try Socket.open(.inet, .stream)
            try client.connect(to: address)
            sockets.append(client)
            sockets.append(try listener.accept())
        }
        let opened = now()
        let rss1 = rssKiB()
        for socket in sockets { try socket.close() }
        let closed = now()
        let openSecs = Double(opened - start) / 1e9
        report("swift-\(style)", "many-idle", [
            ("pairs", String(pairs)), ("open_s", fixed(openSecs, 3)), ("pairs_per_s", fixed(Double(pairs) / openSecs, 0)),
            ("rss_kib_per_pair", fixed(Double(rss1 - rss0) / Double(pairs), 3)), ("rss_growth_kib", String(rss1 - rss0)),
            ("close_s", fixed(Double(closed - opened) / 1e9, 3)),
        ])
    }
}
