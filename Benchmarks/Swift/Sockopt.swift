import OTPSocket

/// W6 sockopt: setopt SO_RCVBUF 65536, then getopt it, a million times on one TCP socket.
/// The style does not matter: options never wait.
enum Sockopt {
    static func run(_ style: Style) throws {
        let socket = try Socket.open(.inet, .stream)
        for _ in 0..<10_000 {
            try socket.setopt(.socket.rcvbuf, 65536)
            _ = try socket.getopt(.socket.rcvbuf)
        }
        let n = 1_000_000
        let start = now()
        var last = 0
        for _ in 0..<n {
            try socket.setopt(.socket.rcvbuf, 65536)
            last = try socket.getopt(.socket.rcvbuf)
        }
        let elapsed = now() - start
        guard last == 131072 else { fail("SO_RCVBUF read back \(last), expected 131072") }
        report("swift-\(style)", "sockopt", [("ns_per_pair", fixed(Double(elapsed) / Double(n), 1)), ("n", String(n)),
                                             ("secs", fixed(Double(elapsed) / 1e9, 3))])
    }
}
