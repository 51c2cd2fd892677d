import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Unix-domain sockets: paths as bytes with the terminating zero handled, Linux abstract
/// addresses passed through untouched, and every socket type.
@Suite struct LocalSocketTests {
    func temporaryPath(_ name: String = "s") throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("otp-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    @Test func streamOverAFileSystemPath() async throws {
        let path = try temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let listener = try Socket.open(.local, .stream)
        try listener.bind(.local(path: path))
        try listener.listen()
        // The terminating zero is stripped on the way out.
        #expect(try listener.sockname() == .local(Array(path.utf8)))
        let client = try Socket.open(.local, .stream)
        try await client.connect(to: .local(path: path))
        let server = try await listener.accept()
        #expect(try client.peername() == .local(Array(path.utf8)))
        #expect(try server.peername() == .local([]))  // an unbound client has no name
        try await client.send([1, 2, 3])
        #expect(try await server.recv(3) == [1, 2, 3])
        #expect(listener.domain == .local)
    }

    @Test func abstractAddressesPassThroughUntouched() async throws {
        let address = abstractAddress()
        guard case .local(let bytes) = address else { return }
        #expect(bytes.first == 0)
        let listener = try Socket.open(.local, .stream)
        try listener.bind(address)
        try listener.listen()
        #expect(try listener.sockname() == address)
        let client = try Socket.open(.local, .stream)
        try await client.connect(to: address)
        #expect(try client.peername() == address)
        let server = try await listener.accept()
        try await server.send([9])
        #expect(try await client.recv(1) == [9])
        #expect(address.description.hasPrefix("@"))
    }

    @Test func abstractNamesMayContainZeroBytesAndFillThePath() throws {
        let unique = Array("otp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))".utf8)
        let withZeros = SocketAddress.local([0] + unique + [0, 1, 0])
        let a = try Socket.open(.local, .dgram)
        try a.bind(withZeros)
        #expect(try a.sockname() == withZeros)
        // 108 bytes: all of sun_path, no terminating zero needed.
        let full = SocketAddress.local([0] + unique + [UInt8](repeating: 0x41, count: 107 - unique.count))
        let b = try Socket.open(.local, .dgram)
        try b.bind(full)
        #expect(try b.sockname() == full)
    }

    @Test func aPathTooLongIsInvalid() throws {
        let socket = try Socket.open(.local, .stream)
        let tooLong = String(repeating: "x", count: 108)
        #expect(reason { () throws(SocketError) in try socket.bind(.local(path: tooLong)) } == .invalid("local path of 108 bytes is longer than 107"))
        #expect(reason { () throws(SocketError) in try socket.bind(.local([0] + [UInt8](repeating: 1, count: 108))) } == .invalid("local path of 109 bytes is longer than 108"))
        // 107 bytes fit: the kernel, not the encoder, refuses a directory that is not there.
        #expect(reason { () throws(SocketError) in try socket.bind(.local(path: "/nonexistent/" + String(repeating: "y", count: 94))) } == .errno(.noSuchFileOrDirectory))
        #expect(reason { () throws(SocketError) in try socket.bind(.local([0x2f, 0, 0x61])) } == .invalid("local path contains a NUL byte"))
    }

    @Test func datagramsBetweenNamedAndUnnamedSockets() async throws {
        let address = abstractAddress()
        let receiver = try Socket.open(.local, .dgram)
        try receiver.bind(address)
        let sender = try Socket.open(.local, .dgram)
        try await sender.sendto([1, 2], to: address)
        let (source, data) = try await receiver.recvfrom(timeout: .seconds(10))
        #expect(data == [1, 2])
        // An unbound sender has no address at all (length 0): unspec, as OTP says.
        #expect(source == .unspec([]))
        try await sender.sendto([], to: address)
        #expect(try await receiver.recv(0, timeout: .seconds(10)) == [])
    }

    @Test func seqpacketKeepsMessageBoundaries() async throws {
        let address = abstractAddress()
        let listener = try Socket.open(.local, .seqpacket)
        try listener.bind(address)
        try listener.listen()
        let client = try Socket.open(.local, .seqpacket)
        try await client.connect(to: address)
        let server = try await listener.accept()
        try await client.send([1, 2])
        try await client.send([3])
        #expect(try await server.recv(0, timeout: .seconds(10)) == [1, 2])
        #expect(try await server.recv(0, timeout: .seconds(10)) == [3])
        #expect(server.type == .seqpacket)
    }

    @Test func nowaitAndAsyncOverUnixSockets() async throws {
        let address = abstractAddress()
        let listener = try Socket.open(.local, .stream)
        try listener.bind(address)
        try listener.listen()
        let mailbox = Mailbox()
        let info = try #require(try listener.accept(select: .nowait(mailbox)).selectInfo)
        let client = try Socket.open(.local, .stream)
        // A unix connect finishes inside connect(2).
        guard case .completed = try client.connect(to: address, select: .nowait(Mailbox())) else {
            Issue.record("a unix connect waited"); return
        }
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        guard case .completed(let server) = try listener.accept(select: .handle(info.handle)) else {
            Issue.record("no connection"); return
        }
        async let reply = client.recv(2, timeout: .seconds(5))
        try await server.send([4, 5])
        #expect(try await reply == [4, 5])
    }

    @Test func connectingToNobodyIsRefused() async throws {
        let client = try Socket.open(.local, .stream)
        #expect(await reasonAsync { () async throws(SocketError) in try await client.connect(to: abstractAddress()) } == .errno(.connectionRefused))
    }
}
