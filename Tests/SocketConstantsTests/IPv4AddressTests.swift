import SocketConstants
import Testing

@Suite struct IPv4AddressTests {
    @Test(arguments: [
        ("127.0.0.1", IPv4Address(127, 0, 0, 1)),
        ("0.0.0.0", IPv4Address.any),
        ("255.255.255.255", IPv4Address.broadcast),
        ("192.0.2.10", IPv4Address(192, 0, 2, 10)),
    ])
    func parsesDottedQuads(text: String, address: IPv4Address) {
        #expect(IPv4Address(text) == address)
        #expect(address.description == text)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "a.b.c.d", "+1.2.3.4", "-1.2.3.4",
                      "01.2.3.4", "1.2.3.0x4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/24", "١.2.3.4", "1234.1.1.1"])
    func refusesWhatInetPtonRefuses(text: String) {
        #expect(IPv4Address(text) == nil, "\(text)")
    }

    @Test func hostOrderIsTheCValue() {
        #expect(IPv4Address(hostOrder: UInt32(Native.INADDR_LOOPBACK)) == .loopback)
        #expect(IPv4Address(hostOrder: UInt32(Native.INADDR_ANY)) == .any)
        #expect(IPv4Address(hostOrder: UInt32(Native.INADDR_BROADCAST)) == .broadcast)
        #expect(IPv4Address(10, 1, 2, 3).hostOrder == 0x0A01_0203)
    }
}
