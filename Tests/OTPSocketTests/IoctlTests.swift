import Foundation
import OTPSocket
import SocketConstants
import Testing

/// A file of `/sys/class/net/<interface>/`, trimmed: what the kernel says without ioctl.
func sysfs(_ interface: String, _ attribute: String) throws -> String {
    try String(contentsOfFile: "/sys/class/net/\(interface)/\(attribute)", encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The `const NAME VALUE` lines of this platform's committed snapshot.
func snapshotConstants() -> [String: String] {
    let text = SpecTables.snapshots[SpecTables.currentTriple] ?? ""
    var constants: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: " ")
        if fields.count == 3, fields[0] == "const" { constants[String(fields[1])] = String(fields[2]) }
    }
    return constants
}

/// Get requests on the loopback interface, checked against what sysfs says.
@Suite struct IoctlTests {
    @Test func everyInterfaceRequestOfTheSpecIsImplementedWithItsConstant() throws {
        let rows = SpecTables.ioctlRequests.filter { $0.valueType == "ifconf" || $0.valueType.hasPrefix("ifreq") }
        let gets = Dictionary(uniqueKeysWithValues: IoctlRequests.get.map { ($0.name, $0.request) })
        let sets = Dictionary(uniqueKeysWithValues: IoctlRequests.set.map { ($0.name, $0.request) })
        #expect(rows.count == 19)
        #expect(Set(rows.filter { $0.access == .read }.map(\.name)) == Set(gets.keys))
        #expect(Set(rows.filter { $0.access == .write }.map(\.name)) == Set(sets.keys))
        let constants = snapshotConstants()
        for row in rows {
            let request = try #require(gets[row.name] ?? sets[row.name])
            #expect(constants[row.constant] == String(request), "\(row.name) uses \(row.constant)")
        }
        #expect(IoctlGet.gifmtu.row?.constant == "SIOCGIFMTU")
        #expect(IoctlSet.sifmtu.row?.access == .write)
    }

    @Test func gifconfListsLoopbackWithItsAddress() throws {
        let socket = try Socket.open(.inet, .dgram)
        let interfaces = try socket.ioctl(.gifconf)
        #expect(interfaces.contains(InterfaceAddress(name: "lo", address: .inet(.loopback, port: 0))))
        // An interface's first entry is its primary address, the one gifaddr reads.
        var seen = Set<String>()
        for entry in interfaces where seen.insert(entry.name).inserted {
            #expect(try socket.ioctl(.gifaddr, entry.name) == entry.address)
        }
    }

    @Test func nameAndIndexLookUpEachOther() throws {
        let socket = try Socket.open(.inet, .dgram)
        let index = try socket.ioctl(.gifindex, "lo")
        #expect(String(index) == (try sysfs("lo", "ifindex")))
        #expect(try socket.ioctl(.gifname, index) == "lo")
    }

    @Test func loopbackParametersMatchSysfs() throws {
        let socket = try Socket.open(.inet, .dgram)
        #expect(try socket.ioctl(.gifaddr, "lo") == .inet(.loopback, port: 0))
        #expect(try socket.ioctl(.gifnetmask, "lo") == .inet(IPv4Address(255, 0, 0, 0), port: 0))
        #expect(try socket.ioctl(.gifdstaddr, "lo") == .inet(.loopback, port: 0))
        #expect(try socket.ioctl(.gifbrdaddr, "lo") == .inet(.any, port: 0))
        #expect(String(try socket.ioctl(.gifmtu, "lo")) == (try sysfs("lo", "mtu")))
        #expect(String(try socket.ioctl(.giftxqlen, "lo")) == (try sysfs("lo", "tx_queue_len")))

        let flags = try socket.ioctl(.gifflags, "lo")
        let sysfsFlags = try #require(CInt(try sysfs("lo", "flags").dropFirst(2), radix: 16))
        // sysfs has the configured flags; the kernel adds `running` for an interface that is up
        // and operational, and reports the low 16 bits only.
        let operational = ["up", "unknown"].contains(try sysfs("lo", "operstate"))
        var expected = IoctlFlags(rawValue: sysfsFlags & 0xFFFF)
        if expected.contains(.up) && operational { expected.insert(.running) }
        #expect(flags == expected)
        #expect(flags.contains([.up, .loopback]))
        #expect(flags.names.starts(with: ["up", "loopback"]))

        let hardware = try socket.ioctl(.gifhwaddr, "lo")
        #expect(String(hardware.hatype.rawValue) == (try sysfs("lo", "type")))
        #expect(hardware.hatype == .loopback)
        #expect(hardware.bytes == [UInt8](repeating: 0, count: 14))
        #expect(hardware.description == "loopback 00:00:00:00:00:00")

        #expect(try socket.ioctl(.gifmap, "lo") == IfMap())
    }

