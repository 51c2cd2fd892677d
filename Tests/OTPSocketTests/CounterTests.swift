import Foundation
@testable import OTPSocket
import SocketConstants
import Testing

/// Waits until `condition` holds, at most `timeout`; returns whether it did.
@discardableResult
func eventually(_ timeout: Duration = .seconds(2), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        Thread.sleep(forTimeInterval: 0.002)
    }
    return true
}

/// Two UDP sockets on 127.0.0.1.
func unconnectedUDPPair() throws -> (Socket, Socket) {
    let a = try Socket.open(.inet, .dgram)
    let b = try Socket.open(.inet, .dgram)
    try a.bind(.inet(.loopback, port: 0))
    try b.bind(.inet(.loopback, port: 0))
    return (a, b)
}

/// Counters named as `info/1` shows them, for comparing whole sets at once.
func named(_ counters: SocketCounters) -> [String: UInt64] {
    Dictionary(uniqueKeysWithValues: counters.named.map { ($0.name, $0.value) })
}

/// The counters `expected` names, the others zero.
func counters(_ expected: [String: UInt64]) -> [String: UInt64] {
    named(SocketCounters()).merging(expected) { $1 }
}

@Suite struct CounterTests {
    @Test func streamCountersAfterKnownTraffic() throws {
        let (listener, client, server) = try tcpPair()
        #expect(named(listener.info().counters) == counters(["acc_success": 1, "acc_tries": 1]))

        try client.send(Array(repeating: 7, count: 1000))
        #expect(named(client.info().counters) == counters(["write_byte": 1000, "write_pkg": 1, "write_pkg_max": 1000, "write_tries": 1]))
        #expect(eventually { server.info().readable })
        #expect(try server.recv(1000).count == 1000)
        #expect(named(server.info().counters) == counters(["read_byte": 1000, "read_pkg": 1, "read_pkg_max": 1000, "read_tries": 1]))

        // Nothing to read: one try, one wait, then the time-out fails the read.
        #expect(throws: SocketError.timeout) { try server.recv(10, timeout: .milliseconds(20)) }
        #expect(named(server.info().counters) == counters(["read_byte": 1000, "read_pkg": 1, "read_pkg_max": 1000,
                                                           "read_tries": 2, "read_waits": 1, "read_fails": 1]))

        // A nowait read that has to wait (unlike OTP, read_waits counts it), then completes.
        let mailbox = Mailbox()
        guard case .selected = try server.recv(10, select: .nowait(mailbox)) else { Issue.record("expected select"); return }
        #expect(server.info().counters.readWaits == 2)
        try client.send(Array(repeating: 1, count: 10))
        #expect(mailbox.receive(timeout: .seconds(2)) != nil)
        guard case .completed(let data) = try server.recv(10, select: .nowait(mailbox)) else { Issue.record("expected data"); return }
        #expect(data.count == 10)
        #expect(named(server.info().counters) == counters(["read_byte": 1010, "read_pkg": 2, "read_pkg_max": 1000,
                                                           "read_tries": 4, "read_waits": 2, "read_fails": 1]))
        #expect(named(client.info().counters) == counters(["write_byte": 1010, "write_pkg": 2, "write_pkg_max": 1000, "write_tries": 2]))

        // The peer closes: the read fails with `closed`, and counts as a failure.
        try client.close()
        #expect(eventually { server.info().readable })
        #expect(throws: SocketError.closed) { try server.recv(1) }
        #expect(named(server.info().counters) == counters(["read_byte": 1010, "read_pkg": 2, "read_pkg_max": 1000,
                                                           "read_tries": 5, "read_waits": 2, "read_fails": 2]))
        #expect(server.info().counters.wrapped.isEmpty)
    }

    @Test func datagramCountersCountEachDatagram() throws {
        let (a, b) = try unconnectedUDPPair()
        let destination = try b.sockname()
        for size in [10, 30, 20] { try a.sendto(Array(repeating: 1, count: size), to: destination) }
        #expect(named(a.info().counters) == counters(["write_byte": 60, "write_pkg": 3, "write_pkg_max": 30, "write_tries": 3]))
        var sizes: [Int] = []
        for _ in 0..<3 { sizes.append(try b.recvfrom(timeout: .seconds(2)).data.count) }
        #expect(sizes == [10, 30, 20])
        let read = b.info().counters
        #expect(read.readPkg == 3)
        #expect(read.readByte == 60)
        #expect(read.readPkgMax == 30)
        #expect(read.readFails == 0)
        // A datagram that had not arrived yet made its read wait once and try once more.
        #expect(read.readTries == read.readPkg + read.readWaits)
        // A zero-length datagram is a packet of no bytes.
        try a.sendto([], to: destination)
        #expect(try b.recvfrom(timeout: .seconds(2)).data.isEmpty)
        #expect(b.info().counters.readPkg == 4)
        #expect(b.info().counters.readByte == 60)
    }

    @Test func acceptCountersCountTriesWaitsAndFailures() throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        #expect(throws: SocketError.timeout) { try listener.accept(timeout: .zero) }
        #expect(named(listener.info().counters) == counters(["acc_tries": 1, "acc_fails": 1]))

        let mailbox = Mailbox()
        guard case .selected = try listener.accept(select: .nowait(mailbox)) else { Issue.record("expected select"); return }
        #expect(named(listener.info().counters) == counters(["acc_tries": 2, "acc_waits": 1, "acc_fails": 1]))
        let first = try Socket.open(.inet, .stream)
        try first.connect(to: listener.sockname())
        #expect(mailbox.receive(timeout: .seconds(2)) != nil)
        guard case .completed = try listener.accept(select: .nowait(mailbox)) else { Issue.record("expected a connection"); return }
        #expect(named(listener.info().counters) == counters(["acc_tries": 3, "acc_waits": 1, "acc_fails": 1, "acc_success": 1]))

        let second = try Socket.open(.inet, .stream)
        try second.connect(to: listener.sockname())
        #expect(eventually { listener.info().readable })
        _ = try listener.accept()
        #expect(named(listener.info().counters) == counters(["acc_tries": 4, "acc_waits": 1, "acc_fails": 1, "acc_success": 2]))
    }

    @Test func writesThatWaitForRoomAreCountedOnce() throws {
        let (_, client, server) = try tcpPair()
        try client.setopt(.socket.sndbuf, 4096)
        let total = 1 << 20
        let mailbox = Mailbox()
        nonisolated(unsafe) var received = 0
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while received < total, let data = try? server.recv(0, timeout: .seconds(5)) { received += data.count }
            drained.signal()
        }
        var rest = [UInt8](repeating: 0x5a, count: total)
        var attempts = 0, progressed = 0
        sending: while true {
            attempts += 1
            switch try client.send(rest, select: .nowait(mailbox)) {
            case .completed:
                progressed += 1
                break sending
            case .partial(_, let left):
                progressed += 1
                rest = left
            case .selected:
                break
            }
            let counted = client.info().counters
            #expect(counted.writeByte == UInt64(total - rest.count))
            #expect(counted.writeWaits == UInt64(attempts))
            #expect(mailbox.receive(timeout: .seconds(5)) != nil)
        }
        #expect(drained.wait(timeout: .now() + 5) == .success)
        let final = client.info().counters
        #expect(attempts > 1, "a 1 MiB send through a 4 KiB send buffer has to wait")
        #expect(final.writeByte == UInt64(total))
        // Room that appears between a failed try and the wait makes the call try again at once.
        #expect(final.writeTries >= UInt64(attempts))
        #expect(final.writeWaits == UInt64(attempts - 1))
        #expect(final.writeFails == 0)
        #expect(final.writePkg >= UInt64(progressed))
        #expect(final.writePkgMax > 0 && final.writePkgMax <= UInt64(total))
        #expect(received == total)
        #expect(server.info().counters.readByte == UInt64(total))
    }

    @Test func countersReportWrapAround() throws {
        let (a, b) = try unconnectedUDPPair()
        a.withLock { state in
            let rare = state.makeRare()
            rare.counters.writeByte = .max - 5
            rare.counters.writeTries = .max
        }
        try a.sendto(Array(repeating: 0, count: 10), to: b.sockname())
        let wrapped = a.info().counters
        #expect(wrapped.writeByte == 4)
        #expect(wrapped.writeTries == 0)
        #expect(wrapped.writePkg == 1)
        #expect(wrapped.wrapped == ["write_byte", "write_tries"])
        #expect(b.info().counters.wrapped.isEmpty)
    }

    @Test func sendfileCountersAppearOnlyOnceUsed() throws {
        let (a, _) = try unconnectedUDPPair()
        let names = a.info().counters.named.map(\.name)
        #expect(names == ["read_byte", "read_fails", "read_pkg", "read_pkg_max", "read_tries", "read_waits",
                          "write_byte", "write_fails", "write_pkg", "write_pkg_max", "write_tries", "write_waits",
                          "acc_success", "acc_fails", "acc_tries", "acc_waits"])
    }
}
