#if os(Linux)
extension TCPInfo {
    /// The byte that holds the bit-fields `tcpi_snd_wscale:4, tcpi_rcv_wscale:4`. `offsetof`
    /// cannot measure a bit-field, but both share the byte right after `tcpi_options` (a
    /// `uint8_t`), which the probe did measure.
    @usableFromInline static var wscaleOffset: Int { Layout.tcp_info.tcpi_options.end }

    /// GCC and Clang allocate bit-fields from the low bits on little-endian targets and from
    /// the high bits on big-endian ones: the first declared, `tcpi_snd_wscale`, moves.
    @usableFromInline static var sndWscaleShift: UInt8 {
        #if _endian(little)
        return 0
        #else
        return 4
        #endif
    }

    @usableFromInline
    func encodeBitFields(into raw: UnsafeMutableRawBufferPointer) throws(InvalidValue) {
        guard sndWscale < 16 else { throw InvalidValue("snd_wscale = \(sndWscale) does not fit 4 bits") }
        guard rcvWscale < 16 else { throw InvalidValue("rcv_wscale = \(rcvWscale) does not fit 4 bits") }
        let offset = TCPInfo.wscaleOffset
        guard offset < raw.count else { throw InvalidValue("tcp_info: \(raw.count) bytes do not reach the wscale byte") }
        let snd = UInt8(sndWscale) << TCPInfo.sndWscaleShift
        let rcv = UInt8(rcvWscale) << (4 - TCPInfo.sndWscaleShift)
        raw[offset] = snd | rcv
    }

    @usableFromInline
    mutating func decodeBitFields(from raw: UnsafeRawBufferPointer) throws(InvalidValue) {
        let offset = TCPInfo.wscaleOffset
        guard offset < raw.count else { throw InvalidValue("tcp_info: \(raw.count) bytes do not reach the wscale byte") }
        let byte = raw[offset]
        sndWscale = UInt(byte >> TCPInfo.sndWscaleShift & 0xf)
        rcvWscale = UInt(byte >> (4 - TCPInfo.sndWscaleShift) & 0xf)
    }
}
#endif
