import OTPSocket
import SocketConstants
import Foundation
import Testing

/// `close` from another thread while readers, writers, acceptors and connectors of every
/// timeout kind wait: the blocking ones (timeout `infinity` and a duration) return `closed`,
/// the `nowait` ones (a new handle and a caller's handle) get an `abort` message with
/// `closed`, the async ones (`infinity` and a duration) throw `closed`. Nothing hangs.
///
/// Readers, writers and acceptors all wait on one socket: the kind that calls first is the
/// current user, the others queue behind it. Each kind in turn goes first. Connect does not
/// queue (a second one is `already`), so each connector has a socket of its own.
@Suite struct CloseWakesEveryWaiterTests {
    enum Kind: String, CaseIterable, Sendable {
        case blockingInfinity, blockingTimeout, nowait, selectHandle, asyncInfinity, asyncTimeout
    }

    enum Operation: String, CaseIterable, Sendable {
        case read, write, accept
    }

    /// How one waiter ended: still waiting (`nil`), or with the error it threw (or a note
    /// that it did not throw).
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var ending: Result<String, SocketError>?

        func finish(_ ending: Result<String, SocketError>) { lock.withLock { self.ending = ending } }
        var result: Result<String, SocketError>? { lock.withLock { ending } }
    }

    /// A waiter: an outcome to watch, or the select info of a parked `nowait` call and its
    /// mailbox, kept alive here (a handle does not keep it alive). Each `nowait` waiter
    /// has a mailbox of its own, as each would be a process of its own in Erlang (a second
    /// call from the same mailbox takes the first one's place).
    enum Waiting {
        case call(Kind, Outcome)
        case selected(Kind, SelectInfo, Mailbox)
    }

    /// What a waiter waits with: a socket and what makes its operation wait.
    struct Setup {
        var socket: Socket
        /// Sockets that must stay open while the test runs (peers).
        var keep: [Socket]
    }

    static func setup(_ operation: Operation, _ domain: Domain) throws -> Setup {
        switch operation {
        case .read:
            let (client, server) = try Reliability.streamPair(domain)
            return Setup(socket: server, keep: [client])
        case .write:
            let (client, server) = try Reliability.streamPair(domain)
            try server.setopt(.socket.rcvbuf, 4096)
            try Reliability.fill(client)
            return Setup(socket: client, keep: [server])
        case .accept:
            return Setup(socket: try Reliability.listener(domain), keep: [])
        }
    }

    /// Starts one waiter of `kind` for `operation`; `index` varies the call (recv, recvfrom,
    /// recvmsg; send, sendmsg).
    static func start(_ kind: Kind, _ operation: Operation, index: Int, _ setup: Setup) throws -> Waiting {
        let socket = setup.socket
        let chunk = [UInt8](repeating: 7, count: 65536)
        let timeout: Duration? = kind == .blockingTimeout || kind == .asyncTimeout ? .seconds(60) : nil
        switch kind {
        case .nowait, .selectHandle:
            let mailbox = Mailbox()
            let mode: SelectMode = kind == .nowait ? .nowait(mailbox) : .handle(SelectHandle(mailbox: mailbox))
            let info: SelectInfo?
            switch (operation, index % 3) {
            case (.read, 0): info = try socket.recv(1, select: mode).selectInfo
            case (.read, 1): info = try socket.recvfrom(1, select: mode).selectInfo
            case (.read, _): info = try socket.recvmsg(bufSize: 1, select: mode).selectInfo
            case (.write, 0), (.write, 2): info = try socket.send(chunk, select: mode).selectInfo
            case (.write, _): info = try socket.sendmsg(MsgSend(iov: [chunk]), select: mode).selectInfo
            case (.accept, _): info = try socket.accept(select: mode).selectInfo
            }
            guard let info else { throw SocketError.invalid("\(kind) \(operation) did not have to wait") }
            return .selected(kind, info, mailbox)
        case .blockingInfinity, .blockingTimeout:
            let outcome = Outcome()
            _ = Reliability.Worker {
                do throws(SocketError) {
                    switch (operation, index % 3) {
                    case (.read, 0): _ = try socket.recv(1, timeout: timeout)
                    case (.read, 1): _ = try socket.recvfrom(1, timeout: timeout)
                    case (.read, _): _ = try socket.recvmsg(bufSize: 1, timeout: timeout)
                    case (.write, 0), (.write, 2): try socket.send(chunk, timeout: timeout)
                    case (.write, _): try socket.sendmsg(MsgSend(iov: [chunk]), timeout: timeout)
                    case (.accept, _): _ = try socket.accept(timeout: timeout)
                    }
                    outcome.finish(.success("completed"))
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            return .call(kind, outcome)
        case .asyncInfinity, .asyncTimeout:
            let outcome = Outcome()
            Task {
                do throws(SocketError) {
                    switch (operation, index % 3) {
                    case (.read, 0): _ = try await socket.recv(1, timeout: timeout)
                    case (.read, 1): _ = try await socket.recvfrom(1, timeout: timeout)
                    case (.read, _): _ = try await socket.recvmsg(bufSize: 1, timeout: timeout)
                    case (.write, 0), (.write, 2): try await socket.send(chunk, timeout: timeout)
                    case (.write, _): try await socket.sendmsg(MsgSend(iov: [chunk]), timeout: timeout)
                    case (.accept, _): _ = try await socket.accept(timeout: timeout)
                    }
                    outcome.finish(.success("completed"))
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            return .call(kind, outcome)
        }
    }

    static func users(_ socket: Socket, _ operation: Operation) -> Int {
        let info = socket.info()
        switch operation {
        case .read: return info.numReaders
        case .write: return info.numWriters
        case .accept: return info.numAcceptors
        }
    }

    /// Waits for an `abort` message about `info` in its mailbox, for at most `limit`. (A
    /// `select` message may come first, when the socket became ready before the close.)
    static func abort(for info: SelectInfo, in mailbox: Mailbox, within limit: Duration) async -> SocketMessage? {
        return await withTaskGroup(of: SocketMessage?.self) { group in
            group.addTask {
                await mailbox.next { message in
                    if case .abort(_, let handle, _) = message { return handle == info.handle }
                    return false
                }
            }
            group.addTask { try? await Task.sleep(for: limit); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Checks that every waiter ended with `closed` within 10 seconds of the close.
    static func expectClosed(_ waiters: [Waiting], _ what: String) async {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(10)
        for waiter in waiters {
            switch waiter {
            case .call(let kind, let outcome):
                while outcome.result == nil, clock.now < end { try? await Task.sleep(for: .milliseconds(2)) }
                switch outcome.result {
                case nil: Issue.record("\(what): the \(kind) waiter still waits 10 s after close")
                case .success(let note)?: Issue.record("\(what): the \(kind) waiter \(note) instead of failing with closed")
                case .failure(let error)?: #expect(error.reason == .closed, "\(what): the \(kind) waiter failed with \(error)")
                }
            case .selected(let kind, let info, let mailbox):
                let message = await abort(for: info, in: mailbox, within: max(.milliseconds(1), end - clock.now))
                guard case .abort(_, let handle, let reason)? = message else {
                    Issue.record("\(what): no abort message for the \(kind) waiter, got \(message.map { "\($0)" } ?? "nothing")")
                    continue
                }
                #expect(handle == info.handle && reason == .closed, "\(what): the \(kind) waiter got \(message!)")
                #expect(mailbox.count <= 1, "\(what): the \(kind) waiter's mailbox holds more than a select message")
            }
        }
    }

    @Test(arguments: Operation.allCases, Kind.allCases)
    func closeEndsEveryWaiterOfOneSocket(_ operation: Operation, first: Kind) async throws {
        for domain in [Domain.inet, .local] {
            let what = "\(operation) in \(domain), \(first) first"
            let setup = try Self.setup(operation, domain)
            let order = [first] + Kind.allCases.filter { $0 != first }
            var waiters: [Waiting] = []
            for (index, kind) in order.enumerated() {
                waiters.append(try Self.start(kind, operation, index: index, setup))
                // The next one queues only once this one is in.
                let users = index + 1
                let started = await Reliability.eventually(within: .seconds(30)) { Self.users(setup.socket, operation) == users }
                #expect(started, "\(what): \(kind) did not start waiting")
            }
            try await Task.sleep(for: .milliseconds(30))  // let the current user reach its wait
            let closer = Reliability.Worker { Result { () throws(SocketError) in try setup.socket.close() } }
            guard let closed = await closer.join(within: .seconds(10)) else {
                Issue.record("\(what): close did not return")
                continue
            }
            #expect(throws: Never.self) { try closed.get() }
            await Self.expectClosed(waiters, what)
            #expect(Self.users(setup.socket, operation) == 0)
            withExtendedLifetime(setup.keep) {}
        }
    }


    /// TCP only: a local connect never waits (see `ConnectToAFullListenerTests`).
    @Test(arguments: [Domain.inet, .inet6])
    func closeEndsEveryConnector(_ domain: Domain) async throws {
        let (listener, fillers) = try Reliability.fullListener(domain)
        let target = try listener.sockname()
        var waiters: [Waiting] = []
        var sockets: [Socket] = []
        for kind in Kind.allCases {
            let socket = try Socket.open(domain, .stream)
            sockets.append(socket)
            let timeout: Duration? = kind == .blockingTimeout || kind == .asyncTimeout ? .seconds(60) : nil
            switch kind {
            case .nowait, .selectHandle:
                let mailbox = Mailbox()
                let mode: SelectMode = kind == .nowait ? .nowait(mailbox) : .handle(SelectHandle(mailbox: mailbox))
                let completion = try socket.connect(to: target, select: mode)
                guard let info = completion.selectInfo else {
                    Issue.record("\(domain): the \(kind) connect did not have to wait")
                    continue
                }
                waiters.append(.selected(kind, info, mailbox))
            case .blockingInfinity, .blockingTimeout:
                let outcome = Outcome()
                _ = Reliability.Worker {
                    do throws(SocketError) {
                        try socket.connect(to: target, timeout: timeout)
                        outcome.finish(.success("connected"))
                    } catch {
                        outcome.finish(.failure(error))
                    }
                }
                waiters.append(.call(kind, outcome))
            case .asyncInfinity, .asyncTimeout:
                let outcome = Outcome()
                Task {
                    do throws(SocketError) {
                        try await socket.connect(to: target, timeout: timeout)
                        outcome.finish(.success("connected"))
                    } catch {
                        outcome.finish(.failure(error))
                    }
                }
                waiters.append(.call(kind, outcome))
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        for (kind, waiter) in zip(Kind.allCases, waiters) {
            if case .call(_, let outcome) = waiter, let result = outcome.result {
                Issue.record("\(domain): the \(kind) connect to a full listener ended before close: \(result)")
            }
        }
        let connectors = sockets
        let closer = Reliability.Worker { connectors.map { socket in Result { () throws(SocketError) in try socket.close() } } }
        guard let closed = await closer.join(within: .seconds(10)) else {
            Issue.record("\(domain): close did not return")
            return
        }
        for result in closed { #expect(throws: Never.self) { try result.get() } }
        await Self.expectClosed(waiters, "connect in \(domain)")
        withExtendedLifetime((listener, fillers)) {}
    }
}
