import OTPSocket
import SocketConstants
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Many sockets opened and closed, or connected, accepted and closed, leave the process with
/// the descriptors it had before. Each test runs in a child process of its own (an exit
/// test), where no other test opens descriptors while it counts.
@Suite struct DescriptorLeakTests {
    /// Every kind of socket, closed explicitly or by its last release, 100,000 times.
    @Test func hundredThousandOpenCloseCyclesLeaveNoDescriptorOpen() async {
        await #expect(processExitsWith: .success) {
            do {
                // The runtime's lazily made descriptors (its timer) exist before counting.
                try await DescriptorLeakTests.warmUpAsync()
                try DescriptorLeakTests.openCloseCycles(Reliability.scaled(100_000))
            } catch {
                Reliability.fail(error)
            }
        }
    }

    /// TCP over 127.0.0.1 and ::1 and local stream sockets: 10,000 connections made,
    /// accepted and closed, in every order and every style of close.
    @Test func tenThousandConnectAcceptCloseCyclesLeaveNoDescriptorOpen() async {
        await #expect(processExitsWith: .success) {
            do {
                // The runtime's lazily made descriptors (its timer) exist before counting.
                try await DescriptorLeakTests.warmUpAsync()
                try DescriptorLeakTests.connectAcceptCloseCycles(Reliability.scaled(10_000))
            } catch {
                Reliability.fail(error)
            }
        }
    }

    static let kinds: [(Domain, SocketType)] = [(.inet, .stream), (.inet, .dgram), (.inet6, .stream), (.inet6, .dgram), (.local, .stream), (.local, .dgram)]

    static func openCloseCycles(_ cycles: Int) throws(Reliability.Failure) {
        // The library's lazily made descriptors (the reactor, this thread's waker) exist
        // before counting starts.
        try warmUp()
        let before = Reliability.openDescriptors()
        var highest: CInt = 0
        for cycle in 0..<cycles {
            let (domain, type) = kinds[cycle % kinds.count]
            let socket: Socket
            do throws(SocketError) {
                socket = try Socket.open(domain, type)
            } catch {
                throw Reliability.Failure("cycle \(cycle): open(\(domain), \(type)): \(error)")
            }
            highest = max(highest, socket.fd ?? 0)
            if cycle % 2 == 0 {
                do throws(SocketError) {
                    try socket.close()
                } catch {
                    throw Reliability.Failure("cycle \(cycle): close: \(error)")
                }
            }
            // Odd cycles close by releasing the last reference.
        }
        let after = Reliability.openDescriptors()
        guard after == before else {
            throw Reliability.Failure("\(cycles) open/close cycles: \(before) descriptors open before, \(after) after: \(Reliability.describeDescriptors())")
        }
        // A leak of even one descriptor per thousand cycles would have pushed the numbers up.
        guard highest < CInt(before + 16) else {
            throw Reliability.Failure("descriptors up to \(highest) were handed out with \(before) open")
        }
    }

    static func connectAcceptCloseCycles(_ cycles: Int) throws(Reliability.Failure) {
        try warmUp()
        let before = Reliability.openDescriptors()
        var listeners: [Domain: Socket] = [:]
        for domain in [Domain.inet, .inet6, .local] {
            do throws(SocketError) {
                listeners[domain] = try Reliability.listener(domain, backlog: 64)
            } catch {
                throw Reliability.Failure("listen in \(domain): \(error)")
            }
        }
        for cycle in 0..<cycles {
            let domain: Domain = [.inet, .inet6, .local][cycle % 3]
            do throws(SocketError) {
                try connectAcceptClose(listeners[domain]!, domain, style: cycle / 3 % 4)
            } catch {
                throw Reliability.Failure("cycle \(cycle) in \(domain): \(error)")
            }
        }
        do throws(SocketError) {
            for listener in listeners.values { try listener.close() }
        } catch {
            throw Reliability.Failure("closing a listener: \(error)")
        }
        listeners = [:]
        let after = Reliability.openDescriptors()
        guard after == before else {
            throw Reliability.Failure("\(cycles) connect/accept/close cycles: \(before) descriptors open before, \(after) after: \(Reliability.describeDescriptors())")
        }
    }

    /// One connection, closed in one of four ways: the client first, the server first (the
    /// side that closes first keeps TIME_WAIT, on the server for TCP), an abortive close
    /// (linger 0: a reset, no TIME_WAIT), or both by release. A byte crosses each way first.
    static func connectAcceptClose(_ listener: Socket, _ domain: Domain, style: Int) throws(SocketError) {
        let client = try Socket.open(domain, .stream)
        try client.connect(to: listener.sockname(), timeout: .seconds(10))
        let server = try listener.accept(timeout: .seconds(10))
        try client.send([1])
        guard try server.recv(1, timeout: .seconds(10)) == [1] else { throw .invalid("the byte did not arrive") }
        try server.send([2])
        guard try client.recv(1, timeout: .seconds(10)) == [2] else { throw .invalid("the reply did not arrive") }
        switch style {
        case 0:
            try client.close()
            try server.close()
        case 1:
            try server.close()
            try client.close()
        case 2:
            if domain != .local { try client.setopt(.socket.linger, Linger.abort) }
            try client.close()
            try server.close()
        default:
            break  // both released at the end of this function
        }
    }

    /// ``warmUp()``, and an async wait with a time-out (whose timer makes the runtime's
    /// timer descriptor).
    static func warmUpAsync() async throws(Reliability.Failure) {
        try warmUp()
        do throws(SocketError) {
            let (client, server) = try Reliability.streamPair()
            _ = try? await server.recv(1, timeout: .milliseconds(1))
            try? await Task.sleep(for: .milliseconds(1))
            try client.close()
            try server.close()
        } catch {
            throw Reliability.Failure("warming up: \(error)")
        }
    }

    static func warmUp() throws(Reliability.Failure) {
        Reliability.startSanitizerSymbolizer()
        do throws(SocketError) {
            let (client, server) = try Reliability.streamPair()
            // A blocking wait makes this thread's waker; a nowait one starts the reactor.
            _ = try? server.recv(1, timeout: .milliseconds(1))
            let mailbox = Mailbox()
            if case .selected(let info) = try server.recv(1, select: .nowait(mailbox)) { try server.cancel(info) }
            try client.close()
            try server.close()
        } catch {
            throw Reliability.Failure("warming up: \(error)")
        }
    }
}
