import SocketSnapshot

/// What a platform's C headers define, as Erlang's `socket:supports/0,1,2` and
/// `socket:is_supported/1,2,3` report it, answered from the committed probe snapshots.
///
/// Keys are Erlang's atoms as strings. `supports()` holds, in OTP's order:
/// `ioctl_requests`, `ioctl_flags`, `options`, `msg_flags` and `protocols` (lists), and
/// `sctp`, `ipv6`, `local`, `netns` and `sendfile` (booleans). A key that is not one of
/// these answers `[]` or `false`, as in Erlang.
///
/// Differences from Erlang:
/// - every function takes an optional `triple` and answers for that platform's committed
///   snapshot (`nil`: the platform this was built for); a triple without a snapshot answers
///   as an unknown key does. ``SpecTables/triples`` lists the known ones;
/// - `supports("options")` is nested, `[level: [option: bool]]`, where OTP returns a flat
///   `[{{Level, Opt}, boolean()}]`; `supports("options", level)` is OTP's;
/// - every row of the spec is listed, also the names the manual has and Linux lacks (as
///   `false`), and the Linux options OTP 25 reports unsupported (`{tcp, user_timeout}`,
///   `{socket, peercred}`, ...) are `true` when the headers define them;
/// - `protocols` lists the spec's protocols, not every entry of `getprotoent()`;
/// - these are the headers' answers only: ``KernelSupport`` says what the running kernel
///   accepts (OTP's `sctp` is `true` on kernels that refuse SCTP).
public enum Supports {
    /// The keys of `supports()` that hold a list, in OTP's order.
    public static let listKeys = ["ioctl_requests", "ioctl_flags", "options", "msg_flags", "protocols"]
    /// The keys of `supports()` that hold a boolean, in OTP's order.
    public static let booleanKeys = ["sctp", "ipv6", "local", "netns", "sendfile"]

    /// Erlang `supports()`: every key with its answer.
    public static func supports(triple: String? = nil) -> [SupportsEntry] {
        guard let snapshot = snapshot(triple) else { return [] }
        return listKeys.map { SupportsEntry($0, .list(list($0, snapshot))) }
            + booleanKeys.map { SupportsEntry($0, .boolean(boolean($0, snapshot))) }
    }

    /// Erlang `supports(Key1)`: the entries under a list key; `[]` for a boolean or unknown
    /// key.
    public static func supports(_ key1: String, triple: String? = nil) -> [SupportsEntry] {
        guard let snapshot = snapshot(triple) else { return [] }
        return list(key1, snapshot)
    }

    /// Erlang `supports(Key1, Key2)`: for `options`, the options of level `key2`; `[]`
    /// otherwise.
    public static func supports(_ key1: String, _ key2: String, triple: String? = nil) -> [SupportsEntry] {
        supports(key1, triple: triple)[key: key2]?.entries ?? []
    }

    /// Erlang `is_supported(Key1)`: a boolean key's answer; `false` for any other key.
    public static func isSupported(_ key1: String, triple: String? = nil) -> Bool {
        guard let snapshot = snapshot(triple) else { return false }
        return boolean(key1, snapshot)
    }

    /// Erlang `is_supported(Key1, Key2)`: whether `key2` is supported among `key1`'s entries
    /// (`is_supported("msg_flags", "peek")`); `false` for a level of `options`.
    ///
    /// Erlang's `is_supported(options, {Level, Opt})` is
    /// ``isSupported(_:_:_:triple:)`` here.
    public static func isSupported(_ key1: String, _ key2: String, triple: String? = nil) -> Bool {
        supports(key1, triple: triple)[key: key2]?.isTrue ?? false
    }

    /// Erlang `is_supported(options, {Level, Opt})` (and OTP's `is_supported/3`): whether
    /// option `key3` of level `key2` is supported.
    public static func isSupported(_ key1: String, _ key2: String, _ key3: String, triple: String? = nil) -> Bool {
        supports(key1, key2, triple: triple)[key: key3]?.isTrue ?? false
    }

    static func snapshot(_ triple: String?) -> Snapshot? {
        SpecTables.snapshot(for: triple ?? SpecTables.currentTriple)
    }

    static func list(_ key: String, _ snapshot: Snapshot) -> [SupportsEntry] {
        func flags(_ rows: [(name: String, constant: String)]) -> [SupportsEntry] {
            rows.map { SupportsEntry($0.name, .boolean(snapshot.defines($0.constant))) }
        }
        switch key {
        case "ioctl_requests":
            return SpecTables.ioctlRequests.map { SupportsEntry($0.name, .boolean(snapshot.defines($0.constant))) }
        case "ioctl_flags":
            return flags(SpecTables.ioctlFlags)
        case "options":
            return SpecTables.levels.map { level in
                let levelDefined = snapshot.defines(level.constant)
                let options = SpecTables.options.filter { $0.level == level.name }.map {
                    SupportsEntry($0.name, .boolean(levelDefined && snapshot.defines($0.constant)))
                }
                return SupportsEntry(level.name, .list(options))
            }
        case "msg_flags":
            return flags(SpecTables.msgFlags)
        case "protocols":
            return flags(SpecTables.protocols)
        default:
            return []
        }
    }

    static func boolean(_ key: String, _ snapshot: Snapshot) -> Bool {
        switch key {
        case "sctp": return snapshot.defines("IPPROTO_SCTP")
        case "ipv6": return snapshot.defines("AF_INET6")
        case "local": return snapshot.defines("AF_LOCAL")
        case "netns": return snapshot.defines("CLONE_NEWNET") && snapshot.defines("SYS_setns")
        case "sendfile": return snapshot.defines("SYS_sendfile")
        default: return false
        }
    }
}

extension Snapshot {
    /// Whether the headers define the C name.
    func defines(_ name: String) -> Bool { value(name) != nil }
}
