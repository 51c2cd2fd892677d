import Foundation
import OTPSocket
import SocketConstants
import Testing

/// `bind`, `listen`, `sockname`, `peername` and `shutdown`, and what the kernel says when
/// they are used out of order.
@Suite struct LifecycleTests {
    @Test func bindToAnEphemeralPortAndReadItBack() throws {
        let socket = try Socket.open(.inet, .stream)
        #expect(try socket.sockname() == .inet(.any, port: 0))
        try socket.bind(.inet(.loopback, port: 0))
        let name = try socket.sockname()
        #expect(name.port != 0 && name.port != nil)
        #expect(reason { () throws(SocketError) in try socket.bind(.inet(.loopback, port: 0)) } == .errno(.invalidArgument))
    }

    @Test func listenAcceptsABacklog() async throws {
        let socket = try Socket.open(.inet, .stream)
        try socket.bind(.inet(.loopback, port: 0))
        try socket.listen(backlog: 128)
        #expect(reason { () throws(SocketError) in try socket.listen(backlog: -1) } == .invalid("backlog -1"))
        let udp = try Socket.open(.inet, .dgram)
        #expect(reason { () throws(SocketError) in try udp.listen() } == .errno(.notSupported))
        // listen without bind picks an ephemeral port.
        let unbound = try Socket.open(.inet, .stream)
        try unbound.listen()
        #expect(try unbound.sockname().port != 0)
    }

    @Test func peernameOfAnUnconnectedSocketIsEnotconn() throws {
        let socket = try Socket.open(.inet, .stream)
        #expect(reason { () throws(SocketError) in _ = try socket.peername() } == .errno(.socketNotConnected))
        #expect(reason { () throws(SocketError) in try socket.shutdown(.readWrite) } == .errno(.socketNotConnected))
    }

    @Test func shutdownReadMakesReadsEnd() async throws {
        let (listener, client, server) = try tcpPair()
        try server.shutdown(.read)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1, timeout: .seconds(10)) } == .closed)
        // Writing still works.
        try await server.send([1])
        #expect(try await client.recv(1, timeout: .seconds(10)) == [1])
        withExtendedLifetime(listener) {}
    }

    @Test func shutdownWriteMakesWritesFail() async throws {
        let (listener, client, server) = try tcpPair()
        try server.shutdown(.write)
        #expect(await reasonAsync { () async throws(SocketError) in try await server.send([1]) } == .errno(.brokenPipe))
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await client.recv(1, timeout: .seconds(10)) } == .closed)
        try await client.send([2])
        #expect(try await server.recv(1, timeout: .seconds(10)) == [2])
        withExtendedLifetime(listener) {}
    }

    @Test func shutdownWakesABlockedReader() async throws {
        // Shutting down our own read side ends a read waiting in another thread.
        let (listener, client, server) = try tcpPair()
        let reader = Background { () throws(SocketError) in try server.recv(1) }
        #expect(await waitForReaders(server, 1))
        try server.shutdown(.read)
        #expect(await reader.failure() == .closed)
        withExtendedLifetime((listener, client)) {}
    }

    @Test func theManualsEchoExample() async throws {
        // The client and server of the manual's example, with shutdown(write) as the end.
        let listener = try Socket.open(.inet, .stream, .tcp)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let address = try listener.sockname()
        let server = Task {
            let socket = try await listener.accept()
            let message = try await socket.recv()
            try await socket.send(message)
            try socket.close()
        }
        let client = try Socket.open(.inet, .stream, .tcp)
        try await client.connect(to: address)
        try await client.send(Array("hello".utf8))
        try client.shutdown(.write)
        #expect(try await client.recv() == Array("hello".utf8))
        try client.close()
        try await server.value
        try listener.close()
    }
}
