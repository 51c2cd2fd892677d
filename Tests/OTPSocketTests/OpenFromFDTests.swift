import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Erlang `open(FD, Opts)`: a socket from a descriptor the caller made, duplicated or taken
/// over, with domain, type and protocol read from the kernel.
@Suite struct OpenFromFDTests {
    @Test func withDupTheCallersDescriptorStaysTheirs() throws {
        let fd = Glibc.socket(Native.AF_INET, Native.SOCK_STREAM, 0)
        try #require(fd >= 0)
        defer { close(fd) }
        let socket = try Socket.open(fd: fd)
        #expect(socket.domain == .inet)
        #expect(socket.type == .stream)
        #expect(socket.protocol == .tcp)
        #expect(socket.creation == .fromFDDup(fd))
        let own = try #require(socket.fd)
        #expect(own != fd)
        #expect(fcntl(own, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(own, F_GETFD) & FD_CLOEXEC != 0)
        let target = try socketTarget(socket)
        #expect(descriptorTarget(fd) == target)  // the same socket, two descriptors
        try socket.close()
        #expect(descriptorTarget(fd) == target)  // the caller's is still open
        #expect(descriptorsReferring(to: target) == 1)
    }

    @Test func withoutDupTheSocketTakesTheDescriptorOver() throws {
        let fd = Glibc.socket(Native.AF_INET6, Native.SOCK_DGRAM, 0)
        try #require(fd >= 0)
        let target = try #require(descriptorTarget(fd))
        let socket = try Socket.open(fd: fd, options: OpenOptions(dup: false))
        #expect(socket.fd == fd)
        #expect(socket.creation == .fromFD)
        #expect(socket.domain == .inet6)
        #expect(socket.type == .dgram)
        #expect(socket.protocol == .udp)
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        try socket.close()
        #expect(descriptorsReferring(to: target) == 0)
    }

    @Test func anAdoptedSocketWorksInEveryStyle() async throws {
        var pair: [Int32] = [-1, -1]
        try #require(socketpair(Native.AF_LOCAL, Native.SOCK_STREAM, 0, &pair) == 0)
        let a = try Socket.open(fd: pair[0], options: OpenOptions(dup: false))
        let b = try Socket.open(fd: pair[1], options: OpenOptions(dup: false))
        #expect(a.domain == .local)
        try await a.send([1, 2])
        #expect(try await b.recv(2) == [1, 2])
        let mailbox = Mailbox()
        let info = try #require(try b.recv(1, select: .nowait(mailbox)).selectInfo)
        try await a.send([3])
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        guard case .completed([3]) = try b.recv(1, select: .handle(info.handle)) else {
            Issue.record("no data"); return
        }
    }

    @Test func aListeningDescriptorKeepsListening() async throws {
        let fd = Glibc.socket(Native.AF_INET, Native.SOCK_STREAM, 0)
        try #require(fd >= 0)
        let adopted = try Socket.open(fd: fd, options: OpenOptions(dup: false))
        try adopted.bind(.inet(.loopback, port: 0))
        try adopted.listen()
        let client = try Socket.open(.inet, .stream)
        try await client.connect(to: adopted.sockname())
        #expect(try await adopted.accept().peername() == client.sockname())
    }

    @Test func whatIsNotASocketIsRefusedAndNothingLeaks() throws {
        var pipeEnds: [Int32] = [-1, -1]
        try #require(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        // Both ends are "pipe:[INODE]": count the descriptors that name this pipe.
        let target = try #require(descriptorTarget(pipeEnds[0]))
        #expect(descriptorsReferring(to: target) == 2)
        #expect(reason { () throws(SocketError) in _ = try Socket.open(fd: pipeEnds[0]) } == .errno(.notSocket))
        #expect(descriptorsReferring(to: target) == 2)  // the duplicate was closed again
        #expect(isOpen(pipeEnds[0]))
        #expect(reason { () throws(SocketError) in _ = try Socket.open(fd: -1) } == .invalid("fd -1"))
        #expect(reason { () throws(SocketError) in _ = try Socket.open(fd: 1_000_000) } == .errno(.badFileDescriptor))
    }

    @Test func aDomainOrTypeNoKernelHasIsInvalidAndLeavesNoDuplicate() throws {
        let fd = Glibc.socket(Native.AF_INET, Native.SOCK_DGRAM, 0)
        try #require(fd >= 0)
        defer { Glibc.close(fd) }
        let before = openDescriptors()
        #expect(reason { () throws(SocketError) in _ = try Socket.open(fd: fd, options: OpenOptions(domain: Domain(rawValue: 4242))) } == .invalid("domain 4242"))
        #expect(reason { () throws(SocketError) in _ = try Socket.open(fd: fd, options: OpenOptions(type: SocketType(rawValue: 300))) } == .invalid("type 300"))
        // No new number (one an earlier test's socket released meanwhile may be gone).
        #expect(openDescriptors().subtracting(before).isEmpty)
        // A type with creation flags is its base type, as for `open`.
        let typed = try Socket.open(fd: fd, options: OpenOptions(type: SocketType(rawValue: Native.SOCK_DGRAM | Native.SOCK_CLOEXEC)))
        #expect(typed.type == .dgram)
        try typed.close()
    }

    @Test func optionsFillInWhatTheCallerSays() throws {
        let fd = Glibc.socket(Native.AF_INET, Native.SOCK_DGRAM, 0)
        try #require(fd >= 0)
        let socket = try Socket.open(fd: fd, options: OpenOptions(dup: false, protocol: .udp))
        #expect(socket.protocol == .udp)
        #expect(socket.type == .dgram)
    }
}
