/// Erlang `ipv6_hops()`: `default` (the route's default, C `-1`, only valid to set) or 0...255.
public enum IPv6Hops: SocketOptionValue, Hashable, Sendable {
    case `default`
    case hops(Int)

    public static var nativeCapacity: Int { MemoryLayout<CInt>.size }

    public func withNativeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) throws(InvalidValue) -> R {
        let value: CInt
        switch self {
        case .default: value = -1
        case .hops(let hops):
            guard (0...255).contains(hops) else { throw InvalidValue("ipv6 hops \(hops) is not default or 0..255") }
            value = CInt(hops)
        }
        return withUnsafeBytes(of: value) { body($0) }
    }

    public init(nativeBytes raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        let value = try loadCInteger(raw, "ipv6 hops")
        self = value < 0 ? .default : .hops(Int(value))
    }
}
