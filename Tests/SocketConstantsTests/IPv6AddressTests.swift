import SocketConstants
import Testing

@Suite struct IPv6AddressTests {
    /// RFC 5952 section 4, and inet_ntop's output for the same addresses.
    @Test(arguments: [
        (IPv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), "2001:db8::1"),
        (IPv6Address(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), "2001:db8::1:0:0:1"),   // 4.2.3: the first of equal runs
        (IPv6Address(0x2001, 0, 0, 1, 0, 0, 0, 1), "2001:0:0:1::1"),           // 4.2.3: the longest run
        (IPv6Address(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"), // 4.2.2: one 0 is not ::
        (IPv6Address(0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xaaaa), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"),
        (IPv6Address(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0x0001), "2001:db8::1"),   // 4.1: no leading zeros
        (IPv6Address(1, 0, 0, 0, 0, 0, 0, 0), "1::"),
        (IPv6Address(0, 0, 0, 0, 0, 0, 0, 0), "::"),
        (IPv6Address.loopback, "::1"),
        (IPv6Address(mapping: IPv4Address(192, 0, 2, 1)), "::ffff:192.0.2.1"), // 5: mixed notation
        (IPv6Address(0xfe80, 0, 0, 0, 0x1ff, 0xfe23, 0x4567, 0x890a), "fe80::1ff:fe23:4567:890a"),
    ])
    func printsRFC5952Text(address: IPv6Address, text: String) {
        #expect(address.description == text)
        #expect(IPv6Address(text) == address, "the text reads back")
    }

    @Test(arguments: [
        ("2001:DB8::A", IPv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa)),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", IPv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        ("1:2:3:4:5:6:7::", IPv6Address(1, 2, 3, 4, 5, 6, 7, 0)),
        ("::2:3:4:5:6:7:8", IPv6Address(0, 2, 3, 4, 5, 6, 7, 8)),
        ("1:2:3:4:5:6:1.2.3.4", IPv6Address(1, 2, 3, 4, 5, 6, 0x0102, 0x0304)),
        ("::ffff:10.0.0.1", IPv6Address(mapping: IPv4Address(10, 0, 0, 1))),
        ("::1.2.3.4", IPv6Address(0, 0, 0, 0, 0, 0, 0x0102, 0x0304)),
    ])
    func parsesEveryRFC4291Form(text: String, address: IPv6Address) {
        #expect(IPv6Address(text) == address)
    }

    @Test(arguments: ["", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1:2:3:4:5:6:7",
                      "1:2:3:4:5:6:7:", "12345::", "g::", "+1::", "-0::", "1:2:3:4:5:6:7:8::", "::1.2.3",
                      "1.2.3.4", "fe80::1%eth0", "::ffff:256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4", " ::1"])
    func refusesInvalidText(text: String) {
        #expect(IPv6Address(text) == nil, "\(text)")
    }

    @Test func bytesAreInNetworkOrder() {
        let address = IPv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x0102)
        #expect(address.bytes == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x02])
        #expect(address.groups == [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x0102])
        #expect(IPv6Address(bytes: address.bytes) == address)
        #expect(IPv6Address(bytes: [1, 2, 3]) == nil)
        #expect(IPv6Address(mapping: .loopback).isIPv4Mapped)
        #expect(!IPv6Address.loopback.isIPv4Mapped)
    }
}
