/// A Swift type that one field of a C struct can hold: stored and loaded at the field's
/// measured offset and size, in the platform's byte order (network order for addresses).
public protocol NativeField {
    func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool
    static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> Self
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` in `field`; throws when it does not fit the field or the buffer.
    @inlinable
    public func storeField<T: NativeField>(_ value: T, _ field: FieldLayout, _ name: String) throws(InvalidValue) {
        guard field.end <= count, value.store(into: self, at: field) else {
            throw InvalidValue("\(name) = \(value) does not fit \(field.size) bytes")
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Loads `field`; throws when the buffer is too short to hold it (never over-reads).
    @inlinable
    public func loadField<T: NativeField>(_ field: FieldLayout, _ name: String) throws(InvalidValue) -> T {
        guard field.end <= count else {
            throw InvalidValue("\(name): \(count) bytes do not reach offset \(field.end)")
        }
        return T.load(from: self, at: field)
    }

    /// A signed integer of 1, 2, 4 or 8 bytes at `offset`, in native byte order.
    @inlinable
    public func loadSigned(at offset: Int, size: Int) -> Int64 {
        switch size {
        case 1: return Int64(loadUnaligned(fromByteOffset: offset, as: Int8.self))
        case 2: return Int64(loadUnaligned(fromByteOffset: offset, as: Int16.self))
        case 4: return Int64(loadUnaligned(fromByteOffset: offset, as: Int32.self))
        default: return loadUnaligned(fromByteOffset: offset, as: Int64.self)
        }
    }

    /// An unsigned integer of 1, 2, 4 or 8 bytes at `offset`, in native byte order.
    @inlinable
    public func loadUnsigned(at offset: Int, size: Int) -> UInt64 {
        switch size {
        case 1: return UInt64(loadUnaligned(fromByteOffset: offset, as: UInt8.self))
        case 2: return UInt64(loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        case 4: return UInt64(loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        default: return loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        }
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores the low `size` bytes of `value` at `offset`; false when it does not fit.
    @inlinable
    public func storeSigned(_ value: Int64, at offset: Int, size: Int) -> Bool {
        switch size {
        case 1: guard let v = Int8(exactly: value) else { return false }; storeBytes(of: v, toByteOffset: offset, as: Int8.self)
        case 2: guard let v = Int16(exactly: value) else { return false }; storeBytes(of: v, toByteOffset: offset, as: Int16.self)
        case 4: guard let v = Int32(exactly: value) else { return false }; storeBytes(of: v, toByteOffset: offset, as: Int32.self)
        case 8: storeBytes(of: value, toByteOffset: offset, as: Int64.self)
        default: return false
        }
        return true
    }

    @inlinable
    public func storeUnsigned(_ value: UInt64, at offset: Int, size: Int) -> Bool {
        switch size {
        case 1: guard let v = UInt8(exactly: value) else { return false }; storeBytes(of: v, toByteOffset: offset, as: UInt8.self)
        case 2: guard let v = UInt16(exactly: value) else { return false }; storeBytes(of: v, toByteOffset: offset, as: UInt16.self)
        case 4: guard let v = UInt32(exactly: value) else { return false }; storeBytes(of: v, toByteOffset: offset, as: UInt32.self)
        case 8: storeBytes(of: value, toByteOffset: offset, as: UInt64.self)
        default: return false
        }
        return true
    }
}

extension Int: NativeField {
    @inlinable
    public func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool {
        raw.storeSigned(Int64(self), at: field.offset, size: field.size)
    }

    @inlinable
    public static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> Int {
        Int(truncatingIfNeeded: raw.loadSigned(at: field.offset, size: field.size))
    }
}

extension UInt: NativeField {
    @inlinable
    public func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool {
        raw.storeUnsigned(UInt64(self), at: field.offset, size: field.size)
    }

    @inlinable
    public static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> UInt {
        UInt(truncatingIfNeeded: raw.loadUnsigned(at: field.offset, size: field.size))
    }
}

extension Bool: NativeField {
    @inlinable
    public func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool {
        raw.storeUnsigned(self ? 1 : 0, at: field.offset, size: field.size)
    }

    @inlinable
    public static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> Bool {
        raw.loadUnsigned(at: field.offset, size: field.size) != 0
    }
}

extension Array: NativeField where Element == UInt8 {
    /// Bytes fill the field from its start; a shorter array leaves the rest zero.
    @inlinable
    public func store(into raw: UnsafeMutableRawBufferPointer, at field: FieldLayout) -> Bool {
        guard count <= field.size else { return false }
        for (i, byte) in enumerated() { raw[field.offset + i] = byte }
        return true
    }

    @inlinable
    public static func load(from raw: UnsafeRawBufferPointer, at field: FieldLayout) -> [UInt8] {
        Array(raw[field.offset..<field.end])
    }
}
