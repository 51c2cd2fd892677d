/// A typed socket-option key: Erlang `{Level, Opt}`, with the value type and access the spec
/// gives it. Keys are generated per platform; one the platform does not define still exists,
/// with `isSupported == false`, and `getopt`/`setopt` fail on it with `invalid`.
///
/// `Access` is ``ReadWrite``, ``ReadOnly`` or ``WriteOnly``, so that `setopt` on a get-only
/// key (`.socket.acceptconn`) does not compile.
@frozen
public struct SocketOption<Value: SocketOptionValue, Access: OptionAccess>: Sendable, Hashable, CustomStringConvertible {
    /// The Erlang level name (`socket`, `ip`, `ipv6`, `tcp`, `udp`, `sctp`).
    public let levelName: String
    /// The Erlang option name (`reuseaddr`).
    public let name: String
    /// The C level and option, or `nil` where the platform does not define them.
    public let level: CInt?
    public let option: CInt?

    @inlinable
    public init(levelName: String, name: String, level: CInt?, option: CInt?) {
        self.levelName = levelName
        self.name = name
        self.level = level
        self.option = option
    }

    @inlinable public var isSupported: Bool { level != nil && option != nil }

    public var description: String { "{\(levelName), \(name)}" }
}

/// Whether a key may be read or written.
public protocol OptionAccess: Sendable, Hashable {}
/// A key that `getopt` accepts.
public protocol GettableAccess: OptionAccess {}
/// A key that `setopt` accepts.
public protocol SettableAccess: OptionAccess {}

/// Both `getopt` and `setopt`.
public enum ReadWrite: GettableAccess, SettableAccess {}
/// "Only valid to get", as the manual says.
public enum ReadOnly: GettableAccess {}
/// "Only valid to set", as the manual says.
public enum WriteOnly: SettableAccess {}

/// A value an option can carry, with its C encoding.
public protocol SocketOptionValue: Sendable {
    /// How many bytes `getsockopt` is given to write the value into.
    static var nativeCapacity: Int { get }
    /// Encodes the value and calls `body` with the bytes `setsockopt` takes.
    func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R
    /// Decodes the bytes `getsockopt` wrote (exactly as many as it reported).
    init(nativeBytes: UnsafeRawBufferPointer) throws(InvalidValue)
}

/// One row of the spec's option, control-message or ioctl tables.
public struct OptionInfo: Sendable, Hashable {
    public var level: String
    public var name: String
    public var constant: String
    public var valueType: String
    public var access: Access

    public init(level: String, name: String, constant: String, valueType: String, access: Access) {
        self.level = level
        self.name = name
        self.constant = constant
        self.valueType = valueType
        self.access = access
    }

    /// `.read`: get / receive; `.write`: set / send.
    public struct Access: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = Access(rawValue: 1)
        public static let write = Access(rawValue: 2)
    }
}

/// The spec's tables and the probed snapshots (generated).
public enum SpecTables {}
