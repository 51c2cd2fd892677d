@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation

/// `getoptNative`/`setoptNative`: any level and option as integers, values as C ints,
/// booleans or bytes. Each result is checked against the typed API, which reads the same
/// kernel state another way.
@Suite struct OptionsNativeTests {
    let keepalive = nativeKey("socket", "keepalive")!
    let linger = nativeKey("socket", "linger")!

    @Test func integerAndBooleanBothWays() throws {
        let s = try Sockets.tcp4()
        try s.setoptNative(keepalive.0, keepalive.1, .boolean(true))
        #expect(try s.getopt(.socket.keepalive))
        #expect(try s.getoptNative(keepalive.0, keepalive.1, as: .integer) == .integer(1))
        #expect(try s.getoptNative(keepalive.0, keepalive.1, as: .boolean) == .boolean(true))
        try s.setoptNative(keepalive.0, keepalive.1, .integer(0))
        #expect(try !s.getopt(.socket.keepalive))
        #expect(try s.getoptNative(keepalive.0, keepalive.1, as: .boolean) == .boolean(false))
        expectInvalid(["\(1 << 40)"]) { try s.setoptNative(keepalive.0, keepalive.1, .integer(1 << 40)) }
    }

    @Test func bytesOfASizeOrFromABuffer() throws {
        let s = try Sockets.tcp4()
        try s.setopt(.socket.keepalive, true)
        let one = withUnsafeBytes(of: CInt(1)) { Array($0) }
        #expect(try s.getoptNative(keepalive.0, keepalive.1, as: .size(4)) == .bytes(one))
        // A bigger buffer comes back cut to what the kernel wrote, as in OTP.
        #expect(try s.getoptNative(keepalive.0, keepalive.1, as: .size(64)) == .bytes(one))
        #expect(try s.getoptNative(keepalive.0, keepalive.1, as: .size(0)) == .bytes([]))
        expectInvalid(["-1"]) { _ = try s.getoptNative(keepalive.0, keepalive.1, as: .size(-1)) }

        // A struct as bytes: what setoptNative writes, the typed key reads, and back.
        let value = Linger(onoff: true, linger: 7)
        try s.setoptNative(linger.0, linger.1, .bytes(encoded(value)))
        #expect(try s.getopt(.socket.linger) == value)
        // The buffer's bytes go in and the kernel writes over them.
        let garbage = [UInt8](repeating: 0xAA, count: Layout.linger.size)
        #expect(try s.getoptNative(linger.0, linger.1, as: .buffer(garbage)) == .bytes(encoded(value)))
    }

    @Test func integerLevelsAndTypedKeys() throws {
        let s = try Sockets.udp4()
        // A level given as a bare integer, as Erlang's {NativeLevel, NativeOpt}.
        let (level, ttl) = nativeKey("ip", "ttl")!
        try s.setoptNative(Level(rawValue: level.rawValue), ttl, .integer(9))
        #expect(try s.getopt(.ip.ttl) == 9)
        // A typed key's level and option, the value in C form; also for keys the typed API
        // only reads or only writes.
        try s.setoptNative(.ip.ttl, .integer(11))
        #expect(try s.getoptNative(.ip.ttl, as: .integer) == .integer(11))
        #expect(try s.getoptNative(.socket.type, as: .integer) == .integer(Int(SocketType.dgram.rawValue)))
        try s.setoptNative(.ip.addMembership, .bytes(encoded(IPMreq(multiaddr: IPv4Address(239, 3, 3, 3), interface: .loopback))))
        try s.setopt(.ip.dropMembership, IPMreq(multiaddr: IPv4Address(239, 3, 3, 3), interface: .loopback))
    }

    @Test func theKernelJudgesUnknownNumbers() throws {
        let s = try Sockets.tcp4()
        // OTP 25: getopt_native(S, {socket, 9999}, integer) -> {error, enoprotoopt}.
        expectErrno("enoprotoopt", "an option no kernel has") { _ = try s.getoptNative(.socket, 9999, as: .integer) }
        expectErrno("enoprotoopt", "an option no kernel has") { try s.setoptNative(.socket, 9999, .integer(1)) }
        // Keys with no C form are refused before any syscall.
        expectInvalid(["{otp, debug}"]) { try s.setoptNative(.otp.debug, .boolean(true)) }
        expectInvalid(["{tcp, nopush}"]) { _ = try s.getoptNative(.tcp.nopush, as: .integer) }
    }
}
