import Foundation
import OTPSocket
import SocketConstants
import Testing

/// What the peer does to a connection: an orderly close is `closed` for the reader and for
/// every reader queued behind it; a reset (`{linger, {true, 0}}` on the peer) is
/// `econnreset`.
@Suite struct PeerCloseTests {
    @Test func anOrderlyCloseReachesTheReaderAndEveryQueuedReader() async throws {
        let (listener, client, server) = try tcpPair()
        let current = Background { () throws(SocketError) in try server.recv(1) }
        #expect(await waitForReaders(server, 1))
        let queuedBlocking = Background { () throws(SocketError) in try server.recv(1) }
        #expect(await waitForReaders(server, 2))
        let queuedAsync = Task { try await server.recv(1) }
        #expect(await waitForReaders(server, 3))
        let mailbox = Mailbox()
        let info = try #require(try server.recv(1, select: .nowait(mailbox)).selectInfo)
        #expect(users(server).readers == 4)

        try client.close()
        #expect(await current.failure() == .closed)
        #expect(await queuedBlocking.failure() == .closed)
        #expect(await failure(of: queuedAsync) == .closed)
        guard case .abort(let socket, let handle, .closed)? = await receive(mailbox) else {
            Issue.record("the queued nowait reader got no abort"); return
        }
        #expect(socket == server)
        #expect(handle == info.handle)
        #expect(users(server).readers == 0)
        // The socket is still open; every later read says closed too.
        #expect(!server.isClosed)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(0) } == .closed)
        withExtendedLifetime(listener) {}
    }

    @Test func dataBeforeTheCloseIsDeliveredFirst() async throws {
        let (listener, client, server) = try tcpPair()
        try await client.send([1, 2, 3])
        try client.close()
        var received: [UInt8] = []
        let end = await reasonAsync { () async throws(SocketError) in
            while true { received += try await server.recv(0, timeout: .seconds(10)) }
        }
        #expect(received == [1, 2, 3])
        #expect(end == .closed)
        withExtendedLifetime(listener) {}
    }

    @Test func aNowaitReaderIsToldAndThenReadsClosed() async throws {
        let (listener, client, server) = try tcpPair()
        let mailbox = Mailbox()
        let info = try #require(try server.recv(0, select: .nowait(mailbox)).selectInfo)
        try client.close()
        #expect(await receive(mailbox, where: isSelect(info.handle)) != nil)
        #expect(reason { () throws(SocketError) in _ = try server.recv(0, select: .handle(info.handle)) } == .closed)
        withExtendedLifetime(listener) {}
    }

    @Test func shutdownWriteIsAnOrderlyCloseForThePeerOnly() async throws {
        let (listener, client, server) = try tcpPair()
        try client.shutdown(.write)
        #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(0, timeout: .seconds(10)) } == .closed)
        // The other direction still works.
        try await server.send([5])
        #expect(try await client.recv(1, timeout: .seconds(10)) == [5])
        withExtendedLifetime(listener) {}
    }

    @Test func aResetIsEconnresetInEveryStyle() async throws {
        for style in 0..<3 {
            let (listener, client, server) = try tcpPair()
            let mailbox = Mailbox()
            var info: SelectInfo?
            var blockingReader: Background<[UInt8]>?
            var asyncReader: Task<[UInt8], any Error>?
            switch style {
            case 0: blockingReader = Background { () throws(SocketError) in try server.recv(1) }
            case 1: asyncReader = Task { try await server.recv(1) }
            default: info = try server.recv(1, select: .nowait(mailbox)).selectInfo
            }
            #expect(await waitForReaders(server, 1))
            try client.setopt(.socket.linger, Linger(onoff: true, linger: 0))
            try client.close()
            let reset = SocketError.Reason.errno(.connectionReset)
            switch style {
            case 0: #expect(await blockingReader?.failure() == reset)
            case 1: #expect(await failure(of: try #require(asyncReader)) == reset)
            default:
                let handle = try #require(info?.handle)
                #expect(await receive(mailbox, where: isSelect(handle)) != nil)
                #expect(reason { () throws(SocketError) in _ = try server.recv(1, select: .handle(handle)) } == reset)
            }
            // After the reset is reported, the connection reads as closed.
            #expect(await reasonAsync { () async throws(SocketError) in _ = try await server.recv(1, timeout: .seconds(10)) } == .closed)
            withExtendedLifetime(listener) {}
        }
    }

    @Test func aWriterSeesTheResetToo() async throws {
        let (listener, client, server) = try tcpPair()
        try client.setopt(.socket.linger, Linger(onoff: true, linger: 0))
        try client.close()
        let outcome = try await blocking { () throws(SocketError) -> SocketError.Reason? in
            reason { () throws(SocketError) in
                for _ in 0..<100 { try server.send([1], timeout: .seconds(10)); usleep(1000) }
            }
        }
        #expect(outcome == .errno(.connectionReset) || outcome == .errno(.brokenPipe))
        withExtendedLifetime(listener) {}
    }
}
