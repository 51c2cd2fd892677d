/// Where one field of a C struct lies, as the generator's probe measured it.
@frozen
public struct FieldLayout: Sendable, Hashable {
    public let offset: Int
    public let size: Int

    @inlinable
    public init(offset: Int, size: Int) {
        self.offset = offset
        self.size = size
    }

    /// The first byte after the field.
    @inlinable public var end: Int { offset + size }
}

/// A value that a bad argument, an out-of-range number or a truncated C buffer makes
/// impossible to encode or decode. The core reports it as `invalid(what)`.
public struct InvalidValue: Error, Sendable, Hashable, CustomStringConvertible {
    public var what: String

    @inlinable
    public init(_ what: String) { self.what = what }

    public var description: String { "invalid: \(what)" }
}

/// Runs `body` with `size` zeroed bytes aligned to `alignment`, on the stack when small.
@inlinable
public func withNativeStorage<R>(
    size: Int, alignment: Int, _ body: (UnsafeMutableRawBufferPointer) throws(InvalidValue) -> R
) throws(InvalidValue) -> R {
    let result: Result<R, InvalidValue> = withUnsafeTemporaryAllocation(byteCount: max(size, 1), alignment: max(alignment, 1)) { raw in
        raw.initializeMemory(as: UInt8.self, repeating: 0)
        do throws(InvalidValue) {
            return .success(try body(UnsafeMutableRawBufferPointer(rebasing: raw[0..<size])))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
