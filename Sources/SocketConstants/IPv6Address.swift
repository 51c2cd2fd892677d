/// An IPv6 address: Erlang `in6_addr()`, an 8-tuple of 16-bit groups, or `any`, `loopback`.
@frozen
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    /// The sixteen bytes in network order.
    public var bytes: [UInt8]

    /// From sixteen bytes in network order; `nil` for any other count.
    @inlinable
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// From the eight 16-bit groups, as Erlang writes `{0,0,0,0,0,0,0,1}`.
    @inlinable
    public init(_ a: UInt16, _ b: UInt16, _ c: UInt16, _ d: UInt16, _ e: UInt16, _ f: UInt16, _ g: UInt16, _ h: UInt16) {
        bytes = [a, b, c, d, e, f, g, h].flatMap { [UInt8($0 >> 8), UInt8(truncatingIfNeeded: $0)] }
    }

    /// The eight 16-bit groups.
    public var groups: [UInt16] {
        stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    /// `in6addr_any`, Erlang `any`.
    public static let any = IPv6Address(0, 0, 0, 0, 0, 0, 0, 0)
    /// `in6addr_loopback`, Erlang `loopback`.
    public static let loopback = IPv6Address(0, 0, 0, 0, 0, 0, 0, 1)

    /// An IPv4-mapped address, `::ffff:a.b.c.d`.
    public init(mapping v4: IPv4Address) {
        bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, v4.bytes.0, v4.bytes.1, v4.bytes.2, v4.bytes.3]
    }

    /// Parses RFC 4291 text (`"::1"`, `"fe80::1"`, `"::ffff:1.2.3.4"`); `nil` when invalid.
    public init?(_ text: String) {
        var text = Substring(text)
        var tail: [UInt16] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = IPv4Address(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = [UInt16(v4.bytes.0) << 8 | UInt16(v4.bytes.1), UInt16(v4.bytes.2) << 8 | UInt16(v4.bytes.3)]
            text = text[...lastColon]
            if text.hasSuffix("::") { } else { text = text.dropLast() }
        }
        func groups(_ s: Substring) -> [UInt16]? {
            if s.isEmpty { return [] }
            var result: [UInt16] = []
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit), let v = UInt16(part, radix: 16) else { return nil }
                result.append(v)
            }
            return result
        }
        var all: [UInt16]
        let characters = Array(text.indices)
        if let i = characters.indices.first(where: { $0 + 1 < characters.count && text[characters[$0]] == ":" && text[characters[$0 + 1]] == ":" }) {
            let lower = characters[i], upper = text.index(lower, offsetBy: 2)
            let after = text[upper...]
            guard let head = groups(text[..<lower]), let rest = groups(after) else { return nil }
            let missing = 8 - head.count - rest.count - tail.count
            guard missing >= 1 else { return nil }
            all = head + Array(repeating: 0, count: missing) + rest + tail
        } else {
            guard let g = groups(text) else { return nil }
            all = g + tail
        }
        guard all.count == 8 else { return nil }
        self.init(all[0], all[1], all[2], all[3], all[4], all[5], all[6], all[7])
    }

    /// Whether this is an IPv4-mapped address, `::ffff:a.b.c.d`.
    public var isIPv4Mapped: Bool {
        bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
    }

    /// RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero
    /// groups (the first of equal runs) as `::`, and an IPv4-mapped address in mixed
    /// notation (`::ffff:192.0.2.1`), as `inet_ntop` prints them.
    public var description: String {
        if isIPv4Mapped {
            return "::ffff:" + IPv4Address(bytes[12], bytes[13], bytes[14], bytes[15]).description
        }
        let g = groups
        var bestStart = -1, bestLength = 1, start = -1
        for i in 0...8 {
            if i < 8 && g[i] == 0 {
                if start < 0 { start = i }
            } else if start >= 0 {
                if i - start > bestLength { bestStart = start; bestLength = i - start }
                start = -1
            }
        }
        let hex = g.map { String($0, radix: 16) }
        if bestStart < 0 { return hex.joined(separator: ":") }
        return hex[..<bestStart].joined(separator: ":") + "::" + hex[(bestStart + bestLength)...].joined(separator: ":")
    }
}

extension IPv6Address: NativeField {
    @inlinable
    public func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool {
        guard field.size == 16 else { return false }
        for i in 0..<16 { raw[field.offset + i] = bytes[i] }
        return true
    }

    @inlinable
    public static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> IPv6Address {
        IPv6Address(bytes: Array(raw[field.offset..<field.offset + 16]))!
    }
}
