import SystemPackage

/// Reads a C `int`-sized integer that `getsockopt` wrote; some options write a byte.
@inlinable @inline(__always)
func loadCInteger(_ raw: UnsafeRawBufferPointer, _ what: String) throws(InvalidValue) -> Int64 {
    switch raw.count {
    case 1: return Int64(raw.load(as: UInt8.self))
    case 2: return Int64(raw.loadUnaligned(as: Int16.self))
    case 4: return Int64(raw.loadUnaligned(as: Int32.self))
    case 8: return raw.loadUnaligned(as: Int64.self)
    default: throw kernelReturned(raw.count, what)
    }
}

/// The error of ``loadCInteger(_:_:)``, out of line so that the load itself inlines.
@usableFromInline @inline(never)
func kernelReturned(_ count: Int, _ what: String) -> InvalidValue {
    InvalidValue("\(what): the kernel returned \(count) bytes")
}

/// The error of a value that does not fit a C integer, out of line so that the encoding inlines.
@usableFromInline @inline(never)
func notACInt(_ value: Int) -> InvalidValue {
    InvalidValue("\(value) is not a C int")
}

extension Int: SocketOptionValue {
    @inlinable public static var nativeCapacity: Int { MemoryLayout<CInt>.size }

    /// A C `int`; a value outside its range is `invalid`.
    @inlinable
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        guard let value = CInt(exactly: self) else { throw notACInt(self) }
        return withUnsafeBytes(of: value) { body($0) }
    }

    @inlinable
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self = Int(truncatingIfNeeded: try loadCInteger(raw, "integer"))
    }
}

extension UInt: SocketOptionValue {
    @inlinable public static var nativeCapacity: Int { MemoryLayout<CUnsignedInt>.size }

    /// A C `unsigned int`; a value outside its range is `invalid`.
    @inlinable
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        guard let value = CUnsignedInt(exactly: self) else { throw InvalidValue("\(self) is not a C unsigned int") }
        return withUnsafeBytes(of: value) { body($0) }
    }

    @inlinable
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self = UInt(truncatingIfNeeded: UInt32(truncatingIfNeeded: try loadCInteger(raw, "unsigned integer")))
    }
}

extension Bool: SocketOptionValue {
    @inlinable public static var nativeCapacity: Int { MemoryLayout<CInt>.size }

    /// A C `int`: `0` for false, `1` for true.
    @inlinable
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        withUnsafeBytes(of: CInt(self ? 1 : 0)) { body($0) }
    }

    /// Non-zero is true. No bytes at all is false: on Linux `{ipv6, dstopts}`, `hopopts` and
    /// `rthdr` return the sticky extension header, empty when none is set (OTP reads false too).
    @inlinable
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self = raw.isEmpty ? false : try loadCInteger(raw, "boolean") != 0
    }
}

extension String: SocketOptionValue {
    public static var nativeCapacity: Int { 256 }

    /// The UTF-8 bytes without a terminating NUL; one inside the string is `invalid`.
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        let bytes = Array(utf8)
        guard !bytes.contains(0) else { throw InvalidValue("\"\(self)\" contains a NUL byte") }
        return bytes.withUnsafeBytes { body($0) }
    }

    /// Up to the first NUL: the kernel's padding is not part of the value (OTP keeps it).
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        let end = raw.firstIndex(of: 0) ?? raw.count
        self = String(decoding: raw[0..<end], as: UTF8.self)
    }
}

extension Array: SocketOptionValue where Element == UInt8 {
    public static var nativeCapacity: Int { 256 }

    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        withUnsafeBytes { body($0) }
    }

    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self = Array(raw)
    }
}

extension NamedConstant {
    @inlinable public static var nativeCapacity: Int { MemoryLayout<CInt>.size }

    @inlinable
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        withUnsafeBytes(of: rawValue) { body($0) }
    }

    @inlinable
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self.init(rawValue: CInt(truncatingIfNeeded: try loadCInteger(raw, "\(Self.self)")))
    }
}

extension Errno: SocketOptionValue {
    public static var nativeCapacity: Int { MemoryLayout<CInt>.size }

    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        withUnsafeBytes(of: rawValue) { body($0) }
    }

    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        self.init(rawValue: CInt(truncatingIfNeeded: try loadCInteger(raw, "errno")))
    }
}

extension IPv4Address: SocketOptionValue {
    public static var nativeCapacity: Int { 4 }

    /// A C `struct in_addr`; `.any` is Erlang's `any` (`INADDR_ANY`).
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        withUnsafeBytes(of: bytes) { body($0) }
    }

    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        guard raw.count >= 4 else { throw InvalidValue("in_addr: \(raw.count) bytes") }
        self.init(raw[0], raw[1], raw[2], raw[3])
    }
}

extension UInt64: SocketOptionValue {
    @inlinable public static var nativeCapacity: Int { MemoryLayout<UInt64>.size }

    /// A C `uint64_t` (`SO_COOKIE`), which the kernel refuses to write into a smaller buffer.
    @inlinable
    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        withUnsafeBytes(of: self) { body($0) }
    }

    @inlinable
    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        guard raw.count == MemoryLayout<UInt64>.size else { throw InvalidValue("uint64: the kernel returned \(raw.count) bytes") }
        self = raw.loadUnaligned(as: UInt64.self)
    }
}
