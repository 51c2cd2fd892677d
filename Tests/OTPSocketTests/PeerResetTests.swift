import OTPSocket
import SocketConstants
import Foundation
import Testing

/// The peer resets a connection in the middle of a stream: a reader gets the bytes that
/// arrived and then `econnreset` (with the bytes of the unfinished receive in `received`), a
/// writer gets `econnreset` or `epipe` (with the unsent `rest`), in every style; a reader
/// waiting when the reset comes wakes. The socket can still be closed, once.
@Suite struct PeerResetTests {
    /// A TCP pair over the loopback of `domain`, or a local stream pair (which resets when
    /// a side closes with unread data).
    static func pair(_ domain: Domain) throws -> (client: Socket, server: Socket) {
        try Reliability.streamPair(domain)
    }

    /// Resets `socket`'s connection to `peer`: with linger 0 (TCP), or with data from the
    /// peer left unread (local), `close` resets instead of ending the stream.
    static func reset(_ socket: Socket, peer: Socket, _ domain: Domain, unreadAlready: Bool = false) throws {
        if domain == .local {
            if unreadAlready { return try socket.close() }
            try blockingSend(peer, [0])
        } else {
            try socket.setopt(.socket.linger, Linger.abort)
        }
        try socket.close()
    }

    static let domains: [Domain] = [.inet, .inet6, .local]

    /// Reads until an error; every byte read is the stream's next one.
    static func drainUntilError(_ socket: Socket, expecting stream: [UInt8], chunk: Int, style: Int) async -> (Int, SocketError?) {
        var offset = 0
        while true {
            do throws(SocketError) {
                let data: [UInt8]
                switch style {
                case 0: data = try Self.blockingRecv(socket, chunk)
                case 1:
                    let mailbox = Mailbox()
                    switch try socket.recv(chunk, select: .nowait(mailbox)) {
                    case .completed(let bytes): data = bytes
                    case .selected, .partial:
                        // The select message comes with data, the reset or the time-out.
                        guard await Self.message(in: mailbox, within: .seconds(10)) else { return (offset, SocketError(.timeout)) }
                        continue
                    }
                default: data = try await socket.recv(chunk, timeout: .seconds(10))
                }
                guard Array(stream[offset..<min(stream.count, offset + data.count)]) == data else {
                    Issue.record("bytes \(offset)..<\(offset + data.count) are not the stream's")
                    return (offset, nil)
                }
                offset += data.count
            } catch {
                if let received = error.received {
                    #expect(Array(stream[offset..<min(stream.count, offset + received.count)]) == received)
                    offset += received.count
                }
                return (offset, error)
            }
        }
    }

    static func blockingRecv(_ socket: Socket, _ length: Int) throws(SocketError) -> [UInt8] {
        try socket.recv(length, timeout: .seconds(10))
    }

    static func message(in mailbox: Mailbox, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await mailbox.next() != nil }
            group.addTask { try? await Task.sleep(for: limit); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test(arguments: domains, [0, 1, 2])
    func aReaderGetsTheBytesThatArrivedThenEconnreset(_ domain: Domain, style: Int) async throws {
        let (client, server) = try Self.pair(domain)
        let stream = Fixtures.pattern(64 * 1024, seed: style)
        try Self.blockingSend(client, stream)
        // The server reads part of it; then the client resets.
        let first = try Self.blockingRecv(server, 1000)
        #expect(first == Array(stream[0..<1000]))
        try Self.reset(client, peer: server, domain)
        let (read, error) = await Self.drainUntilError(server, expecting: Array(stream[1000...]), chunk: 4096, style: style)
        #expect(read <= stream.count - 1000)
        #expect(error?.reason == .errno(.connectionReset),
                "\(domain) style \(style): \(error.map { "\($0)" } ?? "no error") after \(read) bytes")
        try server.close()
        #expect(throws: SocketError.closed) { try server.close() }
    }

