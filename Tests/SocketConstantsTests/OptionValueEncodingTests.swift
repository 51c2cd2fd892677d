import SocketConstants
import SystemPackage
import Testing

/// The bytes `setsockopt` is given, and what is decoded from the bytes `getsockopt` wrote.
func encode<V: SocketOptionValue>(_ value: V) throws(InvalidValue) -> [UInt8] {
    try value.withNativeBytes { Array($0) }
}

func decode<V: SocketOptionValue>(_ bytes: [UInt8], as: V.Type = V.self) throws(InvalidValue) -> V {
    let result: Result<V, InvalidValue> = bytes.withUnsafeBytes { raw in
        do throws(InvalidValue) { return .success(try V(nativeBytes: raw)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// A C `int` at `offset` of `bytes`, in native byte order.
func cInt(_ bytes: [UInt8], at offset: Int) -> CInt {
    bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: CInt.self) }
}

@Suite struct OptionValueEncodingTests {
    @Test func lingerRoundTripsThroughItsCStruct() throws {
        let value = Linger(onoff: true, linger: 7)
        let bytes = try encode(value)
        #expect(bytes.count == Layout.linger.size)
        #expect(cInt(bytes, at: Layout.linger.l_onoff.offset) == 1)
        #expect(cInt(bytes, at: Layout.linger.l_linger.offset) == 7)
        #expect(try decode(bytes) == value)
        #expect(try decode(try encode(Linger())) == Linger(onoff: false, linger: 0))
    }

    @Test func timevalKeepsSecondsAndMicrosecondsInTheirOwnFields() throws {
        // OTP 25 decodes usec from the sec field; the measured offsets keep them apart.
        let value = Timeval(sec: 3, usec: 250_000)
        let bytes = try encode(value)
        #expect(bytes.count == Layout.timeval.size)
        let fields = (Layout.timeval.tv_sec, Layout.timeval.tv_usec)
        bytes.withUnsafeBytes { raw in
            #expect(raw.loadSigned(at: fields.0.offset, size: fields.0.size) == 3)
            #expect(raw.loadSigned(at: fields.1.offset, size: fields.1.size) == 250_000)
        }
        #expect(try decode(bytes) == value)
    }

    @Test func ipMreqStoresAddressesInNetworkOrder() throws {
        let value = IPMreq(multiaddr: IPv4Address(224, 0, 0, 251), interface: IPv4Address(10, 1, 2, 3))
        let bytes = try encode(value)
        let multiaddr = Layout.ip_mreq.imr_multiaddr.offset, interface = Layout.ip_mreq.imr_interface.offset
        #expect(Array(bytes[multiaddr..<multiaddr + 4]) == [224, 0, 0, 251])
        #expect(Array(bytes[interface..<interface + 4]) == [10, 1, 2, 3])
        #expect(try decode(bytes) == value)
    }

    @Test func ipv6HopsDefaultIsMinusOne() throws {
        #expect(cInt(try encode(IPv6Hops.default), at: 0) == -1)
        #expect(try decode(try encode(IPv6Hops.default), as: IPv6Hops.self) == .default)
        #expect(try decode(try encode(IPv6Hops.hops(64)), as: IPv6Hops.self) == .hops(64))
        #expect(try decode(try encode(IPv6Hops.hops(0)), as: IPv6Hops.self) == .hops(0))
        #expect(throws: InvalidValue.self) { try encode(IPv6Hops.hops(256)) }
        #expect(throws: InvalidValue.self) { try encode(IPv6Hops.hops(-1)) }
    }

    @Test func integersOutsideTheirCTypeAreInvalid() throws {
        #expect(throws: InvalidValue.self) { try encode(Int(CInt.max) + 1) }
        #expect(throws: InvalidValue.self) { try encode(Int(CInt.min) - 1) }
        #expect(throws: InvalidValue.self) { try encode(UInt(CUnsignedInt.max) + 1) }
        #expect(throws: InvalidValue.self) { try encode(Linger(onoff: true, linger: Int(CInt.max) + 1)) }
        #expect(cInt(try encode(-1), at: 0) == -1)
        #expect(try decode(try encode(Int(CInt.min))) == Int(CInt.min))
        #expect(try decode(try encode(UInt(CUnsignedInt.max))) == UInt(CUnsignedInt.max))
    }

    @Test func scalarsDecodeFromWhatTheKernelWrote() throws {
        #expect(try decode([1], as: Int.self) == 1, "some options write one byte")
        #expect(try decode(try encode(true), as: Bool.self))
        #expect(cInt(try encode(true), at: 0) == 1)
        #expect(try decode(try encode(Domain.inet6)) == Domain.inet6)
        #expect(try decode(Array("eth0\0\0\0\0".utf8), as: String.self) == "eth0", "the kernel's NUL padding is not the value")
        #expect(throws: InvalidValue.self) { try encode("eth\00") }
        #expect(try decode(try encode(Errno.protocolNotSupported), as: Errno.self) == .protocolNotSupported)
    }

    @Test func truncatedBuffersAreInvalidAndNeverOverRead() throws {
        // Every shorter prefix of a full encoding fails, at whatever length a field is cut.
        let linger = try encode(Linger(onoff: true, linger: 5))
        let timeval = try encode(Timeval(sec: 1, usec: 2))
        let mreq = try encode(IPMreq(multiaddr: .loopback, interface: .any))
        for count in 0..<linger.count {
            #expect(throws: InvalidValue.self) { try decode(Array(linger.prefix(count)), as: Linger.self) }
        }
        for count in 0..<timeval.count {
            #expect(throws: InvalidValue.self) { try decode(Array(timeval.prefix(count)), as: Timeval.self) }
        }
        for count in 0..<mreq.count {
            #expect(throws: InvalidValue.self) { try decode(Array(mreq.prefix(count)), as: IPMreq.self) }
        }
        for count in [0, 3, 5] {
            #expect(throws: InvalidValue.self) { try decode([UInt8](repeating: 0, count: count), as: Int.self) }
            #expect(throws: InvalidValue.self) { try decode([UInt8](repeating: 0, count: count), as: IPv6Hops.self) }
        }
        #expect(throws: InvalidValue.self) { try decode([127, 0, 0], as: IPv4Address.self) }
    }

    @Test func fieldsAreReadOnlyInsideTheBuffer() throws {
        // A field that ends past the buffer is refused, even when memory follows it.
        let storage: [UInt8] = [1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff]
        storage.withUnsafeBytes { whole in
            let four = UnsafeRawBufferPointer(rebasing: whole[0..<4])
            #expect(throws: InvalidValue.self) { let _: Int = try four.loadField(FieldLayout(offset: 2, size: 4), "x") }
            #expect((try? four.loadField(FieldLayout(offset: 0, size: 4), "x") as UInt) == UInt(cInt(storage, at: 0)))
        }
    }

    @Test func ipMsfilterRoundTripsAndRefusesASourceCountPastItsBuffer() throws {
        let filter = IPMsfilter.filter(multiaddr: IPv4Address(232, 1, 1, 1), interface: .any, mode: .include,
                                       sources: [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)])
        let bytes = try encode(filter)
        #expect(try decode(bytes, as: IPMsfilter.self) == filter)
        #expect(try encode(IPMsfilter.null).isEmpty)
        #expect(try decode([], as: IPMsfilter.self) == .null)
        // Claim three sources in a buffer that holds two.
        var lying = bytes
        let numsrc = Layout.ip_msfilter.imsf_numsrc
        _ = lying.withUnsafeMutableBytes { $0.storeUnsigned(3, at: numsrc.offset, size: numsrc.size) }
        let holds = Layout.ip_msfilter.imsf_slist.offset + 4 * 2
        #expect(throws: InvalidValue.self) { try decode(Array(lying.prefix(max(holds, Layout.ip_msfilter.size))), as: IPMsfilter.self) }
    }
}
