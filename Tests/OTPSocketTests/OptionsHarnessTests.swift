@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation
import Synchronization

// Shared by the Options*Tests files: sockets of every kind the options need, and checks that
// read a value back through the untyped API and, independently, through getsockopt itself
// (getoptNative), so that a value that never reached the kernel cannot pass.

let runningAsRoot = getuid() == 0

/// Why a test that needs root does not run (CI runs as root, so it never skips there).
let needsRoot: Comment = "needs root (CAP_NET_ADMIN, CAP_NET_RAW, network namespaces); CI runs as root"

enum Sockets {
    static func tcp4() throws -> Socket { try Socket.open(.inet, .stream) }
    static func tcp6() throws -> Socket { try Socket.open(.inet6, .stream) }
    static func udp4() throws -> Socket { try Socket.open(.inet, .dgram) }
    static func udp6() throws -> Socket { try Socket.open(.inet6, .dgram) }
    /// A raw IPv4 socket (root only).
    static func raw4() throws -> Socket { try Socket.open(.inet, .raw, .icmp) }
    /// A raw IPv6 socket of protocol `proto` (root only).
    static func raw6(_ proto: SocketProtocol) throws -> Socket { try Socket.open(.inet6, .raw, proto) }

    static func listener4() throws -> Socket {
        let listener = try tcp4()
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        return listener
    }

    /// A UDP socket connected to another bound on the same loopback address.
    static func connectedUDP4() throws -> (Socket, Socket) {
        let peer = try udp4()
        try peer.bind(.inet(.loopback, port: 0))
        let socket = try udp4()
        try socket.connect(to: peer.sockname())
        return (socket, peer)
    }

    static func connectedUDP6() throws -> (Socket, Socket) {
        let peer = try udp6()
        try peer.bind(.inet6(.loopback, port: 0))
        let socket = try udp6()
        try socket.connect(to: peer.sockname())
        return (socket, peer)
    }

    static let unixCounter = Atomic<Int>(0)

    /// A connected unix stream pair over an abstract address: (listener, client, server).
    static func unixPair() throws -> (Socket, Socket, Socket) {
        let n = unixCounter.wrappingAdd(1, ordering: .relaxed).newValue
        let address = SocketAddress.local([0] + Array("otp-socket-options-\(getpid())-\(n)".utf8))
        let listener = try Socket.open(.local, .stream)
        try listener.bind(address)
        try listener.listen()
        let client = try Socket.open(.local, .stream)
        try client.connect(to: address)
        return (listener, client, try listener.accept())
    }

    /// The index of a network interface, from sysfs.
    static func ifindex(_ name: String) throws -> Int {
        let text = try String(contentsOfFile: "/sys/class/net/\(name)/ifindex", encoding: .utf8)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    static func sysctl(_ path: String) throws -> Int {
        let text = try String(contentsOfFile: "/proc/sys/\(path)", encoding: .utf8)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))!
    }
}

/// The C level and option of a spec option, from its generated key: never spelled here.
func nativeKey(_ level: String, _ name: String) -> (Level, CInt)? {
    guard let key = SpecTables.optionKey(level: level, name: name), let l = key.level, let o = key.option else { return nil }
    return (Level(rawValue: l), o)
}

/// What getsockopt itself must report after a set.
enum NativeExpectation {
    /// A C int.
    case int(Int)
    /// Exactly these bytes (with a buffer of `size` bytes).
    case bytes([UInt8], size: Int)
    /// A NUL-terminated string in a buffer of `size` bytes (the kernel may pad it).
    case string(String, size: Int)
}

/// The name of a thrown error as Erlang prints it (`enoprotoopt`, `closed`, `{invalid, ...}`).
func reason(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as SocketError {
        return error.reason.description
    } catch {
        return "\(error)"
    }
}

/// Checks that `body` throws the errno Erlang names `name`.
func expectErrno(_ name: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () throws -> Void) {
    let got = reason(body)
    #expect(got == name, "\(what): expected \(name), got \(got ?? "success")", sourceLocation: sourceLocation)
}

/// Checks that `body` throws `invalid` with a text that mentions every one of `parts`.
func expectInvalid(_ parts: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected invalid mentioning \(parts), got success", sourceLocation: sourceLocation)
    } catch {
        guard let error = error as? SocketError, case .invalid(let what) = error.reason else {
            Issue.record("expected invalid mentioning \(parts), got \(error)", sourceLocation: sourceLocation)
            return
        }
        for part in parts {
            #expect(what.contains(part), "invalid(\(what)) does not mention \(part)", sourceLocation: sourceLocation)
        }
    }
}

extension Socket {
    /// Reads `{level, name}` with getsockopt directly and compares it with `expected`.
    func expectNative(_ level: String, _ name: String, _ expected: NativeExpectation,
                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let (l, o) = nativeKey(level, name) else {
            Issue.record("{\(level), \(name)} has no native key", sourceLocation: sourceLocation)
            return
        }
        switch expected {
        case .int(let value):
            let got = try getoptNative(l, o, as: .integer)
            #expect(got == .integer(value), "native {\(level), \(name)}", sourceLocation: sourceLocation)
        case .bytes(let bytes, let size):
            let got = try getoptNative(l, o, as: .size(size))
            #expect(got == .bytes(bytes), "native {\(level), \(name)}", sourceLocation: sourceLocation)
        case .string(let text, let size):
            guard case .bytes(let got) = try getoptNative(l, o, as: .size(size)) else { return }
            let end = got.firstIndex(of: 0) ?? got.count
            #expect(Array(got[..<end]) == Array(text.utf8), "native {\(level), \(name)}: \(got)", sourceLocation: sourceLocation)
        }
    }

    /// Sets `{level, name}` by name, reads it back by name (expecting `expected`, or the value
    /// set), and reads it with getsockopt directly.
    func roundTrip(_ level: String, _ name: String, _ value: OptionValue, expect expected: OptionValue? = nil,
                   native: NativeExpectation, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try setopt(level: level, option: name, value: value)
        let got = try getopt(level: level, option: name)
        #expect(got == (expected ?? value), "{\(level), \(name)} set \(value)", sourceLocation: sourceLocation)
        try expectNative(level, name, native, sourceLocation: sourceLocation)
    }

    /// A boolean both ways: true, then false, each read back by name and natively.
    func roundTripBool(_ level: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try roundTrip(level, name, .bool(true), native: .int(1), sourceLocation: sourceLocation)
        try roundTrip(level, name, .bool(false), native: .int(0), sourceLocation: sourceLocation)
    }

    /// An integer that the kernel keeps as given.
    func roundTripInt(_ level: String, _ name: String, _ value: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try roundTrip(level, name, .int(value), native: .int(value), sourceLocation: sourceLocation)
    }
}