    @Test func everyEthernetInterfaceReportsItsSysfsAddress() throws {
        let socket = try Socket.open(.inet, .dgram)
        let names = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")
        for name in names where (try? sysfs(name, "type")) == String(Hatype.ether.rawValue) {
            let hardware = try socket.ioctl(.gifhwaddr, name)
            #expect(hardware.hatype == .ether)
            #expect(hardware.description == "ether " + (try sysfs(name, "address")), "\(name)")
            #expect(String(try socket.ioctl(.gifindex, name)) == (try sysfs(name, "ifindex")))
        }
    }

    @Test func unknownInterfacesAndBadNamesAreErrors() throws {
        let socket = try Socket.open(.inet, .dgram)
        #expect { try socket.ioctl(.gifmtu, "otp-none0") } throws: { ($0 as? SocketError)?.reason.description == "enodev" }
        #expect { try socket.ioctl(.gifname, Int32.max) } throws: { ($0 as? SocketError)?.reason.description == "enodev" }
        let long = String(repeating: "x", count: Int(Native.IFNAMSIZ))
        #expect { try socket.ioctl(.gifmtu, long) } throws: { ($0 as? SocketError)?.reason == .invalid("interface name \"\(long)\" (1 to 15 bytes, no NUL)") }
        #expect { try socket.ioctl(.gifflags, "") } throws: { if case .invalid = ($0 as? SocketError)?.reason { true } else { false } }
        #expect { try socket.ioctl(.gifflags, "l\0o") } throws: { if case .invalid = ($0 as? SocketError)?.reason { true } else { false } }
        try socket.close()
        #expect(throws: SocketError.closed) { try socket.ioctl(.gifmtu, "lo") }
        #expect(throws: SocketError.closed) { try socket.ioctl(.gifconf) }
    }

    @Test func flagNamesComeFromTheGeneratedTable() {
        let flags: IoctlFlags = [.up, .broadcast, .multicast]
        #expect(flags.names == ["up", "broadcast", "multicast"])
        #expect(IoctlFlags(rawValue: IoctlFlags.up.rawValue | 0x4000_0000).names == ["up", String(0x4000_0000)])
    }
}

/// The socket queue requests (OTP 26 `nread`, `atmark`; Linux `outq`).
@Suite struct IoctlQueueTests {
    @Test func nreadCountsWaitingBytes() throws {
        let (_, client, server) = try tcpPair()
        #expect(try server.ioctl(.nread) == 0)
        try client.send(Array(repeating: 1, count: 300))
        #expect(eventually { (try? server.ioctl(.nread)) == 300 })
        _ = try server.recv(100)
        #expect(try server.ioctl(.nread) == 200)
        #expect(try server.ioctl(.atmark) == false)
    }

    @Test func nreadOfADatagramSocketIsTheNextDatagramsSize() throws {
        let (a, b) = try unconnectedUDPPair()
        try a.sendto(Array(repeating: 0, count: 42), to: b.sockname())
        try a.sendto(Array(repeating: 0, count: 7), to: b.sockname())
        #expect(eventually { (try? b.ioctl(.nread)) == 42 })
        _ = try b.recvfrom()
        #expect(eventually { (try? b.ioctl(.nread)) == 7 })
    }

    @Test func outqIsEmptyOnceThePeerAcknowledged() throws {
        let (_, client, server) = try tcpPair()
        try client.send(Array(repeating: 1, count: 1000))
        #expect(eventually { (try? client.ioctl(.outq)) == 0 })
        #expect(try server.ioctl(.nread) == 1000, "acknowledged, not yet read")
    }

    @Test func gifconfIsNotAQueueRequest() throws {
        let socket = try Socket.open(.inet, .dgram)
        #expect(try !socket.ioctl(.gifconf).isEmpty, "gifconf takes its own overload")
        #expect(IoctlRequests.queue.map(\.name) == ["nread", "outq", "atmark"])
        let constants = snapshotConstants()
        for row in SpecTables.ioctlRequests where ["nread", "outq", "atmark"].contains(row.name) {
            let request = try #require(IoctlRequests.queue.first { $0.name == row.name }?.request)
            #expect(constants[row.constant] == String(request))
        }
    }
}
