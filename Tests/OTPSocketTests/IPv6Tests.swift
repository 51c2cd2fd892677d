import Foundation
import OTPSocket
import SocketConstants
import Testing

/// IPv6 on ::1 (the manual: "implemented but not tested"; here it is tested).
@Suite struct IPv6Tests {
    @Test func streamEchoOnLoopback() async throws {
        let listener = try Socket.open(.inet6, .stream)
        try listener.bind(.inet6(.loopback, port: 0))
        try listener.listen()
        let address = try listener.sockname()
        guard case .inet6(.loopback, let port, 0, 0) = address else {
            Issue.record("sockname \(address)"); return
        }
        #expect(port != 0)
        #expect(listener.protocol == .tcp)
        let client = try Socket.open(.inet6, .stream)
        try await client.connect(to: address)
        let server = try await listener.accept()
        #expect(try server.peername() == client.sockname())
        try await client.send([1, 2, 3])
        #expect(try await server.recv(3) == [1, 2, 3])
        try await server.send([4])
        #expect(try await client.recv(1) == [4])
    }

    @Test func datagramsCarryTheirIPv6Source() async throws {
        let a = try Socket.open(.inet6, .dgram)
        let b = try Socket.open(.inet6, .dgram)
        try a.bind(.inet6(.loopback, port: 0))
        try b.bind(.inet6(.loopback, port: 0))
        try await a.sendto([7, 7], to: b.sockname())
        let (source, data) = try await b.recvfrom(timeout: .seconds(10))
        #expect(data == [7, 7])
        #expect(source == (try a.sockname()))
        #expect(source.description.hasPrefix("[::1]:"))
    }

    @Test func nowaitAndTimeoutsOnIPv6() async throws {
        let listener = try Socket.open(.inet6, .stream)
        try listener.bind(.inet6(.loopback, port: 0))
        try listener.listen()
        let mailbox = Mailbox()
        let info = try #require(try listener.accept(select: .nowait(mailbox)).selectInfo)
        let client = try Socket.open(.inet6, .stream)
        try await client.connect(to: listener.sockname(), timeout: .seconds(10))
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        guard case .completed(let server) = try listener.accept(select: .handle(info.handle)) else {
            Issue.record("no connection"); return
        }
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1, timeout: .milliseconds(10)) } == .timeout)
    }

    @Test func anIPv4MappedPeerOnADualStackSocket() async throws {
        let listener = try Socket.open(.inet6, .stream)
        try listener.setopt(.ipv6.v6only, false)
        try listener.bind(.inet6(.any, port: 0))
        try listener.listen()
        let port = try #require(try listener.sockname().port)
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: .inet(.loopback, port: port))
        let server = try await listener.accept()
        #expect(try server.peername() == .inet6(IPv6Address(mapping: .loopback), port: try #require(try client.sockname().port)))
    }
}
