import ArgumentParser
import Foundation
import OTPSocket
import SocketConstants

/// `otp-socket ifs`: this machine's network interfaces, read through the library's `ioctl`
/// (Erlang `socket:ioctl/2,3`): name, index, flags, IPv4 address, netmask, broadcast and peer
/// addresses, MTU, transmit queue length and hardware address.
///
/// The interfaces are the union of `gifconf` (those with an IPv4 address) and the names
/// `gifname` gives for indexes from 1 up to 64 past the highest index found. IPv6 addresses
/// are not listed: the ioctl interface has no request for them.
struct Ifs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ifs",
        abstract: "List this machine's network interfaces through the ioctl API.")

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @Option(name: .long, help: "Read the interfaces of the network namespace at this path (/var/run/netns/NAME).")
    var netns: String?

    func run() throws {
        let socket = try Socket.open(.inet, .dgram, options: OpenOptions(netns: netns, useRegistry: false))
        defer { try? socket.close() }
        let interfaces = try InterfaceReport.all(socket)
        if json {
            print(InterfaceReport.json(interfaces))
        } else {
            print(InterfaceReport.table(interfaces), terminator: "")
        }
    }
}

/// One interface as `ifs` reports it; absent values are those the kernel refused.
struct InterfaceReport: Codable, Equatable {
    var name: String
    var index: Int32?
    var flags: [String]
    var address: String?
    var netmask: String?
    var broadcast: String?
    var destination: String?
    var mtu: Int32?
    var txqlen: Int32?
    var hatype: String?
    var hwaddr: String?

    /// Every interface, ordered by index.
    static func all(_ socket: Socket) throws -> [InterfaceReport] {
        var names = Set(try socket.ioctl(.gifconf).map(\.name))
        var highest: Int32 = names.compactMap { try? socket.ioctl(.gifindex, $0) }.max() ?? 0
        var index: Int32 = 1
        while index <= highest + 64 {
            if let name = try? socket.ioctl(.gifname, index) {
                names.insert(name)
                highest = max(highest, index)
            }
            index += 1
        }
        return names.map { report(socket, $0) }.sorted { ($0.index ?? .max, $0.name) < ($1.index ?? .max, $1.name) }
    }

    static func report(_ socket: Socket, _ name: String) -> InterfaceReport {
        let flags = (try? socket.ioctl(.gifflags, name)) ?? []
        func address(_ request: IoctlGet<String, SocketAddress>) -> String? {
            guard case .inet(let ip, _)? = try? socket.ioctl(request, name) else { return nil }
            return ip.description
        }
        let hardware = try? socket.ioctl(.gifhwaddr, name)
        return InterfaceReport(
            name: name,
            index: try? socket.ioctl(.gifindex, name),
            flags: flags.names,
            address: address(.gifaddr),
            netmask: address(.gifnetmask),
            broadcast: flags.contains(.broadcast) ? address(.gifbrdaddr) : nil,
            destination: flags.contains(.pointopoint) ? address(.gifdstaddr) : nil,
            mtu: try? socket.ioctl(.gifmtu, name),
            txqlen: try? socket.ioctl(.giftxqlen, name),
            hatype: hardware.map { $0.hatype.description },
            hwaddr: hardware.map { hex($0.address) })
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: ":")
    }

    /// One line per interface in the style of `ip addr`.
    static func table(_ interfaces: [InterfaceReport]) -> String {
        var output = ""
        for interface in interfaces {
            let index = interface.index.map(String.init) ?? "?"
            var line = "\(index): \(interface.name): <\(interface.flags.joined(separator: ","))>"
            if let mtu = interface.mtu { line += " mtu \(mtu)" }
            if let txqlen = interface.txqlen { line += " qlen \(txqlen)" }
            output += line + "\n"
            if let hatype = interface.hatype, let hwaddr = interface.hwaddr { output += "    link/\(hatype) \(hwaddr)\n" }
            if let address = interface.address {
                var inet = "    inet \(address)"
                if let netmask = interface.netmask { inet += " netmask \(netmask)" }
                if let broadcast = interface.broadcast { inet += " brd \(broadcast)" }
                if let destination = interface.destination { inet += " peer \(destination)" }
                output += inet + "\n"
            }
        }
        return output
    }

    static func json(_ interfaces: [InterfaceReport]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(interfaces) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
