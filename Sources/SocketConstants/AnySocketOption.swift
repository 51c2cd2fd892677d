/// A typed option key with its value type and access erased: what a lookup by Erlang name
/// (`SpecTables.optionKeys`) returns. Every ``SocketOption`` is one.
public protocol AnySocketOption: Sendable, CustomStringConvertible {
    var levelName: String { get }
    var name: String { get }
    var level: CInt? { get }
    var option: CInt? { get }
    /// Whether the platform defines the level and the option.
    var isSupported: Bool { get }
    /// Whether `getopt` accepts the key (the manual does not say "only valid to set").
    var isGettable: Bool { get }
    /// Whether `setopt` accepts the key (the manual does not say "only valid to get").
    var isSettable: Bool { get }
    /// The Swift type of the key's value.
    var valueType: any SocketOptionValue.Type { get }
}

extension SocketOption: AnySocketOption {
    public var isGettable: Bool { Access.self is any GettableAccess.Type }
    public var isSettable: Bool { Access.self is any SettableAccess.Type }
    public var valueType: any SocketOptionValue.Type { Value.self }
}

extension SpecTables {
    /// The typed key of `{level, name}`, or `nil` when the spec has no such option.
    public static func optionKey(level: String, name: String) -> (any AnySocketOption)? {
        optionKeys.first { $0.levelName == level && $0.name == name }
    }
}
