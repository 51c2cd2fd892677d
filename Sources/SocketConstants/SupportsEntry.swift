/// One answer of ``Supports``: Erlang's `{Key, boolean()}` or `{Key, [{Key2, ...}]}`.
public struct SupportsEntry: Sendable, Hashable {
    /// The Erlang atom, as a string (`ipv6`, `options`, `reuseaddr`).
    public var key: String
    public var value: SupportsValue

    /// An entry `{key, value}`.
    public init(_ key: String, _ value: SupportsValue) {
        self.key = key
        self.value = value
    }
}

/// What one key of ``Supports`` holds: a boolean, or a list of further keys.
public enum SupportsValue: Sendable, Hashable {
    case boolean(Bool)
    case list([SupportsEntry])

    /// The boolean, or `false` for a list (as Erlang's `is_supported/1,2` answers for a key
    /// that holds a list).
    public var isTrue: Bool {
        if case .boolean(true) = self { return true }
        return false
    }

    /// The entries, or none for a boolean (as Erlang's `supports/1,2` answers for a key that
    /// holds a boolean).
    public var entries: [SupportsEntry] {
        if case .list(let entries) = self { return entries }
        return []
    }
}

extension Array where Element == SupportsEntry {
    /// The value under `key`, if the list has one.
    public subscript(key key: String) -> SupportsValue? {
        first { $0.key == key }?.value
    }
}
