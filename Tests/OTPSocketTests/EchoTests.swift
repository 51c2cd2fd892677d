import OTPSocket
import SocketConstants
import Testing
import Foundation

@Suite struct EchoTests {
    @Test func blockingEchoOverLoopback() throws {
        let (_, client, server) = try tcpPair()
        try client.send(Array("hello".utf8))
        let got = try server.recv(5)
        #expect(got == Array("hello".utf8))
        try server.send(got)
        #expect(try client.recv(5, timeout: .seconds(10)) == Array("hello".utf8))
    }

    @Test func nowaitRecvSelectsThenDelivers() throws {
        let (_, client, server) = try tcpPair()
        let mailbox = Mailbox()
        guard case .selected(let info) = try server.recv(4, select: .nowait(mailbox)) else {
            Issue.record("expected select"); return
        }
        try client.send([1, 2, 3, 4])
        let message = mailbox.receive(timeout: .seconds(10))
        guard case .select(let socket, let handle)? = message else { Issue.record("no select message: \(String(describing: message))"); return }
        #expect(socket == server)
        #expect(handle == info.handle)
        guard case .completed(let data) = try server.recv(4, select: .nowait(mailbox)) else { Issue.record("expected data"); return }
        #expect(data == [1, 2, 3, 4])
    }

    @Test func asyncEcho() async throws {
        let (_, client, server) = try tcpPair()
        async let received = server.recv(3)
        try await Task.sleep(for: .milliseconds(20))
        try await client.send([9, 8, 7])
        #expect(try await received == [9, 8, 7])
    }

    @Test func recvTimesOutWithPartialData() throws {
        let (_, client, server) = try tcpPair()
        try client.send([1, 2])
        do {
            _ = try server.recv(4, timeout: .milliseconds(50))
            Issue.record("expected timeout")
        } catch {
            #expect(error.reason == .timeout)
            #expect(error.received == [1, 2])
        }
    }

    @Test func closeFromAnotherThreadWakesBlockedReader() throws {
        let (_, _, server) = try tcpPair()
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: SocketError?
        Thread.detachNewThread {
            do throws(SocketError) { _ = try server.recv(1) } catch { outcome = error }
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.05)
        try server.close()
        #expect(done.wait(timeout: .now() + 2) == .success)
        #expect(outcome?.reason == .closed)
    }

    @Test func setoptAndGetopt() throws {
        let socket = try Socket.open(.inet, .stream)
        try socket.setopt(.socket.rcvbuf, 65536)
        #expect(try socket.getopt(.socket.rcvbuf) == 131072)
        try socket.setopt(.tcp.nodelay, true)
        #expect(try socket.getopt(.tcp.nodelay) == true)
        #expect(throws: SocketError.self) { try socket.setopt(.socket.acceptfilter, []) }
    }
}
