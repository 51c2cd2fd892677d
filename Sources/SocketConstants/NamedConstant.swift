/// A C integer constant with Erlang names for the values the platform defines: a domain, a
/// type, a protocol, a level or one of the manual's enumerations. Any integer is accepted,
/// as Erlang accepts integers; it reads back as its name only when it is exactly one.
public protocol NamedConstant: RawRepresentable, Hashable, Sendable, CustomStringConvertible, SocketOptionValue
where RawValue == CInt {
    init(rawValue: CInt)
    /// The values this platform defines, by Erlang name (generated per platform).
    static var named: [(name: String, value: Self)] { get }
}

extension NamedConstant {
    /// The Erlang name, or `nil` for an integer that is not exactly a named value.
    public var name: String? {
        Self.named.first { $0.value.rawValue == rawValue }?.name
    }

    /// The Erlang name, or the integer: lossless, unlike OTP's `tos` read-back.
    public var description: String { name ?? String(rawValue) }

    /// The value an Erlang name denotes on this platform.
    public init?(name: String) {
        guard let value = Self.named.first(where: { $0.name == name })?.value else { return nil }
        self = value
    }
}

/// Erlang `domain()`: `AF_*`.
public struct Domain: NamedConstant {
    public var rawValue: CInt
    @inlinable public init(rawValue: CInt) { self.rawValue = rawValue }
}

/// Erlang `type()`: `SOCK_*`.
public struct SocketType: NamedConstant {
    public var rawValue: CInt
    @inlinable public init(rawValue: CInt) { self.rawValue = rawValue }
}

/// Erlang `protocol()`: `IPPROTO_*`; `0` is the default protocol of a domain and type.
public struct SocketProtocol: NamedConstant {
    public var rawValue: CInt
    @inlinable public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The domain's and type's default protocol, Erlang `default`.
    public static let `default` = SocketProtocol(rawValue: 0)
}

/// Erlang `level()`: `SOL_SOCKET` or a protocol number.
public struct Level: NamedConstant {
    public var rawValue: CInt
    @inlinable public init(rawValue: CInt) { self.rawValue = rawValue }
}

/// A set of `MSG_*` flags, Erlang `[msg_flag() | integer()]`.
public struct MsgFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: CInt
    @inlinable public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The flags set, by Erlang name, with any bits no name covers as an integer.
    public var names: [String] { flagNames(rawValue, Self.named.map { ($0.name, $0.value.rawValue) }) }
    public var description: String { "[" + names.joined(separator: ", ") + "]" }
}

/// A set of interface flags (`IFF_*`), Erlang `[ioctl_device_flag() | integer()]`.
public struct IoctlFlags: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: CInt
    @inlinable public init(rawValue: CInt) { self.rawValue = rawValue }

    public var names: [String] { flagNames(rawValue, Self.named.map { ($0.name, $0.value.rawValue) }) }
    public var description: String { "[" + names.joined(separator: ", ") + "]" }
}

func flagNames(_ value: CInt, _ named: [(String, CInt)]) -> [String] {
    var rest = value
    var names: [String] = []
    for (name, bit) in named where bit != 0 && value & bit == bit && rest & bit != 0 {
        names.append(name)
        rest &= ~bit
    }
    if rest != 0 { names.append(String(rest)) }
    return names
}
