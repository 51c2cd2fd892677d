import OTPSocket
import SocketConstants

/// `SocketAddress(native:)`, and the encoding `bind`, `connect` and `sendto` use.
///
/// Input: a mode byte, then the bytes of a C address to decode (even mode) or of a local
/// path to encode (odd mode).
enum AddressTarget {
    static func run(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        var input = FuzzInput(data)
        if input.byte() % 2 == 0 {
            try decode(input.rest())
        } else {
            let abstract = input.byte() % 2 == 0
            let path = Array(input.rest())
            try encode(.local(abstract ? [0] + path : path))
        }
    }

    /// Any bytes decode without reading past them, keeping no more bytes than were given;
    /// an address that encodes decodes back to itself.
    static func decode(_ raw: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let address = SocketAddress(native: raw)
        switch address {
        case .local(let bytes), .unspec(let bytes), .native(_, let bytes):
            guard bytes.count <= raw.count else { throw FuzzViolation("\(bytes.count) bytes from \(raw.count): \(address)") }
        case .packet(let packet):
            guard packet.address.count <= Layout.sockaddr_ll.sll_addr.size else { throw FuzzViolation("packet address of \(packet.address.count) bytes") }
        case .inet, .inet6:
            break
        }
        try encode(address)
    }

    /// An address encodes to at most a `sockaddr_storage` that decodes back to it, or fails
    /// with `invalid`.
    static func encode(_ address: SocketAddress) throws(FuzzViolation) {
        let encoded: [UInt8]
        do throws(SocketError) {
            encoded = try address.nativeBytes()
        } catch {
            guard case .invalid = error.reason else { throw FuzzViolation("encoding \(address) failed with \(error)") }
            return
        }
        guard encoded.count <= Layout.sockaddr_storage.size else {
            throw FuzzViolation("\(address) encodes to \(encoded.count) bytes, more than a sockaddr_storage")
        }
        let again = encoded.withUnsafeBytes { SocketAddress(native: $0) }
        guard again == address else { throw FuzzViolation("\(address) encodes to \(encoded), which decodes to \(again)") }
    }
}
