/// Where a spec row was read: the file and the 1-based line number.
public struct SpecLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// A row that names one C constant under an Erlang name: a level, a message flag, a domain,
/// a socket type, a protocol, an ioctl device flag or a member of an enumeration.
public struct NamedConstant: Sendable, Hashable {
    public var name: String
    public var constant: String
    public var location: SpecLocation
}

/// A constant the core uses directly, optionally probed through a C expression.
public struct ConstantRow: Sendable, Hashable {
    public var name: String
    /// The Swift type the generated constant has (`CInt`, `Int`, `UInt`, `CUnsignedLong`).
    public var swiftType: String
    /// The C expression to evaluate; the name itself when the row says `-`.
    public var expression: String
    public var location: SpecLocation
}

/// Who may read or write an option, a control message or an ioctl request.
public struct Access: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `getopt`, received control messages, get ioctl requests.
    public static let read = Access(rawValue: 1)
    /// `setopt`, sent control messages, set ioctl requests.
    public static let write = Access(rawValue: 2)
}

/// One socket option: `{Level, Opt}` in Erlang.
public struct OptionRow: Sendable, Hashable {
    public var level: String
    public var name: String
    public var constant: String
    public var type: String
    public var access: Access
    public var location: SpecLocation
}

/// One control-message type of `cmsg_send()` / `cmsg_recv()`.
public struct ControlMessageRow: Sendable, Hashable {
    public var level: String
    public var name: String
    public var constant: String
    public var type: String
    /// `.write` means it can be sent, `.read` that it can be received.
    public var access: Access
    public var location: SpecLocation
}

/// One ioctl request (`gifconf`, `sifmtu`, ...).
public struct IoctlRow: Sendable, Hashable {
    public var name: String
    public var constant: String
    public var type: String
    public var access: Access
    public var location: SpecLocation
}

/// A C struct whose size, alignment and field offsets the probe measures.
public struct StructSpec: Sendable, Hashable {
    public var name: String
    public var fields: [String]
    public var location: SpecLocation

    /// How C spells the type.
    public var cType: String { "struct \(name)" }
}

/// How one member of a structured value is stored in its C field.
public enum FieldKind: String, Sendable, Hashable, CaseIterable {
    case bool, int, uint
    case inAddr = "in_addr"
    case in6Addr = "in6_addr"
    case bytes
    /// A C bit-field: `offsetof` cannot measure it, so no structs table lists it; the value
    /// type declares it and hand-written `encodeBitFields(into:)`/`decodeBitFields(from:)`
    /// store and load it (`tcp_info`'s 4-bit `tcpi_snd_wscale`).
    case bits
}

/// A structured Swift value encoded into a C struct, field by field.
public struct ValueSpec: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var field: String
        public var swiftName: String
        public var kind: FieldKind
        public var location: SpecLocation
    }

    /// The Swift type name (`Linger`, `TCPInfo`).
    public var name: String
    /// The C struct tag (`linger`, `tcp_info`).
    public var cStruct: String
    public var members: [Member]
    public var location: SpecLocation
}

/// One of the manual's enumerations (`ip_tos`, `hatype`, ...).
public struct EnumSpec: Sendable, Hashable {
    public var name: String
    public var cases: [NamedConstant]
    public var location: SpecLocation
}