    @Test(arguments: domains, [0, 1, 2])
    func aWriterGetsEconnresetOrEpipeWithTheRest(_ domain: Domain, style: Int) async throws {
        let (client, server) = try Self.pair(domain)
        // The client never reads: the reset throws away what it has.
        let data = Fixtures.pattern(256 * 1024, seed: 7)
        try Reliability.fill(server)
        try Self.reset(client, peer: server, domain, unreadAlready: true)
        try await Task.sleep(for: .milliseconds(20))
        var error: SocketError?
        for _ in 0..<100 {
            do throws(SocketError) {
                switch style {
                case 0: try Self.blockingSend(server, data)
                case 1: _ = try server.send(data, select: .nowait(Mailbox()))
                default: try await server.send(data, timeout: .seconds(10))
                }
            } catch let failure {
                error = failure
                break
            }
        }
        guard let error else { Issue.record("\(domain) style \(style): 100 sends to a reset peer succeeded"); return }
        #expect([.errno(.connectionReset), .errno(.brokenPipe)].contains(error.reason), "\(domain) style \(style): \(error)")
        if let rest = error.rest {
            #expect(rest.count < data.count && Array(data.suffix(rest.count)) == rest)
        }
        try server.close()
    }

    /// sendfile(2) has no `MSG_NOSIGNAL`: to a reset peer it raises `SIGPIPE`, whose default
    /// action would end the test process. Every style fails with `epipe` or `econnreset`.
    @Test(arguments: [Domain.inet, .local], [0, 1, 2])
    func sendfileToAResetPeerFailsWithoutASignal(_ domain: Domain, style: Int) async throws {
        let file = try Fixtures.file(Fixtures.pattern(256 * 1024))
        defer { Fixtures.remove(file) }
        let (client, server) = try Self.pair(domain)
        try Self.reset(client, peer: server, domain)
        try await Task.sleep(for: .milliseconds(20))
        var error: SocketError?
        for _ in 0..<100 {
            do throws(SocketError) {
                switch style {
                case 0: _ = try Self.blockingSendfile(server, file)
                case 1: _ = try server.sendfile(.path(file), select: .nowait(Mailbox()))
                default: _ = try await server.sendfile(.path(file), timeout: .seconds(10))
                }
            } catch let failure {
                error = failure
                break
            }
        }
        guard let error else { Issue.record("\(domain) style \(style): 100 sendfiles to a reset peer succeeded"); return }
        #expect([.errno(.connectionReset), .errno(.brokenPipe)].contains(error.reason), "\(domain) style \(style): \(error)")
        try server.close()
    }

    static func blockingSendfile(_ socket: Socket, _ path: String) throws(SocketError) -> Int {
        try socket.sendfile(.path(path), timeout: .seconds(10))
    }

    static func blockingSend(_ socket: Socket, _ data: [UInt8]) throws(SocketError) {
        try socket.send(data, timeout: .seconds(10))
    }

    /// Waiting readers of every kind wake when the reset comes: blocking with `econnreset`, a
    /// `nowait` one with its `select` message (and `econnreset` on the next call).
    @Test(arguments: domains)
    func waitingReadersWakeOnAReset(_ domain: Domain) async throws {
        let (client, server) = try Self.pair(domain)
        let blocking = Reliability.Worker { Result { () throws(SocketError) in try server.recv(1) } }
        #expect(await Reliability.eventually { server.info().numReaders == 1 })
        let mailbox = Mailbox()
        let selected = try server.recv(1, select: .nowait(mailbox))
        #expect(selected.selectInfo != nil)
        try await Task.sleep(for: .milliseconds(20))
        try Self.reset(client, peer: server, domain)
        guard let result = await blocking.join(within: .seconds(10)) else {
            Issue.record("\(domain): the blocking reader still waits 10 s after the reset")
            return
        }
        #expect(throws: SocketError.self) { try result.get() }
        if case .failure(let error) = result {
            #expect(error.reason == .errno(.connectionReset), "\(domain): \(error)")
        }
        #expect(await Self.message(in: mailbox, within: .seconds(10)), "\(domain): no select message after the reset")
        #expect(throws: SocketError.self) { _ = try server.recv(1, select: .nowait(mailbox)) }
        try server.close()
    }
}
