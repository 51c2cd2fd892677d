import OTPSocket
import SocketConstants

/// `CmsgRecv.decode(native:)` and `CmsgSend.encode(_:)`.
///
/// Input: a mode byte, then either a control buffer to decode (even mode) or choices for a
/// list of messages to encode and decode back (odd mode).
enum ControlMessageTarget {
    static func run(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        var input = FuzzInput(data)
        if input.byte() % 2 == 0 {
            try decode(input.rest())
        } else {
            try roundTrip(&input)
        }
    }

    /// Any buffer decodes without reading past it: no message holds more bytes than the
    /// buffer, `rights` never adopts (nor closes) the numbers it finds, and a decoded value
    /// encodes back to the same value.
    static func decode(_ raw: UnsafeRawBufferPointer) throws(FuzzViolation) {
        let messages = CmsgRecv.decode(native: raw)
        let header = Native.CMSG_LEN_0
        guard messages.count <= raw.count / max(1, header) else {
            throw FuzzViolation("\(messages.count) messages from \(raw.count) bytes, headers of \(header)")
        }
        let total = messages.reduce(0) { $0 + $1.data.count }
        guard total + messages.count * header <= raw.count else {
            throw FuzzViolation("\(total) data bytes and \(messages.count) headers from \(raw.count) bytes")
        }
        for message in messages {
            guard let value = message.value else { continue }
            if case .rights(let received) = value {
                let width = MemoryLayout<CInt>.size
                guard received.descriptors.count == message.data.count / width else {
                    throw FuzzViolation("rights: \(received.descriptors) from \(message.data.count) bytes")
                }
                guard received.remaining == received.descriptors else { throw FuzzViolation("rights: some were taken") }
                continue
            }
            guard let send = sendable(value) else { continue }
            let again: [CmsgRecv]
            do throws(SocketError) {
                again = try CmsgSend.encode([send]).withUnsafeBytes { CmsgRecv.decode(native: $0) }
            } catch {
                continue  // a value the kernel may report but no one may send (out of range)
            }
            guard again.count == 1, again[0].value == value else {
                throw FuzzViolation("\(value) decoded from \(message.data), sent as \(send), decodes as \(again.map(\.value))")
            }
        }
    }

    /// The message that sends `value`, where there is one.
    static func sendable(_ value: CmsgRecv.Value) -> CmsgSend? {
        switch value {
        case .timestamp(let v): return .timestamp(v)
        case .credentials(let v): return .credentials(v)
        case .tos(let v): return .tos(v)
        case .ttl(let v): return .ttl(v)
        case .pktinfo(let v): return .pktinfo(v)
        case .hoplimit(let v): return .hoplimit(v)
        case .ipv6Pktinfo(let v): return .ipv6Pktinfo(v)
        case .tclass(let v): return .tclass(v)
        default: return nil
        }
    }

    /// Messages built from the input encode to a buffer that decodes to the same messages,
    /// or fail with `invalid` (a value out of its C type's range).
    static func roundTrip(_ input: inout FuzzInput) throws(FuzzViolation) {
        var sent: [CmsgSend] = []
        while !input.isEmpty, sent.count < 8 {
            sent.append(message(&input))
        }
        let buffer: [UInt8]
        do throws(SocketError) {
            buffer = try CmsgSend.encode(sent)
        } catch {
            guard case .invalid = error.reason else { throw FuzzViolation("encoding \(sent) failed with \(error)") }
            return
        }
        let decoded = buffer.withUnsafeBytes { CmsgRecv.decode(native: $0) }
        guard decoded.count == sent.count else {
            throw FuzzViolation("\(sent.count) messages encode to \(buffer.count) bytes that decode to \(decoded.count)")
        }
        for (message, received) in zip(sent, decoded) {
            switch message {
            case .rights(let fds):
                guard case .rights(let got)? = received.value, got.descriptors == fds else {
                    throw FuzzViolation("rights \(fds) came back as \(received)")
                }
            case .udpSegment(let size):
                guard received.data == withUnsafeBytes(of: size, { Array($0) }) else {
                    throw FuzzViolation("udp segment \(size) came back as \(received)")
                }
            case .native(let level, let type, let data):
                guard received.level == level, received.type == type, received.data == data else {
                    throw FuzzViolation("native \(level) \(type) \(data) came back as \(received)")
                }
            default:
                guard let value = received.value, sendable(value) == message else {
                    throw FuzzViolation("\(message) came back as \(received)")
                }
            }
        }
    }

    static func message(_ input: inout FuzzInput) -> CmsgSend {
        func int() -> Int {
            Int(truncatingIfNeeded: input.take(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        }
        func small() -> Int { Int(Int8(bitPattern: input.byte())) }
        func v4() -> IPv4Address { IPv4Address(input.byte(), input.byte(), input.byte(), input.byte()) }
        func v6() -> IPv6Address {
            let bytes = input.take(16)
            return IPv6Address(bytes: bytes + [UInt8](repeating: 0, count: 16 - bytes.count))!
        }
        // Mostly values that fit their C types, sometimes any integer at all.
        func value() -> Int { input.byte() % 4 == 0 ? int() : small() }
        switch input.below(11) {
        case 0: return .timestamp(Timeval(sec: value(), usec: value()))
        case 1: return .rights((0..<input.below(4)).map { _ in CInt(truncatingIfNeeded: value()) })
        case 2: return .credentials(Ucred(pid: value(), uid: UInt(truncatingIfNeeded: value()), gid: UInt(input.byte())))
        case 3: return .tos(IPTos(rawValue: CInt(truncatingIfNeeded: value())))
        case 4: return .ttl(value())
        case 5: return .pktinfo(InPktinfo(ifindex: value(), specDst: v4(), addr: v4()))
        case 6: return .hoplimit(value())
        case 7: return .ipv6Pktinfo(In6Pktinfo(addr: v6(), ifindex: UInt(truncatingIfNeeded: value())))
        case 8: return .tclass(value())
        case 9: return .udpSegment(UInt16(input.byte()) << 8 | UInt16(input.byte()))
        default: return .native(level: Level(rawValue: CInt(truncatingIfNeeded: value())), type: CInt(input.byte()), data: input.take(input.below(24)))
        }
    }
}
