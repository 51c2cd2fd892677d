import SocketConstants
import SystemPackage

/// A value for `setoptNative`: Erlang `native_value()`.
public enum NativeValue: Sendable, Hashable, CustomStringConvertible {
    /// A C `int`.
    case integer(Int)
    /// A C `int`, `0` or `1`.
    case boolean(Bool)
    /// The bytes and their count, as they are.
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .boolean(let v): return String(v)
        case .bytes(let v): return "<<\(v.map(String.init).joined(separator: ","))>>"
        }
    }

    /// The integer, or `nil` for another case.
    public var integer: Int? { if case .integer(let v) = self { v } else { nil } }
    /// The boolean, or `nil` for another case.
    public var boolean: Bool? { if case .boolean(let v) = self { v } else { nil } }
    /// The bytes, or `nil` for another case.
    public var bytes: [UInt8]? { if case .bytes(let v) = self { v } else { nil } }
}

/// How `getoptNative` reads a value: Erlang's `ValueType | ValueSize | ValueSpec`.
public enum NativeValueSpec: Sendable, Hashable {
    /// A C `int`, returned as ``NativeValue/integer(_:)``.
    case integer
    /// A C `int`, returned as ``NativeValue/boolean(_:)`` (non-zero is true).
    case boolean
    /// A buffer of this many zero bytes; returns the bytes the kernel wrote.
    case size(Int)
    /// A buffer holding these bytes (some options read their argument from it); returns
    /// the bytes the kernel wrote, as many as it reported.
    case buffer([UInt8])
}

extension NativeValue: SocketOptionValue {
    public static var nativeCapacity: Int { MemoryLayout<CInt>.size }

    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        switch self {
        case .integer(let v): return try v.withNativeBytes(body)
        case .boolean(let v): return try v.withNativeBytes(body)
        case .bytes(let v): return try v.withNativeBytes(body)
        }
    }

    /// Decodes as bytes: the typed side chooses integer or boolean itself.
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self = .bytes(Array(raw))
    }
}

extension Socket {
    /// Erlang `setopt_native/3` with `{NativeLevel, NativeOpt}` or `{Level, NativeOpt}`:
    /// `try socket.setoptNative(.socket, Native.SO_KEEPALIVE, .boolean(true))`, or any
    /// integers with `Level(rawValue:)`. Nothing is checked but that an integer fits a C `int`;
    /// the kernel's refusal is its errno.
    public func setoptNative(_ level: Level, _ option: CInt, _ value: NativeValue) throws(SocketError) {
        try setNative(level: level.rawValue, option: option, value, describing: "{\(level), \(option)} = \(value)")
    }

    /// Erlang `setopt_native/3` with a known `socket_option()`: the key's level and option,
    /// the value in C form. Works on a get-only key too (the kernel decides).
    public func setoptNative<Value, Access>(_ option: SocketOption<Value, Access>, _ value: NativeValue) throws(SocketError) {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        try setNative(level: level, option: name, value, describing: "\(option) = \(value)")
    }

    /// Erlang `getopt_native/3` with `{NativeLevel, NativeOpt}` or `{Level, NativeOpt}`.
    ///
    /// Differs from OTP 25 in one corner: `.size(0)` returns empty bytes where OTP passes the
    /// kernel a NULL buffer and reports `efault`.
    public func getoptNative(_ level: Level, _ option: CInt, as spec: NativeValueSpec) throws(SocketError) -> NativeValue {
        try getNative(level: level.rawValue, option: option, as: spec, describing: "{\(level), \(option)}")
    }

    /// Erlang `getopt_native/3` with a known `socket_option()`. Works on a set-only key too.
    public func getoptNative<Value, Access>(_ option: SocketOption<Value, Access>, as spec: NativeValueSpec) throws(SocketError) -> NativeValue {
        guard let level = option.level, let name = option.option else { throw .invalid("\(option)") }
        return try getNative(level: level, option: name, as: spec, describing: "\(option)")
    }

    func getNative(level: CInt, option: CInt, as spec: NativeValueSpec, describing what: String) throws(SocketError) -> NativeValue {
        let capacity: Int
        var initial: [UInt8] = []
        switch spec {
        case .integer, .boolean: capacity = MemoryLayout<CInt>.size
        case .size(let size):
            guard size >= 0, size <= Int(Int32.max) else { throw .invalid("\(what): value size \(size)") }
            capacity = size
        case .buffer(let bytes):
            capacity = bytes.count
            initial = bytes
        }
        return try withOptionBytes(level: level, option: option, capacity: capacity, initial: initial) { (raw) throws(SocketError) in
            switch spec {
            case .integer, .boolean:
                do throws(InvalidValue) {
                    let value = try Int(nativeBytes: raw)
                    return spec == .integer ? .integer(value) : .boolean(value != 0)
                } catch {
                    throw .invalid("\(what): \(error.what)")
                }
            case .size, .buffer:
                return .bytes(Array(raw))
            }
        }
    }
}
