import OTPSocket

/// Memory a benchmark receives into and sends from, for the library's `recv(into:)` and
/// `send(_: UnsafeRawBufferPointer)`: allocated once per connection, as C's buffers are.
final class Buffer: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(_ count: Int) {
        bytes = .allocate(byteCount: count, alignment: 16)
        bytes.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "p"))
    }

    deinit { bytes.deallocate() }

    /// The first `count` bytes, to send.
    func prefix(_ count: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[..<count]) }

    /// The bytes of `range`, to receive into.
    subscript(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: bytes[range]) }
}

extension Socket {
    /// Receives until the first `count` bytes of `buffer` are filled (C's `recv_all`).
    func recvAll(_ count: Int, into buffer: Buffer) throws(SocketError) {
        var got = 0
        while got < count { got += try recv(into: buffer[got..<count]) }
    }

    func recvAll(_ count: Int, into buffer: Buffer) async throws(SocketError) {
        var got = 0
        while got < count { got += try await recv(into: buffer[got..<count]) }
    }
}
