/// One field of a structured option value (``StructuredOptionValue``), as code that handles
/// values by name sees it: the untyped `getopt`/`setopt` and the CLI.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case uint(UInt)
    case inAddr(IPv4Address)
    case in6Addr(IPv6Address)
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .bool(let v): return String(v)
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .inAddr(let v): return v.description
        case .in6Addr(let v): return v.description
        case .bytes(let v): return "<<\(v.map(String.init).joined(separator: ","))>>"
        }
    }

    /// The value of a `bool` field; Erlang accepts only `true` and `false` here.
    public func bool(_ field: String) throws(InvalidValue) -> Bool {
        guard case .bool(let v) = self else { throw InvalidValue("\(field) = \(self)") }
        return v
    }

    /// The value of a signed field: any integer that fits.
    public func int(_ field: String) throws(InvalidValue) -> Int {
        switch self {
        case .int(let v): return v
        case .uint(let v): if let v = Int(exactly: v) { return v }
        default: break
        }
        throw InvalidValue("\(field) = \(self)")
    }

    /// The value of an unsigned field: a non-negative integer.
    public func uint(_ field: String) throws(InvalidValue) -> UInt {
        switch self {
        case .uint(let v): return v
        case .int(let v): if let v = UInt(exactly: v) { return v }
        default: break
        }
        throw InvalidValue("\(field) = \(self)")
    }

    public func inAddr(_ field: String) throws(InvalidValue) -> IPv4Address {
        guard case .inAddr(let v) = self else { throw InvalidValue("\(field) = \(self)") }
        return v
    }

    public func in6Addr(_ field: String) throws(InvalidValue) -> IPv6Address {
        guard case .in6Addr(let v) = self else { throw InvalidValue("\(field) = \(self)") }
        return v
    }

    public func bytes(_ field: String) throws(InvalidValue) -> [UInt8] {
        guard case .bytes(let v) = self else { throw InvalidValue("\(field) = \(self)") }
        return v
    }
}

/// A structured option value generated from `Spec/values.tbl` (``Linger``, ``IPMreq``,
/// ``TCPInfo``, ...): an Erlang map whose keys are the manual's field names.
public protocol StructuredOptionValue: SocketOptionValue, Hashable {
    /// Every field zero.
    init()
    /// The fields in C order, as Erlang names them (`onoff`, `linger`).
    static var fieldNames: [String] { get }
    /// The fields and their values, in C order.
    var fields: [(name: String, value: FieldValue)] { get }
    /// Sets one field; an unknown name or a value of the wrong kind or range is `invalid`.
    mutating func setField(_ name: String, to value: FieldValue) throws(InvalidValue)
}

extension StructuredOptionValue {
    /// The value with the named fields set and the others zero. (OTP wants every field the
    /// platform implements; a field left out here is zero.)
    public init(fields: [String: FieldValue]) throws(InvalidValue) {
        self.init()
        for name in fields.keys.sorted() {
            try setField(name, to: fields[name]!)
        }
    }
}
