import Foundation
@testable import OTPSocket
import SocketConstants
import Testing

/// A socket's descriptor joins the reactor when its first nowait or async operation has to
/// wait. Its reader and its writer may both be that first one at once.
@Suite struct ReactorRegistrationTests {
    /// The reactor's side: a second registration of a registered descriptor is told so (the
    /// first token already hands every edge to the socket), not failed with `eexist`.
    @Test func registeringARegisteredDescriptorAgainKeepsTheFirstToken() throws {
        let (listener, client, server) = try tcpPair()
        let fd = try #require(client.fd)
        let first = try Reactor.shared.register(client, fd: fd, for: .readable).get()
        #expect(first != nil)
        #expect(try Reactor.shared.register(client, fd: fd, for: .readable).get() == nil)
        // The socket never stored the token: take it out before the socket can go.
        if let first { Reactor.shared.deregister(token: first, fd: fd) }
        withExtendedLifetime((listener, server)) {}
    }

    /// A reader that finds no data and a writer that finds the send buffer full, started
    /// together on a socket that never waited before, both register it: both must wait and
    /// complete. Many rounds, so that the two registrations overlap in some of them.
    @Test func aReaderAndAWriterWaitingForTheFirstTimeAtOnceBothComplete() async throws {
        for round in 0..<300 {
            let (listener, client, server, filled) = try Self.pairWithAFullSendBuffer()
            let reader = Task { await reasonAsync { () async throws(SocketError) in _ = try await client.recv(1, timeout: .seconds(10)) } }
            let writer = Task { await reasonAsync { () async throws(SocketError) in try await client.send([9], timeout: .seconds(10)) } }
            #expect(await eventually { users(client).readers == 1 && users(client).writers == 1 }, "round \(round)")
            try await server.send([1])
            let drained = try await server.recv(filled + 1, timeout: .seconds(10))
            #expect(drained.count == filled + 1, "round \(round)")
            #expect(await reader.value == nil, "round \(round): the reader")
            #expect(await writer.value == nil, "round \(round): the writer")
            try client.close()
            try server.close()
            try listener.close()
        }
    }

    /// A connected unix stream pair whose client has a full send buffer (filled by blocking
    /// sends with time-out zero, which never touch the reactor), and what it holds.
    static func pairWithAFullSendBuffer() throws -> (Socket, Socket, Socket, Int) {
        let listener = try Socket.open(.local, .stream)
        try listener.bind(abstractAddress())
        try listener.listen()
        let client = try Socket.open(.local, .stream)
        try client.connect(to: listener.sockname())
        let server = try listener.accept()
        return (listener, client, server, try Reliability.fill(client))
    }
}
