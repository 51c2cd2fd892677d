import Foundation
import OTPSocket
import SocketConstants
import Testing

/// Runs a program; returns its exit status and standard output.
@discardableResult
func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The `ip` program, where Debian installs it.
let ipProgram = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// A network namespace of the test's own, with one interface in it (a dummy, or one end of a
/// veth pair when the kernel has no dummy driver), deleted with everything in it by
/// ``delete()``. Addresses are configured only inside it: nothing leaves the machine.
struct TestNamespace {
    let name: String
    /// The interface the test configures.
    let interface = "otp0"
    var path: String { "/var/run/netns/\(name)" }

    init() throws {
        name = "otp-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let ip = try #require(ipProgram, "the ip program (iproute2) is needed")
        try #require(try run(ip, ["netns", "add", name]).status == 0, "ip netns add \(name)")
        if try run(ip, ["-n", name, "link", "add", interface, "type", "dummy"]).status != 0 {
            let veth = try run(ip, ["-n", name, "link", "add", interface, "type", "veth", "peer", "name", "otp1"])
            if veth.status != 0 {
                delete()
                Issue.record("neither a dummy nor a veth interface can be made in a network namespace")
                throw SocketError.invalid("no test interface")
            }
        }
    }

    func ip(_ arguments: String...) throws -> String {
        try run(ipProgram!, ["-n", name] + arguments).output
    }

    func delete() {
        _ = try? run(ipProgram!, ["netns", "delete", name])
    }

    /// An inet datagram socket inside the namespace, for its ioctls.
    func socket() throws -> Socket {
        try Socket.open(.inet, .dgram, options: OpenOptions(netns: path, useRegistry: false))
    }
}

/// Every set request, on an interface of a network namespace the test makes; each change is
/// read back with the get request and checked against what `ip` says.
@Suite(.enabled(if: getuid() == 0, "needs root: it makes a network namespace and configures an interface in it"),
       .enabled(if: ipProgram != nil, "needs the ip program (iproute2)"))
struct IoctlSetTests {
    @Test func sifflagsSetsAndClearsFlags() throws {
        let namespace = try TestNamespace()
        defer { namespace.delete() }
        let socket = try namespace.socket()
        let name = namespace.interface
        #expect(!(try socket.ioctl(.gifflags, name)).contains(.up))
        try socket.ioctl(.sifflags, name, [.up: true, .noarp: true])
        var flags = try socket.ioctl(.gifflags, name)
        #expect(flags.isSuperset(of: [.up, .noarp, .broadcast]))
        #expect(flags.names.contains("up"))
        var shown = try namespace.ip("-o", "link", "show", name)
        #expect(shown.contains(",UP") && shown.contains("NOARP"), "\(shown)")
        try socket.ioctl(.sifflags, name, [.noarp: false])
        flags = try socket.ioctl(.gifflags, name)
        #expect(flags.contains(.up), "flags not named stay as they were")
        #expect(!flags.contains(.noarp))
        try socket.ioctl(.sifflags, name, [.up: false])
        #expect(!(try socket.ioctl(.gifflags, name)).contains(.up))
        shown = try namespace.ip("-o", "link", "show", name)
        #expect(!shown.contains(",UP"), "\(shown)")
    }

    @Test func addressRequestsSetAndReadTheInterfaceAddresses() throws {
        let namespace = try TestNamespace()
        defer { namespace.delete() }
        let socket = try namespace.socket()
        let name = namespace.interface
        #expect(try socket.ioctl(.gifconf).isEmpty, "a new namespace has no IPv4 address")
        #expect { try socket.ioctl(.gifaddr, name) } throws: { ($0 as? SocketError)?.reason.description == "eaddrnotavail" }

        let address = SocketAddress.inet(IPv4Address(10, 77, 0, 1), port: 0)
        try socket.ioctl(.sifaddr, name, address)
        #expect(try socket.ioctl(.gifaddr, name) == address)
        try socket.ioctl(.sifnetmask, name, .inet(IPv4Address(255, 255, 255, 0), port: 0))
        #expect(try socket.ioctl(.gifnetmask, name) == .inet(IPv4Address(255, 255, 255, 0), port: 0))
        try socket.ioctl(.sifbrdaddr, name, .inet(IPv4Address(10, 77, 0, 255), port: 0))
        #expect(try socket.ioctl(.gifbrdaddr, name) == .inet(IPv4Address(10, 77, 0, 255), port: 0))
        var shown = try namespace.ip("-o", "-4", "addr", "show", name)
        #expect(shown.contains("inet 10.77.0.1/24 brd 10.77.0.255"), "\(shown)")

        try socket.ioctl(.sifdstaddr, name, .inet(IPv4Address(10, 77, 0, 2), port: 0))
        #expect(try socket.ioctl(.gifdstaddr, name) == .inet(IPv4Address(10, 77, 0, 2), port: 0))
        #expect(try socket.ioctl(.gifaddr, name) == address, "the local address stays")
        shown = try namespace.ip("-o", "-4", "addr", "show", name)
        #expect(shown.contains("inet 10.77.0.1 peer 10.77.0.2/24"), "\(shown)")

        #expect(try socket.ioctl(.gifconf) == [InterfaceAddress(name: name, address: address)])
    }

