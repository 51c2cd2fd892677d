import Foundation
import OTPSocket
import SocketConstants
import Testing

// The examples of Docs/Core.md, verbatim: compiled here, run below, and compared with the
// page by `theExamplesAreThoseOfThePage`. Sync and async functions of one name coexist, as
// `recv` does; a call picks by its context.

// MARK: Echo, blocking style

func echoServer(_ listener: Socket) throws(SocketError) {
    let connection = try listener.accept()
    defer { try? connection.close() }
    while let data = try? connection.recv() {
        try connection.send(data)
    }
}

func echoClient(_ server: SocketAddress, _ message: [UInt8]) throws(SocketError) -> [UInt8] {
    let socket = try Socket.open(.inet, .stream)
    defer { try? socket.close() }
    try socket.connect(to: server)
    try socket.send(message)
    return try socket.recv(message.count, timeout: .seconds(5))
}

// MARK: Echo, async style

func echoServer(_ listener: Socket) async throws(SocketError) {
    while true {
        let connection = try await listener.accept()  // task cancellation ends the loop
        Task {
            defer { try? connection.close() }
            while let data = try? await connection.recv() { try? await connection.send(data) }
        }
    }
}

func echoClient(_ server: SocketAddress, _ message: [UInt8]) async throws(SocketError) -> [UInt8] {
    let socket = try Socket.open(.inet, .stream)
    defer { try? socket.close() }
    try await socket.connect(to: server)
    try await socket.send(message)
    return try await socket.recv(message.count, timeout: .seconds(5))
}

// MARK: One mailbox, many sockets

func firstToSpeak(_ sockets: [Socket], mailbox: Mailbox) throws(SocketError) -> (Socket, [UInt8]) {
    var pending: [(Socket, SelectInfo)] = []
    defer { for (socket, info) in pending { try? socket.cancel(info) } }  // unlock the others
    for socket in sockets {
        switch try socket.recv(0, select: .nowait(mailbox)) {
        case .completed(let data): return (socket, data)
        case .selected(let info), .partial(let info, _): pending.append((socket, info))
        }
    }
    guard case .select(let socket, let handle)? = mailbox.receive(timeout: .seconds(5)) else { throw .timeout }
    guard case .completed(let data) = try socket.recv(0, select: .handle(handle)) else { throw .timeout }
    return (socket, data)
}

@Suite struct DocsExampleTests {
    @Test func theBlockingEcho() async throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let address = try listener.sockname()
        let server = Background { () throws(SocketError) in try echoServer(listener) }
        let reply = try await blocking { () throws(SocketError) in try echoClient(address, Array("hello".utf8)) }
        #expect(reply == Array("hello".utf8))
        _ = try await server.value()
    }

    @Test func theAsyncEcho() async throws {
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        let address = try listener.sockname()
        let server = Task { try await echoServer(listener) }
        for word in ["one", "two", "three"] {
            #expect(try await echoClient(address, Array(word.utf8)) == Array(word.utf8))
        }
        server.cancel()
        #expect(await failure(of: server) == .cancelled)
    }

    @Test func theMailboxExample() async throws {
        let pairs = try (0..<3).map { _ in try tcpPair() }
        let mailbox = Mailbox()
        let speaker = Task.detached {
            try await Task.sleep(for: .milliseconds(20))
            try await pairs[1].client.send([42])
        }
        let (socket, data) = try await blocking { () throws(SocketError) in
            try firstToSpeak(pairs.map(\.server), mailbox: mailbox)
        }
        try await speaker.value
        #expect(socket == pairs[1].server)
        #expect(data == [42])
        // The others were cancelled: nobody is left reading, and no message follows.
        #expect(pairs.allSatisfy { users($0.server).readers == 0 })
        try await pairs[0].client.send([1])
        #expect(await receive(mailbox, within: 0.05) == nil)
    }

    @Test func theExamplesAreThoseOfThePage() throws {
        let here = URL(fileURLWithPath: #filePath)
        let page = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/Core.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let source = try String(contentsOf: here, encoding: .utf8)
        let blocks = text.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 3)
        for block in blocks {
            #expect(source.contains(block), "Docs/Core.md has an example this file does not: \(block)")
        }
    }
}
