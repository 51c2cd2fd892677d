@testable import OTPSocket
import SocketConstants
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `sendfile` of a file bigger than the socket's buffers, with every timeout kind, offsets
/// and counts, the continuation, the fallback and the counters.
@Suite struct SendfileTests {
    /// 2 MiB: many times a 16 KiB send buffer (the kernel doubles the 8 KiB asked for).
    static let size = 2 * 1024 * 1024
    static let content = Fixtures.pattern(size, seed: 3)

    /// A connected TCP pair whose sender has a small send buffer, and a file of `content`.
    func setUp() throws -> (client: Socket, server: Socket, path: String) {
        let (client, server) = try Fixtures.tcpPair()
        try client.setopt(.socket.sndbuf, 8192)
        return (client, server, try Fixtures.file(Self.content))
    }

    func counters(_ socket: Socket) -> SocketCounters { socket.withLock { $0.counters } }

    @Test func blockingSendsTheWholeFileAndCountsIt() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: Self.size)
        #expect(try client.sendfile(.path(path)) == Self.size)
        #expect(drain.join() == Self.content)
        let counted = counters(client)
        #expect(counted.sendfileUsed)
        #expect(counted.sendfile == 1)
        #expect(counted.sendfileByte == UInt64(Self.size))
        #expect(counted.sendfileMax == UInt64(Self.size))
        // A blocking sendfile sleeps in the kernel, as C's does: it may move the whole file in
        // one call and never waits in user space.
        #expect(counted.sendfilePkg >= 1)
        #expect(counted.sendfileWaits == 0)
        #expect(counted.sendfilePkgMax <= UInt64(Self.size))
        #expect(counted.sendfilePkgMax * counted.sendfilePkg >= UInt64(Self.size))
        #expect(counted.writeByte == 0)
        #expect(counted.named.contains { $0.name == "sendfile_byte" && $0.value == UInt64(Self.size) })
    }

    @Test func aDurationLongEnoughSendsAllAndADescriptorKeepsItsPosition() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let fd = try Socket.openPath(path)
        defer { close(fd) }
        let drain = Fixtures.Drain(server, count: Self.size)
        #expect(try client.sendfile(.descriptor(fd), timeout: .seconds(20)) == Self.size)
        #expect(drain.join() == Self.content)
        #expect(lseek(fd, 0, SEEK_CUR) == 0)
    }

    @Test func aDurationTimesOutWithTheBytesSent() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        do {
            _ = try client.sendfile(.path(path), timeout: .milliseconds(50))
            Issue.record("2 MiB went into a socket nobody reads")
        } catch {
            #expect(error.reason == .timeout)
            let sent = try #require(error.bytesSent)
            #expect(sent > 0 && sent < Self.size)
            #expect(counters(client).sendfileFails == 1)
            // Exactly those bytes arrived.
            let drain = Fixtures.Drain(server, count: sent)
            #expect(drain.join() == Array(Self.content[0..<sent]))
        }
    }

    @Test func zeroSendsWhatFitsAndTheCallerGoesOn() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: Self.size)
        var offset = 0, timeouts = 0
        while offset < Self.size {
            do {
                offset += try client.sendfile(.path(path), offset: Int64(offset), timeout: .zero)
            } catch {
                #expect(error.reason == .timeout)
                offset += error.bytesSent ?? 0
                timeouts += 1
                usleep(1000)
            }
        }
        #expect(offset == Self.size)
        #expect(timeouts > 0)
        #expect(drain.join() == Self.content)
    }

    /// Goes on after each select message until the file is sent.
    func sendInTurns(_ client: Socket, _ path: String, mode: SelectMode) throws -> Int {
        let mailbox = switch mode { case .nowait(let m): m; case .handle(let h): h.mailbox }
        var offset = 0, turns = 0
        var result = try client.sendfile(.path(path), select: mode)
        while true {
            switch result {
            case .completed(let sent):
                offset += sent
                #expect(offset == Self.size)
                return turns
            case .selected(let info), .partial(let info, _):
                if case .partial(_, let sent) = result { offset += sent }
                #expect(info.tag == .sendfile)
                if case .handle(let mine) = mode { #expect(info.handle == mine) }
                turns += 1
                let message = try #require(mailbox.receive(timeout: .seconds(10)))
                #expect(message.handle == info.handle)
                result = try client.sendfile(continuing: info, .path(path), offset: Int64(offset), select: .handle(info.handle))
            }
        }
    }

    @Test func nowaitGoesOnAfterEachSelectMessage() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: Self.size, delay: .milliseconds(10))
        #expect(try sendInTurns(client, path, mode: .nowait(Mailbox())) > 0)
        #expect(drain.join() == Self.content)
        #expect(counters(client).sendfileByte == UInt64(Self.size))
    }

    @Test func aSelectHandleGoesOnAfterEachSelectMessage() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: Self.size, delay: .milliseconds(10))
        let mailbox = Mailbox()  // a handle does not keep its mailbox alive: this does
        defer { withExtendedLifetime(mailbox) {} }
        #expect(try sendInTurns(client, path, mode: .handle(SelectHandle(mailbox: mailbox))) > 0)
        #expect(drain.join() == Self.content)
    }

    @Test func aBlockingContinuationFinishesANowaitSendfile() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let first = try client.sendfile(.path(path), select: .nowait(Mailbox()))
        guard case .partial(let info, let sent) = first else { Issue.record("expected partial: \(first)"); return }
        let drain = Fixtures.Drain(server, count: Self.size)
        #expect(try client.sendfile(continuing: info, .path(path), offset: Int64(sent)) == Self.size - sent)
        #expect(drain.join() == Self.content)
    }

    @Test func asyncSendsTheWholeFile() async throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: Self.size)
        #expect(try await client.sendfile(.path(path), timeout: .seconds(20)) == Self.size)
        #expect(drain.join() == Self.content)
        await #expect(throws: SocketError.self) { try await client.sendfile(.path(path + ".missing")) }
    }

    @Test func offsetAndCountSelectTheBytes() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        #expect(try client.sendfile(.path(path), offset: 1000, count: 5000) == 5000)
        #expect(try server.recv(5000, timeout: .seconds(2)) == Array(Self.content[1000..<6000]))
        // A count past the end of the file sends what there is.
        #expect(try client.sendfile(.path(path), offset: Int64(Self.size - 10), count: 100) == 10)
        #expect(try server.recv(10, timeout: .seconds(2)) == Array(Self.content.suffix(10)))
        // An offset at the end sends nothing.
        #expect(try client.sendfile(.path(path), offset: Int64(Self.size)) == 0)
    }

    @Test func badArgumentsAreInvalid() throws {
        let (client, _, path) = try setUp()
        defer { Fixtures.remove(path) }
        #expect(throws: SocketError.invalid("offset -1")) { try client.sendfile(.path(path), offset: -1) }
        #expect(throws: SocketError.invalid("count -1")) { try client.sendfile(.path(path), count: -1) }
        #expect(throws: SocketError.invalid("file descriptor -1")) { try client.sendfile(.descriptor(-1)) }
        #expect(throws: SocketError.errno(.noSuchFileOrDirectory)) { try client.sendfile(.path(path + ".missing")) }
    }

    @Test func theFallbackReadsAndSendsTheSameBytes() throws {
        let (client, server, path) = try setUp()
        defer { Fixtures.remove(path) }
        let drain = Fixtures.Drain(server, count: Self.size - 7)
        #expect(try client.sendfile(.path(path), offset: 7, count: 0, timeout: nil, useSyscall: false) == Self.size - 7)
        #expect(drain.join() == Array(Self.content[7...]))
        #expect(counters(client).sendfileByte == UInt64(Self.size - 7))
        // And with nowait: it selects when the socket is full.
        let second = try client.sendfile(.path(path), offset: 0, count: 0, select: .nowait(Mailbox()), useSyscall: false)
        #expect(second.selectInfo != nil)
        if let info = second.selectInfo { try client.cancel(info) }
    }

    @Test func linuxHasSendfile() {
        #expect(Socket.supportsSendfile == (SpecTables.currentTriple.contains("linux")))
    }
}
