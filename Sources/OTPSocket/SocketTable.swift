import SocketConstants

/// A column of Erlang's `i/0..2` tables: `info_keys()`.
public enum InfoKey: String, Sendable, Hashable, CaseIterable {
    case domain, type, `protocol`, fd, owner
    case localAddress = "local_address"
    case remoteAddress = "remote_address"
    case recv, sent, state

    /// The manual's default columns, in its order (every key).
    public static let defaults: [InfoKey] = allCases

    /// The column's title: the Erlang name with each word capitalized (`Local Address`).
    public var title: String {
        rawValue.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}

extension Socket {
    /// Erlang `i/0..2` without the printing: the table of the listed sockets (all, or those
    /// `filter` selects), one row per socket, oldest first, with a title row. Each column is as
    /// wide as its widest cell, columns are separated by one space, and no line ends in a
    /// space. No sockets: an empty string, as OTP prints nothing.
    ///
    /// Cells: `domain` lowercase, `type` and `protocol` uppercase Erlang names (or integers),
    /// `fd` the descriptor, `owner` `-` (a Swift socket has no owner process), addresses as
    /// `localhost:PORT` (loopback), `*:PORT` (any), `ADDRESS:PORT` or `local:PATH`, `recv` and
    /// `sent` the `read_byte` and `write_byte` counters, and `state` the read states and the
    /// write states abbreviated as OTP does, `BD:LG , CD`, with `-` for a side without states.
    /// Unlike OTP, ports are not replaced by service names.
    public static func table(_ filter: SocketFilter? = nil, keys: [InfoKey] = InfoKey.defaults) -> String {
        SocketTable.render(whichSockets(filter), keys: keys)
    }

    /// Erlang `i/0..2`: prints ``table(_:keys:)`` to standard output.
    public static func i(_ filter: SocketFilter? = nil, keys: [InfoKey] = InfoKey.defaults) {
        print(table(filter, keys: keys), terminator: "")
    }

    /// Erlang `i/0..2`, writing the table to `output` instead of standard output.
    public static func i<Output: TextOutputStream>(_ filter: SocketFilter? = nil, keys: [InfoKey] = InfoKey.defaults,
                                                   to output: inout Output) {
        print(table(filter, keys: keys), terminator: "", to: &output)
    }
}

/// The rendering of Erlang's `i/0..2` tables.
public enum SocketTable {
    /// The table of `sockets`, in the given order, as ``Socket/table(_:keys:)`` describes.
    public static func render(_ sockets: [Socket], keys: [InfoKey] = InfoKey.defaults) -> String {
        guard !sockets.isEmpty, !keys.isEmpty else { return "" }
        let rows = [keys.map(\.title)] + sockets.map { socket in
            let info = socket.info()
            return keys.map { cell($0, socket, info) }
        }
        return layout(rows)
    }

    /// Pads every column but the last to its widest cell.
    static func layout(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columns)
        for row in rows {
            for (index, text) in row.enumerated() { widths[index] = max(widths[index], text.count) }
        }
        var output = ""
        for row in rows {
            var line = ""
            for (index, text) in row.enumerated() {
                if index > 0 { line += " " }
                line += text
                if index < row.count - 1 { line += String(repeating: " ", count: widths[index] - text.count) }
            }
            while line.last == " " { line.removeLast() }
            output += line + "\n"
        }
        return output
    }

    static func cell(_ key: InfoKey, _ socket: Socket, _ info: SocketInfo) -> String {
        switch key {
        case .domain: return info.domain.description
        case .type: return info.type.description.uppercased()
        case .protocol: return info.protocol.description.uppercased()
        case .fd: return info.fd.map { String($0) } ?? ""
        case .owner: return "-"
        case .localAddress: return (try? socket.sockname()).map(address) ?? ""
        case .remoteAddress: return (try? socket.peername()).map(address) ?? ""
        case .recv: return String(info.counters.readByte)
        case .sent: return String(info.counters.writeByte)
        case .state: return states(info.rstates, info.wstates)
        }
    }

    /// OTP's address cells: `localhost:PORT`, `*:PORT`, `ADDRESS:PORT`, `local:PATH`.
    static func address(_ address: SocketAddress) -> String {
        switch address {
        case .inet(let ip, let port):
            if ip == .loopback { return "localhost:\(port)" }
            if ip == .any { return "*:\(port)" }
            return "\(ip):\(port)"
        case .inet6(let ip, let port, _, _):
            if ip == .loopback { return "localhost:\(port)" }
            if ip == .any { return "*:\(port)" }
            return "\(ip):\(port)"
        case .local:
            return "local:\(address)"
        default:
            return address.description
        }
    }

    /// OTP's state cell: `R1:R2 , W1:W2`, `-` for an empty side, empty when both are.
    static func states(_ read: [SocketState], _ write: [SocketState]) -> String {
        if read.isEmpty && write.isEmpty { return "" }
        func side(_ states: [SocketState]) -> String {
            states.isEmpty ? "-" : states.map(\.abbreviation).joined(separator: ":")
        }
        return side(read) + " , " + side(write)
    }
}
