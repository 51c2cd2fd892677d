import OTPSocket
import SocketConstants
import Foundation
import Testing

/// A server holding 10,000 TCP connections over 127.0.0.1 at once serves ping-pong on every
/// one of them without an error, and closing them all (and letting them go) gives back every
/// descriptor.
///
/// The server and its clients are two child processes (exit tests) that meet through a file
/// naming the server's port: 20,000 descriptors in one process would pass a hard limit of
/// 20,000 (which only `CAP_SYS_RESOURCE` may raise), and would starve the tests running
/// beside them. Each raises its soft limit to the hard one as needed, and counts its
/// descriptors after the library and the runtime made their own (the reactor's, a timer's).
@Suite struct ManyConnectionsTests {
    static let connections = 10_000
    static let rounds = 3
    static let ping: [UInt8] = Array("ping".utf8), pong: [UInt8] = Array("pong".utf8)

    @Test func aServerHoldingTenThousandConnectionsServesPingPong() async {
        let rendezvous = NSTemporaryDirectory() + "otp-socket-many-connections-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: rendezvous) }
        async let server = #expect(processExitsWith: .success) { [rendezvous = rendezvous as String] in
            do {
                try await ManyConnectionsTests.serve(Reliability.scaled(ManyConnectionsTests.connections), publishingPortAt: rendezvous)
            } catch {
                Reliability.fail(error)
            }
        }
        async let clients = #expect(processExitsWith: .success) { [rendezvous = rendezvous as String] in
            do {
                try await ManyConnectionsTests.pingPong(Reliability.scaled(ManyConnectionsTests.connections), portAt: rendezvous)
            } catch {
                Reliability.fail(error)
            }
        }
        _ = await (server, clients)
    }

    static func raiseLimit(for count: Int) throws {
        let needed = count + 512
        let limit = Reliability.raiseDescriptorLimit(to: needed)
        guard limit >= needed else {
            throw Reliability.Failure("\(count) connections need \(needed) descriptors; the limit is \(limit) (ulimit -Hn)")
        }
    }

    /// The server: accepts `count` connections, holds them all, answers every ping with a
    /// pong, then closes them and checks that every descriptor came back once they are let
    /// go (a closed socket's number is freed with the socket: see `Socket.close`).
    static func serve(_ count: Int, publishingPortAt path: String) async throws {
        try raiseLimit(for: count)
        try await DescriptorLeakTests.warmUpAsync()
        let before = Reliability.openDescriptors()
        let beforeList = Reliability.describeDescriptors()
        var accepted = try await acceptAndServe(count, publishingPortAt: path, holding: before)
        // Each client resets after its last pong (the server keeps no TIME_WAIT either).
        for socket in accepted { try socket.close() }
        accepted.removeAll()
        let after = Reliability.openDescriptors()
        guard after == before else {
            throw Reliability.Failure("server: \(before) descriptors open before, \(after) after closing everything: before \(beforeList); after \(Reliability.describeDescriptors())")
        }
    }

    /// Accepts `count` connections on a listener of its own, serves every ping, and closes
    /// the listener; returns the connections, open.
    static func acceptAndServe(_ count: Int, publishingPortAt path: String, holding before: Int) async throws -> [Socket] {
        let listener = try Reliability.listener(.inet, backlog: 4096)
        guard case .inet(_, let port) = try listener.sockname() else { throw Reliability.Failure("no inet address") }
        try String(port).write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)

        let (accepted, served) = try await withThrowingTaskGroup(of: Int.self) { group in
            var accepted: [Socket] = []
            accepted.reserveCapacity(count)
            for _ in 0..<count {
                let socket = try await listener.accept(timeout: .seconds(120))
                accepted.append(socket)
                group.addTask {
                    for round in 0..<rounds {
                        let got = try await socket.recv(4, timeout: .seconds(120))
                        guard got == ping else { throw Reliability.Failure("round \(round): the server got \(got)") }
                        try await socket.send(pong, timeout: .seconds(60))
                    }
                    return rounds
                }
            }
            // Every connection is held at once: a descriptor each, and the listener.
            let open = Reliability.openDescriptors()
            guard open >= before + count + 1 else { throw Reliability.Failure("\(open) descriptors open holding \(count) connections") }
            var served = 0
            for try await rounds in group { served += rounds }
            return (accepted, served)
        }
        guard served == count * rounds else { throw Reliability.Failure("\(served) pings served; expected \(count * rounds)") }
        try listener.close()
        return accepted
    }

    /// The clients: `count` connections, all open before the first ping, then ping-pong on
    /// all of them at once.
    static func pingPong(_ count: Int, portAt path: String) async throws {
        try raiseLimit(for: count)
        let clock = ContinuousClock(), end = clock.now + .seconds(120)
        while !FileManager.default.fileExists(atPath: path) {
            guard clock.now < end else { throw Reliability.Failure("the server did not publish its port within 120 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port = UInt16(try String(contentsOfFile: path, encoding: .utf8)) else { throw Reliability.Failure("no port in \(path)") }
        let address = SocketAddress.inet(.loopback, port: port)
        try await DescriptorLeakTests.warmUpAsync()
        let before = Reliability.openDescriptors()

        // Connect in batches the listen queue holds.
        var clients: [Socket] = []
        clients.reserveCapacity(count)
        while clients.count < count {
            let batch = min(1000, count - clients.count)
            clients += try await withThrowingTaskGroup(of: Socket.self) { group in
                for _ in 0..<batch {
                    group.addTask {
                        let socket = try Socket.open(.inet, .stream)
                        try await socket.connect(to: address, timeout: .seconds(60))
                        return socket
                    }
                }
                var made: [Socket] = []
                for try await socket in group { made.append(socket) }
                return made
            }
        }
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in clients {
                group.addTask {
                    for round in 0..<rounds {
                        try await client.send(ping, timeout: .seconds(60))
                        let got = try await client.recv(4, timeout: .seconds(120))
                        guard got == pong else { throw Reliability.Failure("round \(round): a client got \(got)") }
                    }
                    return rounds
                }
            }
            var answered = 0
            for try await rounds in group { answered += rounds }
            return answered
        }
        guard answered == count * rounds else { throw Reliability.Failure("\(answered) pongs received; expected \(count * rounds)") }
        // A reset leaves no TIME_WAIT to hold 10,000 local ports for a minute.
        for client in clients {
            try client.setopt(.socket.linger, Linger.abort)
            try client.close()
        }
        clients.removeAll()
        let after = Reliability.openDescriptors()
        guard after == before else {
            throw Reliability.Failure("clients: \(before) descriptors open before, \(after) after closing everything: \(Reliability.describeDescriptors())")
        }
    }
}
