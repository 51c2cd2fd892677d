import OTPSocket
import SocketConstants
import SystemPackage

/// `init(nativeBytes:)` of every type an option, control message or ioctl carries: any
/// bytes decode or throw `InvalidValue` without reading past them, and a decoded value that
/// encodes decodes back to itself.
///
/// Input: a byte that picks the type (``OptionValueTarget/types``), then the bytes the
/// kernel would have written.
public enum OptionValueTarget {
    /// One value type and its checks.
    public struct ValueType: Sendable {
        public let name: String
        /// The type, to tell whether a key's value type is covered.
        public let type: any SocketOptionValue.Type
        /// The bytes `getsockopt` is given for it.
        var capacity: Int { type.nativeCapacity }
        let check: @Sendable (UnsafeRawBufferPointer) throws(FuzzViolation) -> Void
    }

    static func run(_ data: UnsafeRawBufferPointer) throws(FuzzViolation) {
        var input = FuzzInput(data)
        let type = types[input.below(types.count)]
        try type.check(input.rest())
    }

    /// Every value type. `OptionValueTargetTests` checks that each option key's value type
    /// is here; a new one fails that test until it is added.
    public static let types: [ValueType] = [
        // Scalars and hand-written values.
        roundTrip(Bool.self), roundTrip(Int.self), roundTrip(UInt.self), roundTrip(UInt64.self),
        roundTrip(String.self), roundTrip([UInt8].self), roundTrip(Errno.self), roundTrip(IPv4Address.self),
        roundTrip(IPv6Hops.self), roundTrip(IPMsfilter.self), structured(IPv6GroupSourceReq.self),
        // Enumerations.
        named(Domain.self), named(SocketType.self), named(SocketProtocol.self), named(Level.self), named(Posix.self),
        named(IPTos.self), named(IPPmtudisc.self), named(IPv6Pmtudisc.self), named(PacketType.self), named(Hatype.self),
        named(ICMPType.self), named(ICMPDestUnreach.self), named(ICMPv6Type.self), named(ICMPv6DestUnreach.self),
        named(EEOrigin.self), named(Shutdown.self),
        // Structs of Spec/values.tbl.
        structured(Linger.self), structured(Timeval.self), structured(Timespec.self), structured(Ucred.self),
        structured(IPMreq.self), structured(IPMreqn.self), structured(IPMreqSource.self), structured(InPktinfo.self),
        structured(IPv6Mreq.self), structured(In6Pktinfo.self), structured(SockExtendedErr.self), structured(TCPInfo.self),
        structured(IfMap.self),
        structured(SCTPAssocparams.self), structured(SCTPEventSubscribe.self), structured(SCTPInitmsg.self),
        structured(SCTPRtoinfo.self), structured(SCTPAssocValue.self), structured(SCTPSndrcvinfo.self),
        structured(SCTPSetadaptation.self), structured(SCTPAuthkeyid.self), structured(SCTPAuthchunk.self),
        structured(SCTPPrim.self), structured(SCTPSetpeerprim.self), structured(SCTPPaddrinfo.self),
        structured(SCTPPaddrparams.self), structured(SCTPStatus.self),
        // The core's own: native values and the otp level (no C form: decoding always fails).
        roundTrip(NativeValue.self), roundTrip(OTPRcvbuf.self), decodeOnly(OTPMeta.self),
    ]

    static func decode<V: SocketOptionValue>(_ raw: UnsafeRawBufferPointer, as type: V.Type) -> V? {
        try? V(nativeBytes: raw)
    }

    /// `value`'s encoding decodes back to `value`; a value the encoder refuses is let be
    /// (the kernel may report values no one may set).
    static func roundTrip<V: SocketOptionValue & Equatable>(_ value: V) throws(FuzzViolation) {
        let bytes: [UInt8]
        do throws(InvalidValue) {
            bytes = try value.withNativeBytes { Array($0) }
        } catch {
            return
        }
        let again = bytes.withUnsafeBytes { decode($0, as: V.self) }
        guard again == value else {
            throw FuzzViolation("\(V.self): \(value) encodes to \(bytes), which decodes to \(again.map { "\($0)" } ?? "an error")")
        }
    }

    static func decodeOnly<V: SocketOptionValue>(_ type: V.Type) -> ValueType {
        ValueType(name: "\(V.self)", type: V.self) { raw throws(FuzzViolation) in
            _ = decode(raw, as: V.self)
        }
    }

    static func roundTrip<V: SocketOptionValue & Equatable>(_ type: V.Type) -> ValueType {
        ValueType(name: "\(V.self)", type: V.self) { raw throws(FuzzViolation) in
            guard let value = decode(raw, as: V.self) else { return }
            try roundTrip(value)
        }
    }

    /// Also: the Erlang name of a value denotes it.
    static func named<V: NamedConstant>(_ type: V.Type) -> ValueType {
        ValueType(name: "\(V.self)", type: V.self) { raw throws(FuzzViolation) in
            guard let value = decode(raw, as: V.self) else { return }
            try roundTrip(value)
            if let name = value.name, V(name: name)?.rawValue != value.rawValue {
                throw FuzzViolation("\(V.self) \(value.rawValue) is named \(name), which denotes \(V(name: name).map { "\($0.rawValue)" } ?? "nothing")")
            }
        }
    }

    /// Also: setting a decoded value's fields by name, as `setopt` by name does, gives the
    /// same value.
    static func structured<V: StructuredOptionValue>(_ type: V.Type) -> ValueType {
        ValueType(name: "\(V.self)", type: V.self) { raw throws(FuzzViolation) in
            guard let value = decode(raw, as: V.self) else { return }
            try roundTrip(value)
            let fields = value.fields
            guard fields.map(\.name) == V.fieldNames else {
                throw FuzzViolation("\(V.self) has fields \(fields.map(\.name)), fieldNames says \(V.fieldNames)")
            }
            let rebuilt: V
            do throws(InvalidValue) {
                rebuilt = try V(fields: Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
            } catch {
                throw FuzzViolation("\(V.self): \(value) cannot be rebuilt from its fields: \(error.what)")
            }
            guard rebuilt == value else { throw FuzzViolation("\(V.self): \(value) rebuilt from its fields is \(rebuilt)") }
        }
    }
}
