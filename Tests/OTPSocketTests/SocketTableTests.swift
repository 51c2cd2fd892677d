import Foundation
import OTPSocket
import SocketConstants
import Testing

/// A filter that selects exactly `sockets` (other tests' sockets are listed too).
func selecting(_ sockets: [Socket]) -> SocketFilter {
    let ids = Set(sockets.map(\.id))
    return .matching { ids.contains($0.id) }
}

/// Pads each cell but the last to its column's width, as the expected text of a table.
func line(_ widths: [Int], _ cells: String...) -> String {
    var text = ""
    for (index, cell) in cells.enumerated() {
        if index > 0 { text += " " }
        text += cell
        if index < cells.count - 1 { text += String(repeating: " ", count: widths[index] - cell.count) }
    }
    while text.last == " " { text.removeLast() }
    return text + "\n"
}

@Suite struct SocketTableTests {
    @Test func tableOfUnixSocketsMatchesTheExpectedText() throws {
        let token = String(UInt32.random(in: 0x1000_0000...UInt32.max), radix: 16)
        let name = "otp-i-\(token)"
        let listed = OpenOptions(useRegistry: true)
        let listener = try Socket.open(.local, .stream, options: listed)
        try listener.bind(.local([0] + Array(name.utf8)))
        try listener.listen()
        let client = try Socket.open(.local, .stream, options: listed)
        try client.connect(to: .local([0] + Array(name.utf8)))
        let server = try listener.accept()
        try client.send(Array("hello".utf8))
        #expect(try server.recv(5) == Array("hello".utf8))
        let datagram = try Socket.open(.local, .dgram, options: listed)

        let keys: [InfoKey] = [.domain, .type, .protocol, .owner, .localAddress, .remoteAddress, .recv, .sent, .state]
        let table = Socket.table(selecting([listener, client, server, datagram]), keys: keys)
        let widths = [6, 6, 8, 5, 21, 21, 4, 4]
        let expected =
            "Domain Type   Protocol Owner Local Address         Remote Address        Recv Sent State\n"
            + line(widths, "local", "STREAM", "IP", "-", "local:@\(name)", "", "0", "0", "BD:LG , -")
            + line(widths, "local", "STREAM", "IP", "-", "local:", "local:@\(name)", "0", "5", "- , CD")
            + line(widths, "local", "STREAM", "IP", "-", "local:@\(name)", "local:", "5", "0", "- , CD")
            + line(widths, "local", "DGRAM", "IP", "-", "local:", "", "0", "0", "")
        #expect(table == expected)
        #expect(!table.split(separator: "\n").contains { $0.hasSuffix(" ") }, "no line ends in a space")
    }

    @Test func inetAddressesAreShownAsOTPShowsThem() throws {
        let listed = OpenOptions(useRegistry: true)
        let listener = try Socket.open(.inet, .stream, options: listed)
        try listener.bind(.inet(.any, port: 0))
        try listener.listen()
        let port = try #require(listener.sockname().port)
        let client = try Socket.open(.inet, .stream, options: listed)
        try client.connect(to: .inet(.loopback, port: port))
        let clientPort = try #require(client.sockname().port)
        let udp6 = try Socket.open(.inet6, .dgram, options: listed)
        try udp6.bind(.inet6(.loopback, port: 0))
        let port6 = try #require(udp6.sockname().port)

        let table = Socket.table(selecting([listener, client, udp6]), keys: [.protocol, .state, .localAddress])
        let expected = """
            Protocol State     Local Address
            TCP      BD:LG , - *:\(port)
            TCP      - , CD    localhost:\(clientPort)
            UDP      BD , -    localhost:\(port6)

            """
        #expect(table == expected)
    }

    @Test func fdColumnShowsTheDescriptorAndNothingOnceClosed() throws {
        let listed = OpenOptions(useRegistry: true)
        let a = try Socket.open(.inet, .dgram, options: listed)
        let b = try Socket.open(.inet6, .stream, options: listed)
        let fdA = try #require(a.fd), fdB = try #require(b.fd)
        #expect(Socket.table(selecting([a, b]), keys: [.domain, .fd]) == "Domain Fd\ninet   \(fdA)\ninet6  \(fdB)\n")
        // A closed socket leaves the registry; rendered directly it has no descriptor.
        try b.close()
        #expect(Socket.table(selecting([a, b]), keys: [.domain, .fd]) == "Domain Fd\ninet   \(fdA)\n")
        #expect(SocketTable.render([b], keys: [.domain, .fd, .state]) == "Domain Fd State\ninet6     CLOSED , CLOSED\n")
    }

    @Test func titlesAreTheManualsKeysCapitalized() {
        #expect(InfoKey.defaults.map(\.title) == ["Domain", "Type", "Protocol", "Fd", "Owner", "Local Address",
                                                  "Remote Address", "Recv", "Sent", "State"])
    }

    @Test func noSocketsRenderNothing() {
        #expect(Socket.table(.matching { _ in false }) == "")
        #expect(SocketTable.render([]) == "")
    }

    @Test func iWritesTheTable() throws {
        let socket = try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: true))
        let filter = selecting([socket])
        var printed = ""
        Socket.i(filter, keys: [.domain, .type, .protocol], to: &printed)
        #expect(printed == "Domain Type  Protocol\ninet   DGRAM UDP\n")
    }
}
