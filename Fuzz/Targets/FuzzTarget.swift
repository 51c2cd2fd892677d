#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A property a fuzz target found broken: what the decoder returned and what it promised.
public struct FuzzViolation: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The library's fuzz targets: decoders fed arbitrary bytes. Each must return (never trap,
/// never read past its input) and keep the promises its documentation makes; a broken
/// promise is a ``FuzzViolation``.
///
/// libFuzzer runs them through the `otp-socket-fuzz` executable (`.ci/fuzz.sh`); the
/// inputs that once failed are replayed by `FuzzTargetsTests` (Docs/Reliability.md).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `SpecParser.parse(files:)` on tables of arbitrary text.
    case specParser = "spec-parser"
    /// `CmsgRecv.decode(native:)` on arbitrary control buffers, and encode/decode round trips.
    case controlMessages = "control-messages"
    /// `SocketAddress(native:)` on arbitrary addresses, and encode/decode round trips.
    case addresses
    /// `init(nativeBytes:)` of every option, control-message and ioctl value type.
    case optionValues = "option-values"

    /// Runs the target on one input.
    public func run(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        switch self {
        case .specParser: try SpecParserTarget.run(data)
        case .controlMessages: try ControlMessageTarget.run(data)
        case .addresses: try AddressTarget.run(data)
        case .optionValues: try OptionValueTarget.run(data)
        }
    }

    /// Runs the target on `bytes` placed at the very end of a readable page that an
    /// inaccessible page follows, so that reading one byte past the input crashes even
    /// without AddressSanitizer (the replay of committed inputs).
    public func runGuarded(_ bytes: [UInt8]) throws(FuzzViolation) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let pages = (bytes.count + page - 1) / page + 1
        guard let base = mmap(nil, (pages + 1) * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else {
            throw FuzzViolation("mmap of \(pages + 1) pages failed")
        }
        defer { munmap(base, (pages + 1) * page) }
        guard mprotect(base + pages * page, page, PROT_NONE) == 0 else { throw FuzzViolation("mprotect failed") }
        let start = base + pages * page - bytes.count
        bytes.withUnsafeBytes { if let source = $0.baseAddress { start.copyMemory(from: source, byteCount: bytes.count) } }
        try run(UnsafeRawBufferPointer(start: start, count: bytes.count))
    }
}

/// Reads an input front to back: the fuzz targets draw their choices from it.
struct FuzzInput {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isEmpty: Bool { offset >= bytes.count }

    /// The next byte, 0 once the input is used up.
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A number below `n` (> 0) from the next byte.
    mutating func below(_ n: Int) -> Int { Int(byte()) % n }

    /// The next `count` bytes, or fewer at the end.
    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max(0, count))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// What is left of the input, without copying.
    mutating func rest() -> UnsafeRawBufferPointer {
        defer { offset = bytes.count }
        return UnsafeRawBufferPointer(rebasing: bytes[min(offset, bytes.count)...])
    }
}
