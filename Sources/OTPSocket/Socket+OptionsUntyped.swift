import SocketConstants
import SystemPackage

/// An option value without a static type, as Erlang terms are to `getopt/2` and `setopt/3`:
/// for code that names options at run time, such as the CLI.
///
/// Atoms, strings and addresses are all `.string`: `"lowdelay"`, `"default"`, `"any"`,
/// `"abort"`, `"null"`, `"inet"`, `"eth0"`, `"127.0.0.1"`, `"ff02::1"`. Erlang maps are
/// `.structured`, keyed by the manual's field names (`onoff`, `multiaddr`, `assoc_id`).
public enum OptionValue: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case string(String)
    case bytes([UInt8])
    /// An Erlang list or tuple: the `slist` of an `ip_msfilter`, `{Count, Size}` of `{otp, rcvbuf}`.
    case list([OptionValue])
    /// An Erlang map: a structured value's fields.
    case structured([String: OptionValue])

    public var description: String {
        switch self {
        case .bool(let v): return String(v)
        case .int(let v): return String(v)
        case .string(let v): return v
        case .bytes(let v): return "<<\(v.map(String.init).joined(separator: ","))>>"
        case .list(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .structured(let v):
            return "#{" + v.keys.sorted().map { "\($0) => \(v[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}

extension Socket {
    /// Erlang `getopt/2` by name: `try socket.getopt(level: "ip", option: "tos")`.
    ///
    /// Looks the option up in the spec (`SpecTables.options`); `level` `otp` reads this
    /// library's settings (``OTPLevelOptions``). An option the spec or the platform does not
    /// know, or one only valid to set, is `invalid({Level, Opt})`; the kernel's refusal is its
    /// errno. Values come back as ``OptionValue``: a named constant as its name when it is
    /// exactly one and as its integer otherwise (OTP's `tos` read-back is lossy), strings
    /// without NUL padding, addresses as text.
    public func getopt(level: String, option name: String) throws(SocketError) -> OptionValue {
        if level == OTPLevelOptions.levelName {
            return OptionValueCoding.encode(try getOTP(name))
        }
        let option = try Socket.lookup(level: level, name: name)
        guard option.isGettable else { throw .invalid("{\(level), \(name)} is only valid to set") }
        func get<V: SocketOptionValue>(_ type: V.Type) throws(SocketError) -> OptionValue {
            OptionValueCoding.encode(try getNative(option, as: type))
        }
        return try get(option.valueType)
    }

    /// Erlang `setopt/3` by name: `try socket.setopt(level: "ip", option: "tos", value: .string("lowdelay"))`.
    ///
    /// An unknown or unsupported option, or one only valid to get, is `invalid({Level, Opt})`;
    /// a value of the wrong type or range is `invalid({Level, Opt} = Value)`; the kernel's
    /// refusal is its errno. A boolean option takes only `.bool`, as Erlang takes only
    /// `true`/`false`. Where Linux has both, a structured `ip_mreq` value with `ifindex` or
    /// `address` fields is sent as a `struct ip_mreqn`.
    public func setopt(level: String, option name: String, value: OptionValue) throws(SocketError) {
        if level == OTPLevelOptions.levelName {
            guard OTPLevelOptions.names.contains(name) else { throw .invalid("{otp, \(name)}") }
            let typed: any Sendable
            do throws(InvalidValue) {
                typed = try OptionValueCoding.decodeOTP(name, value)
            } catch {
                if name == "controlling_process" { throw .invalid(Socket.controllingProcessRefusal) }
                throw .invalid("{otp, \(name)} = \(value)\(error.what.isEmpty ? "" : ": \(error.what)")")
            }
            try setOTP(name, typed)
            return
        }
        let option = try Socket.lookup(level: level, name: name)
        guard option.isSettable else { throw .invalid("{\(level), \(name)} is only valid to get") }
        let typed: any SocketOptionValue
        do throws(InvalidValue) {
            typed = try OptionValueCoding.decode(value, as: option.valueType)
        } catch {
            throw .invalid("\(option) = \(value): \(error.what)")
        }
        try setNative(option, typed)
    }

    static func lookup(level: String, name: String) throws(SocketError) -> any AnySocketOption {
        guard let option = SpecTables.optionKey(level: level, name: name), option.isSupported else {
            throw .invalid("{\(level), \(name)}")
        }
        return option
    }
}

/// Between ``OptionValue`` and the typed values of the generated keys.
enum OptionValueCoding {
    // MARK: Typed -> OptionValue

    static func encode(_ value: any Sendable) -> OptionValue {
        switch value {
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(v)
        case let v as UInt: return Int(exactly: v).map(OptionValue.int) ?? .string(String(v))
        case let v as UInt64: return Int(exactly: v).map(OptionValue.int) ?? .string(String(v))
        case let v as String: return .string(v)
        case let v as [UInt8]: return .bytes(v)
        case let v as IPv4Address: return .string(v.description)
        case let v as IPv6Address: return .string(v.description)
        case let v as Errno: return encodeNamed(Posix(rawValue: v.rawValue))
        case let v as any NamedConstant: return encodeNamed(v)
        case let v as IPv6Hops:
            switch v {
            case .default: return .string("default")
            case .hops(let hops): return .int(hops)
            }
        case let v as IPMsfilter:
            switch v {
            case .null: return .string("null")
            case let .filter(multiaddr, interface, mode, sources):
                return .structured([
                    "multiaddr": .string(multiaddr.description), "interface": .string(interface.description),
                    "mode": .string(mode == .include ? "include" : "exclude"),
                    "slist": .list(sources.map { .string($0.description) }),
                ])
            }
        case let v as any StructuredOptionValue:
            var fields: [String: OptionValue] = [:]
            for (name, field) in v.fields { fields[name] = encode(field) }
            return .structured(fields)
        case let v as OTPRcvbuf:
            switch v {
            case .size(let size): return .int(size)
            case .buffers(let count, let size): return .list([.int(count), .int(size)])
            }
        case let v as OTPMeta:
            guard let meta = v.value else { return .string("undefined") }
            return meta as? OptionValue ?? .string(String(describing: meta))
        case let v as NativeValue:
            switch v {
            case .integer(let i): return .int(i)
            case .boolean(let b): return .bool(b)
            case .bytes(let b): return .bytes(b)
            }
        default:
            return .string(String(describing: value))
        }
    }

    static func encodeNamed(_ value: some NamedConstant) -> OptionValue {
        value.name.map(OptionValue.string) ?? .int(Int(value.rawValue))
    }

    static func encode(_ field: FieldValue) -> OptionValue {
        switch field {
        case .bool(let v): return .bool(v)
        case .int(let v): return .int(v)
        case .uint(let v): return Int(exactly: v).map(OptionValue.int) ?? .string(String(v))
        case .inAddr(let v): return .string(v.description)
        case .in6Addr(let v): return .string(v.description)
        case .bytes(let v): return .bytes(v)
        }
    }

    // MARK: OptionValue -> typed

    /// The typed value of `type` that `value` denotes; `InvalidValue` says why it does not.
    static func decode(_ value: OptionValue, as type: any SocketOptionValue.Type) throws(InvalidValue) -> any SocketOptionValue {
        switch type {
        case is Bool.Type:
            guard case .bool(let v) = value else { throw InvalidValue("not a boolean") }
            return v
        case is Int.Type:
            return try int(value)
        case is UInt.Type:
            guard let v = UInt(exactly: try int(value)) else { throw InvalidValue("negative") }
            return v
        case is UInt64.Type:
            guard let v = UInt64(exactly: try int(value)) else { throw InvalidValue("negative") }
            return v
        case is String.Type:
            guard case .string(let v) = value else { throw InvalidValue("not a string") }
            return v
        case is [UInt8].Type:
            guard case .bytes(let v) = value else { throw InvalidValue("not bytes") }
            return v
        case is IPv4Address.Type:
            return try inAddr(value)
        case is IPv6Hops.Type:
            if case .string("default") = value { return IPv6Hops.default }
            return IPv6Hops.hops(try int(value))
        case is IPMsfilter.Type:
            return try msfilter(value)
        case is Linger.Type:
            if case .string("abort") = value { return Linger.abort }
            return try structured(value, as: Linger.self)
        case is IPMreq.Type:
            // Linux's ip_mreqn, told apart by the kernel by its size.
            if case .structured(let fields) = value, fields["ifindex"] != nil || fields["address"] != nil {
                return try structured(value, as: IPMreqn.self)
            }
            return try structured(value, as: IPMreq.self)
        case let named as any NamedConstant.Type:
            return try self.named(value, as: named)
        case let structuredType as any StructuredOptionValue.Type:
            return try structured(value, as: structuredType)
        default:
            throw InvalidValue("no conversion to \(type)")
        }
    }

    static func int(_ value: OptionValue) throws(InvalidValue) -> Int {
        guard case .int(let v) = value else { throw InvalidValue("not an integer") }
        return v
    }

    static func named<T: NamedConstant>(_ value: OptionValue, as type: T.Type) throws(InvalidValue) -> T {
        switch value {
        case .string(let name):
            guard let v = T(name: name) else { throw InvalidValue("\(name) is not a \(T.self) on this platform") }
            return v
        case .int(let i):
            guard let raw = CInt(exactly: i) else { throw InvalidValue("\(i) is not a C int") }
            return T(rawValue: raw)
        default:
            throw InvalidValue("not a name or an integer")
        }
    }

    /// `any`, `loopback`, `broadcast` or dotted-quad text.
    static func inAddr(_ value: OptionValue) throws(InvalidValue) -> IPv4Address {
        guard case .string(let text) = value else { throw InvalidValue("not an address") }
        switch text {
        case "any": return .any
        case "loopback": return .loopback
        case "broadcast": return .broadcast
        default:
            guard let address = IPv4Address(text) else { throw InvalidValue("\(text) is not an IPv4 address") }
            return address
        }
    }

    /// `any`, `loopback` or RFC 4291 text.
    static func in6Addr(_ value: OptionValue) throws(InvalidValue) -> IPv6Address {
        guard case .string(let text) = value else { throw InvalidValue("not an address") }
        switch text {
        case "any": return .any
        case "loopback": return .loopback
        default:
            guard let address = IPv6Address(text) else { throw InvalidValue("\(text) is not an IPv6 address") }
            return address
        }
    }

    static func msfilter(_ value: OptionValue) throws(InvalidValue) -> IPMsfilter {
        if case .string("null") = value { return .null }
        guard case .structured(let fields) = value else { throw InvalidValue("not null or a map") }
        let known: Set = ["multiaddr", "interface", "mode", "slist"]
        if let unknown = fields.keys.first(where: { !known.contains($0) }) { throw InvalidValue("no field \(unknown)") }
        guard let multiaddr = fields["multiaddr"], let interface = fields["interface"],
              let mode = fields["mode"], case .list(let slist) = fields["slist"] ?? .list([]) else {
            throw InvalidValue("multiaddr, interface, mode and slist are mandatory")
        }
        let fmode: IPMsfilter.Mode
        switch mode {
        case .string("include"): fmode = .include
        case .string("exclude"): fmode = .exclude
        default: throw InvalidValue("mode = \(mode)")
        }
        var sources: [IPv4Address] = []
        for source in slist { sources.append(try inAddr(source)) }
        return .filter(multiaddr: try inAddr(multiaddr), interface: try inAddr(interface), mode: fmode, sources: sources)
    }

    static func structured<T: StructuredOptionValue>(_ value: OptionValue, as type: T.Type) throws(InvalidValue) -> T {
        guard case .structured(let given) = value else { throw InvalidValue("not a map") }
        let kinds = Dictionary(T().fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        var fields: [String: FieldValue] = [:]
        for (name, field) in given {
            guard let kind = kinds[name] else { throw InvalidValue("\(T.self) has no field \(name)") }
            fields[name] = try fieldValue(field, like: kind, name)
        }
        return try T(fields: fields)
    }

    static func fieldValue(_ value: OptionValue, like kind: FieldValue, _ name: String) throws(InvalidValue) -> FieldValue {
        switch (kind, value) {
        case (.bool, .bool(let v)): return .bool(v)
        case (.int, .int(let v)): return .int(v)
        case (.uint, .int(let v)): return .int(v)
        case (.inAddr, _): return .inAddr(try inAddr(value))
        case (.in6Addr, _): return .in6Addr(try in6Addr(value))
        case (.bytes, .bytes(let v)): return .bytes(v)
        default: throw InvalidValue("\(name) = \(value)")
        }
    }

    // MARK: otp level

    /// The typed value of an `otp`-level option.
    static func decodeOTP(_ name: String, _ value: OptionValue) throws(InvalidValue) -> any Sendable {
        switch (name, value) {
        case ("rcvbuf", .string("default")): return OTPRcvbuf.default
        case ("rcvbuf", .int(let size)): return OTPRcvbuf.size(size)
        case ("rcvbuf", .list(let pair)):
            guard pair.count == 2, case .int(let count) = pair[0], case .int(let size) = pair[1] else { throw InvalidValue("") }
            return OTPRcvbuf.buffers(count: count, size: size)
        case ("rcvctrlbuf", .string("default")), ("sndctrlbuf", .string("default")): return OTPSettings.defaultCtrlbuf
        case ("rcvctrlbuf", .int(let size)), ("sndctrlbuf", .int(let size)): return size
        case ("meta", _): return OTPMeta(value)
        case ("use_registry", .bool(let v)), ("debug", .bool(let v)), ("iow", .bool(let v)): return v
        case ("fd", _), ("domain", _): throw InvalidValue("only valid to get")
        default: throw InvalidValue("")
        }
    }
}