    @Test func mtuAndQueueLengthRequests() throws {
        let namespace = try TestNamespace()
        defer { namespace.delete() }
        let socket = try namespace.socket()
        let name = namespace.interface
        try socket.ioctl(.sifmtu, name, 1280)
        #expect(try socket.ioctl(.gifmtu, name) == 1280)
        try socket.ioctl(.siftxqlen, name, 123)
        #expect(try socket.ioctl(.giftxqlen, name) == 123)
        let shown = try namespace.ip("-o", "link", "show", name)
        #expect(shown.contains("mtu 1280") && shown.contains("qlen 123"), "\(shown)")
        #expect { try socket.ioctl(.sifmtu, name, -1) } throws: { ($0 as? SocketError)?.reason.description == "einval" }
    }

    @Test func identityRequestsInTheNamespace() throws {
        let namespace = try TestNamespace()
        defer { namespace.delete() }
        let socket = try namespace.socket()
        let name = namespace.interface
        let shown = try namespace.ip("-o", "link", "show", name)
        let index = try socket.ioctl(.gifindex, name)
        #expect(shown.hasPrefix("\(index): \(name)"), "\(shown)")
        #expect(try socket.ioctl(.gifname, index) == name)
        #expect(try socket.ioctl(.gifname, 1) == "lo", "the namespace's own loopback")
        let hardware = try socket.ioctl(.gifhwaddr, name)
        #expect(hardware.hatype == .ether)
        #expect(shown.contains("link/\(hardware.description) "), "\(shown)")
        #expect(try socket.ioctl(.gifmap, name) == IfMap())
    }

    @Test func setRequestsOnAnUnknownInterfaceOrWithABadValueFail() throws {
        let namespace = try TestNamespace()
        defer { namespace.delete() }
        let socket = try namespace.socket()
        #expect { try socket.ioctl(.sifmtu, "otp-none0", 1280) } throws: { ($0 as? SocketError)?.reason.description == "enodev" }
        #expect { try socket.ioctl(.sifaddr, namespace.interface, .inet6(.loopback, port: 0)) } throws: { error in
            if case .invalid = (error as? SocketError)?.reason { return true }
            return false
        }
    }

    @Test func ifsListsTheNamespacesInterfaces() throws {
        let namespace = try TestNamespace()
        defer { namespace.delete() }
        let socket = try namespace.socket()
        let name = namespace.interface
        try socket.ioctl(.sifaddr, name, .inet(IPv4Address(10, 77, 0, 1), port: 0))
        try socket.ioctl(.sifnetmask, name, .inet(IPv4Address(255, 255, 0, 0), port: 0))
        try socket.ioctl(.sifmtu, name, 1400)
        try socket.ioctl(.sifflags, name, [.up: true])
        let index = try socket.ioctl(.gifindex, name)
        let hardware = try socket.ioctl(.gifhwaddr, name)
        let flags = try socket.ioctl(.gifflags, name)

        let cli = try otpSocketProgram()
        let json = try run(cli, ["ifs", "--json", "--netns", namespace.path])
        #expect(json.status == 0)
        let decoded = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
        let entries = try #require(decoded, "\(json.output)")
        #expect(entries.compactMap { $0["name"] as? String }.first == "lo", "ordered by index")
        let entry = try #require(entries.first { $0["name"] as? String == name })
        #expect(entry["index"] as? Int == Int(index))
        #expect(entry["address"] as? String == "10.77.0.1")
        #expect(entry["netmask"] as? String == "255.255.0.0")
        #expect(entry["mtu"] as? Int == 1400)
        // `running` follows the carrier, which the kernel updates in the background.
        let stable = flags.subtracting(.running)
        #expect((entry["flags"] as? [String])?.filter { $0 != "running" } == stable.names)
        #expect(entry["hatype"] as? String == "ether")
        #expect(entry["hwaddr"] as? String == hardware.description.split(separator: " ").last.map(String.init))

        let text = try run(cli, ["ifs", "--netns", namespace.path])
        #expect(text.status == 0)
        let header = try #require(text.output.split(separator: "\n").first { $0.hasPrefix("\(index): \(name): <") })
        #expect(header.contains("> mtu 1400 qlen "), "\(header)")
        let shownFlags = header.drop { $0 != "<" }.dropFirst().prefix { $0 != ">" }.split(separator: ",").map(String.init)
        #expect(shownFlags.filter { $0 != "running" } == stable.names, "\(header)")
        #expect(text.output.contains("    inet 10.77.0.1 netmask 255.255.0.0"), "\(text.output)")
    }
}

/// The `otp-socket` executable the build put beside the tests.
func otpSocketProgram() throws -> String {
    var directory = URL(fileURLWithPath: #filePath)
    while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
        directory.deleteLastPathComponent()
    }
    let candidates = [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("otp-socket"),
                      Bundle.main.bundleURL.appendingPathComponent("otp-socket"),
                      directory.appendingPathComponent(".build/debug/otp-socket")]
    let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    return try #require(found?.path, "otp-socket is built with the tests (swift build --build-tests)")
}
