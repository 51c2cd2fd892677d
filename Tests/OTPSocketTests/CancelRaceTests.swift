import OTPSocket
import SocketConstants
import Foundation
import Testing

/// Many threads and tasks race `cancel` against readiness: the peer's byte arrives while
/// the operation is cancelled. Whichever wins, no byte is lost (a cancelled receive leaves
/// it for the next one), a cancelled `nowait` operation's `select` message is gone from the
/// mailbox and never arrives later, and the socket stays usable.
@Suite struct CancelRaceTests {
    static let pairs = 16
    static let rounds = 100

    /// One round of a `nowait` receive cancelled while the peer's byte arrives. Rounds take
    /// turns: cancel while another thread sends; send, then cancel at once (the reactor sees
    /// the readiness edge as cancel runs); send, and cancel once the `select` message is in
    /// the mailbox (cancel takes it back).
    static func nowaitRound(_ client: Socket, _ server: Socket, _ mailbox: Mailbox, round: Int) throws(SocketError) -> Failure? {
        let byte = UInt8(truncatingIfNeeded: round)
        guard case .selected(let info) = try server.recv(1, select: .nowait(mailbox)) else {
            return .other("round \(round): the receive did not wait")
        }
        switch round % 3 {
        case 0:
            let sender = Reliability.Worker { Result { () throws(SocketError) in try client.send([byte], timeout: .seconds(10)) } }
            try server.cancel(info)
            guard let sent = sender.join(within: .seconds(10)) else { return .other("round \(round): the send did not return") }
            try sent.get()
        case 1:
            try client.send([byte], timeout: .seconds(10))
            try server.cancel(info)
        default:
            try client.send([byte], timeout: .seconds(10))
            let clock = ContinuousClock(), end = clock.now + .seconds(10)
            while mailbox.count == 0, clock.now < end { Reliability.sleep(.microseconds(50)) }
            guard mailbox.count == 1 else { return .other("round \(round): no select message for the byte") }
            try server.cancel(info)
            guard mailbox.count == 0 else { return .other("round \(round): cancel left the select message in the mailbox") }
        }
        // The byte is there, and the reactor has had time to see it.
        let clock = ContinuousClock(), end = clock.now + .seconds(10)
        while !server.info().readable, clock.now < end { Reliability.sleep(.microseconds(100)) }
        Reliability.sleep(.milliseconds(1))
        let stale = mailbox.receive(timeout: .zero, where: { $0.handle == info.handle })
        let got = try server.recv(1, timeout: .seconds(10))
        if got != [byte] { return .other("round \(round): received \(got), sent \([byte])") }
        return stale.map { .staleSelect("round \(round) (\(round % 3 == 1 ? "send, then cancel" : "cancel while sending")): \($0) arrived after cancel returned") }
    }

    enum Failure {
        /// A `select` message for the cancelled handle in the mailbox after `cancel`
        /// returned. `Socket.ready` decides on the message under the socket's lock and
        /// posts it after unlocking; a `cancel` in between marks the waiter revoked (under
        /// the socket's lock) before it takes back what is queued, and the late post reads
        /// the mark under the mailbox's lock and drops the message, so none may arrive
        /// (CancelRevocationTests plays that interleaving step by step).
        case staleSelect(String)
        case other(String)
    }

    @Test func cancellingNowaitReceivesAsTheirDataArrivesLosesNothing() async throws {
        var workers: [Reliability.Worker<[Failure]>] = []
        for pair in 0..<Self.pairs {
            let (client, server) = try Reliability.streamPair(pair % 2 == 0 ? .inet : .local)
            workers.append(Reliability.Worker {
                let mailbox = Mailbox()
                var failures: [Failure] = []
                for round in 0..<Self.rounds {
                    do throws(SocketError) {
                        if let failure = try Self.nowaitRound(client, server, mailbox, round: round) { failures.append(failure) }
                    } catch {
                        failures.append(.other("round \(round): \(error)"))
                    }
                }
                return failures
            })
        }
        for (pair, worker) in workers.enumerated() {
            guard let failures = await worker.join(within: .seconds(120)) else {
                Issue.record("pair \(pair): still running after 120 s")
                continue
            }
            for failure in failures {
                switch failure {
                case .staleSelect(let what), .other(let what): Issue.record("pair \(pair): \(what)")
                }
            }
        }
    }

    /// Async receives cancelled (task cancellation) while their data arrives: each either
    /// returns the byte or throws `cancelled`, and then the next receive returns it.
    @Test func cancellingAsyncReceivesAsTheirDataArrivesLosesNothing() async throws {
        var sockets: [(Socket, Socket)] = []
        for pair in 0..<Self.pairs { sockets.append(try Reliability.streamPair(pair % 2 == 0 ? .inet6 : .local)) }
        let outcomes = await withTaskGroup(of: (Int, Int, [String]).self) { group in
            for (pair, (client, server)) in sockets.enumerated() {
                group.addTask {
                    var received = 0, cancelled = 0
                    var failures: [String] = []
                    for round in 0..<Self.rounds {
                        let byte = UInt8(truncatingIfNeeded: round)
                        let receive = Task { await Self.recvAsync(server) }
                        if round % 3 == 0 { await Task.yield() }
                        let sender = Reliability.Worker { Result { () throws(SocketError) in try client.send([byte], timeout: .seconds(10)) } }
                        if round % 2 == 0 { await Task.yield() }
                        receive.cancel()
                        switch await receive.value {
                        case .success(let got):
                            received += 1
                            if got != [byte] { failures.append("round \(round): received \(got), sent \([byte])") }
                        case .failure(let error) where error.reason == .cancelled:
                            cancelled += 1
                            // The byte stays for the next receive.
                            switch await Self.recvAsync(server) {
                            case .success(let got) where got == [byte]: break
                            case let other: failures.append("round \(round): after cancel, \(other)")
                            }
                        case .failure(let error):
                            failures.append("round \(round): \(error)")
                        }
                        if case .failure(let error)? = await sender.join(within: .seconds(10)) { failures.append("round \(round): send \(error)") }
                    }
                    return (received, cancelled, failures.map { "pair \(pair): \($0)" })
                }
            }
            var all: [(Int, Int, [String])] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        for (_, _, failures) in outcomes { for failure in failures.prefix(5) { Issue.record("\(failure)") } }
        let received = outcomes.reduce(0) { $0 + $1.0 }, cancelled = outcomes.reduce(0) { $0 + $1.1 }
        #expect(received + cancelled == Self.pairs * Self.rounds)
    }

    static func recvAsync(_ socket: Socket) async -> Result<[UInt8], SocketError> {
        do throws(SocketError) {
            return .success(try await socket.recv(1, timeout: .seconds(10)))
        } catch {
            return .failure(error)
        }
    }
}
