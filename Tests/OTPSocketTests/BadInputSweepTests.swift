import OTPSocket
import SocketConstants
import SystemPackage
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every `setopt` by name (`SpecTables.optionKeys`) with wrong-typed, out-of-range and
/// negative values, and every operation on a closed, an unbound or a wrong-type socket:
/// each fails with a typed ``SocketError`` of the reason it should have, nothing crashes,
/// and a socket that the failure must not disturb still carries data afterwards.
@Suite struct BadInputSweepTests {
    // MARK: setopt by name

    /// A socket of the family and type a level's options apply to, and a check that it still
    /// carries data.
    struct Subject {
        var socket: Socket
        var stillWorks: () throws -> Void
    }

    static func subject(for level: String) throws -> Subject? {
        switch level {
        case "socket", "ip", "tcp", "ipv6":
            let (client, server) = try Reliability.streamPair(level == "ipv6" ? .inet6 : .inet)
            return Subject(socket: client) { try Reliability.exchange(client, server) }
        case "udp":
            let a = try Fixtures.udp(), b = try Fixtures.udp()
            return Subject(socket: a) {
                try a.sendto([7], to: b.sockname(), timeout: .seconds(5))
                guard try b.recvfrom(0, timeout: .seconds(5)).data == [7] else { throw SocketError.invalid("datagram changed") }
            }
        case "sctp":
            guard sctpAvailable else { return nil }
            let socket = try Socket.open(.inet, .seqpacket, .sctp)
            try socket.bind(.inet(.loopback, port: 0))
            return Subject(socket: socket) { _ = try socket.getopt(level: "socket", option: "type") }
        default:
            return nil
        }
    }

    static func isType(_ type: any SocketOptionValue.Type, _ other: any SocketOptionValue.Type) -> Bool {
        ObjectIdentifier(type) == ObjectIdentifier(other)
    }

    /// Whether `.int` is a value of the type (integers, enumerations by number, hop limits).
    static func takesIntegers(_ type: any SocketOptionValue.Type) -> Bool {
        isType(type, Int.self) || isType(type, UInt.self) || isType(type, UInt64.self) || isType(type, IPv6Hops.self)
            || type is any NamedConstant.Type
    }

    /// Values of the wrong kind for `type`: each must be `invalid` before any syscall.
    static func wrongTyped(for type: any SocketOptionValue.Type) -> [OptionValue] {
        var values: [OptionValue] = [.list([.int(1)]), .structured(["no_such_field": .int(1)])]
        if !isType(type, Bool.self) { values.append(.bool(true)) } else { values += [.int(1), .string("true")] }
        if !isType(type, [UInt8].self) { values.append(.bytes([1, 2, 3])) }
        if !takesIntegers(type) && !isType(type, Bool.self) { values.append(.int(1)) }
        if !isType(type, String.self) { values.append(.string("no-such-name")) }
        return values
    }

    /// Values of the right kind that do not fit the C type: `invalid` before any syscall.
    static func outOfRange(for type: any SocketOptionValue.Type) -> [OptionValue] {
        if isType(type, UInt.self) || isType(type, UInt64.self) { return [.int(-1)] + (isType(type, UInt.self) ? [.int(Int(UInt32.max) + 1)] : []) }
        if isType(type, IPv6Hops.self) { return [.int(256), .int(-2), .int(Int.max)] }
        if takesIntegers(type) { return [.int(Int(CInt.max) + 1), .int(Int(CInt.min) - 1), .int(Int.max), .int(Int.min)] }
        if let structured = type as? any StructuredOptionValue.Type {
            // Each unsigned field negative, each address field not an address, each boolean
            // field an integer.
            return structured.init().fields.compactMap { field in
                switch field.value {
                case .uint: return .structured([field.name: .int(-1)])
                case .inAddr, .in6Addr: return .structured([field.name: .string("999.1.2.3")])
                case .bool: return .structured([field.name: .int(1)])
                default: return nil
                }
            }
        }
        return []
    }

    /// Negative integers of the right kind: the kernel decides (success or its errno).
    static func negative(for type: any SocketOptionValue.Type) -> [OptionValue] {
        if isType(type, Int.self) || type is any NamedConstant.Type { return [.int(-1), .int(Int(CInt.min))] }
        if let structured = type as? any StructuredOptionValue.Type {
            return structured.init().fields.compactMap { field in
                if case .int = field.value { return .structured([field.name: .int(-1)]) }
                return nil
            }
        }
        return []
    }

    static func id(_ key: any AnySocketOption) -> String { "{\(key.levelName), \(key.name)}" }

    @Test func everySetoptByNameRefusesWrongTypedAndOutOfRangeValuesAndLeavesTheSocketWorking() throws {
        var subjects: [String: Subject] = [:]
        var swept = 0
        for key in SpecTables.optionKeys {
            guard let subject = try subjects[key.levelName] ?? Self.subject(for: key.levelName) else { continue }
            subjects[key.levelName] = subject
            let values = Self.wrongTyped(for: key.valueType) + Self.outOfRange(for: key.valueType)
            for value in values {
                do throws(SocketError) {
                    try subject.socket.setopt(level: key.levelName, option: key.name, value: value)
                    Issue.record("\(Self.id(key)) = \(value) was accepted")
                } catch {
                    #expect(error.reason.isInvalid, "\(Self.id(key)) = \(value): \(error)")
                }
            }
            swept += 1
            // No value reached the kernel: the socket carries data as before.
            #expect(throws: Never.self, "after \(Self.id(key))") { try subject.stillWorks() }
        }
        #expect(swept >= SpecTables.optionKeys.count(where: { $0.levelName != "sctp" }))
    }

    /// Negative values go to the kernel, which takes them or refuses with its errno; options
    /// that are only valid to get, or that the platform lacks, are `invalid` whatever the value.
    @Test func negativeValuesGetTheKernelsAnswerAndGetOnlyOrAbsentOptionsAreInvalid() throws {
        for key in SpecTables.optionKeys {
            guard let subject = try Self.subject(for: key.levelName) else { continue }
            let values = Self.negative(for: key.valueType)
            for value in values {
                do throws(SocketError) {
                    try subject.socket.setopt(level: key.levelName, option: key.name, value: value)
                } catch {
                    switch error.reason {
                    case .invalid:
                        #expect(!key.isSettable || !key.isSupported, "\(Self.id(key)) = \(value): \(error)")
                    case .errno:
                        #expect(key.isSupported && key.isSettable, "\(Self.id(key)) = \(value): \(error)")
                    default:
                        Issue.record("\(Self.id(key)) = \(value): \(error)")
                    }
                }
            }
            if !key.isSettable || !key.isSupported {
                #expect(throws: SocketError.self) { try subject.socket.setopt(level: key.levelName, option: key.name, value: .int(0)) }
            }
            try subject.socket.close()
        }
    }

    @Test func unknownLevelsOptionsAndOTPValuesAreInvalid() throws {
        let (client, server) = try Reliability.streamPair()
        let bad: [(String, String, OptionValue)] = [
            ("nosuchlevel", "reuseaddr", .bool(true)), ("socket", "nosuchoption", .bool(true)), ("", "", .int(0)),
            ("otp", "nosuchoption", .int(1)), ("otp", "rcvbuf", .int(-1)), ("otp", "rcvbuf", .list([.int(1)])),
            ("otp", "rcvbuf", .list([.int(-1), .int(-1)])), ("otp", "rcvbuf", .string("nonsense")), ("otp", "debug", .int(1)),
            ("otp", "iow", .string("yes")), ("otp", "use_registry", .bytes([])), ("otp", "fd", .int(0)), ("otp", "domain", .string("inet")),
            ("otp", "controlling_process", .int(1)), ("otp", "rcvctrlbuf", .int(-5)), ("otp", "sndctrlbuf", .bool(false)),
        ]
        for (level, name, value) in bad {
            do throws(SocketError) {
                try client.setopt(level: level, option: name, value: value)
                Issue.record("{\(level), \(name)} = \(value) was accepted")
            } catch {
                #expect(error.reason.isInvalid, "{\(level), \(name)} = \(value): \(error)")
            }
        }
        for (level, name) in [("nosuchlevel", "x"), ("socket", "nosuchoption"), ("otp", "nosuchoption"), ("ip", "add_membership")] {
            #expect(throws: SocketError.self, "getopt {\(level), \(name)}") { _ = try client.getopt(level: level, option: name) }
        }
        try Reliability.exchange(client, server)
    }

    // MARK: Closed sockets

    /// Every operation on a closed socket fails with `closed` (monitors fire at once; `info`
    /// still answers).
    @Test(arguments: [(Domain.inet, SocketType.stream), (.inet, .dgram), (.local, .stream), (.inet6, .dgram)])
    func everyOperationOnAClosedSocketIsClosed(_ domain: Domain, _ type: SocketType) throws {
        let socket = try Socket.open(domain, type)
        try socket.close()
        let address = Reliability.address(domain)
        let mailbox = Mailbox()
        let file = try Fixtures.file([1, 2, 3])
        defer { Fixtures.remove(file) }
        let operations: [(String, () throws(SocketError) -> Void)] = [
            ("close", { () throws(SocketError) in try socket.close() }),
            ("bind", { () throws(SocketError) in try socket.bind(address) }),
            ("listen", { () throws(SocketError) in try socket.listen() }),
            ("accept", { () throws(SocketError) in _ = try socket.accept() }),
            ("accept timeout", { () throws(SocketError) in _ = try socket.accept(timeout: .zero) }),
            ("accept nowait", { () throws(SocketError) in _ = try socket.accept(select: .nowait(mailbox)) }),
            ("connect", { () throws(SocketError) in try socket.connect(to: address) }),
            ("connect nowait", { () throws(SocketError) in _ = try socket.connect(to: address, select: .nowait(mailbox)) }),
            ("connect finalize", { () throws(SocketError) in try socket.connect() }),
            ("send", { () throws(SocketError) in try socket.send([1]) }),
            ("send nowait", { () throws(SocketError) in _ = try socket.send([1], select: .handle(SelectHandle(mailbox: mailbox))) }),
            ("sendto", { () throws(SocketError) in try socket.sendto([1], to: address) }),
            ("sendmsg", { () throws(SocketError) in try socket.sendmsg(MsgSend(iov: [[1]])) }),
            ("sendfile", { () throws(SocketError) in _ = try socket.sendfile(.path(file)) }),
            ("recv", { () throws(SocketError) in _ = try socket.recv(1) }),
            ("recv nowait", { () throws(SocketError) in _ = try socket.recv(1, select: .nowait(mailbox)) }),
            ("recvfrom", { () throws(SocketError) in _ = try socket.recvfrom(0, timeout: .seconds(1)) }),
            ("recvmsg", { () throws(SocketError) in _ = try socket.recvmsg(bufSize: 1) }),
            ("recvWithLength", { () throws(SocketError) in _ = try socket.recvWithLength(1) }),
            ("recvfromWithLength", { () throws(SocketError) in _ = try socket.recvfromWithLength(1, select: .nowait(mailbox)) }),
            ("sockname", { () throws(SocketError) in _ = try socket.sockname() }),
            ("peername", { () throws(SocketError) in _ = try socket.peername() }),
            ("shutdown", { () throws(SocketError) in try socket.shutdown(.readWrite) }),
            ("setopt typed", { () throws(SocketError) in try socket.setopt(.socket.keepalive, true) }),
            ("getopt typed", { () throws(SocketError) in _ = try socket.getopt(.socket.type) }),
            ("setopt by name", { () throws(SocketError) in try socket.setopt(level: "socket", option: "rcvbuf", value: .int(4096)) }),
            ("getopt by name", { () throws(SocketError) in _ = try socket.getopt(level: "socket", option: "rcvbuf") }),
            ("otp getopt", { () throws(SocketError) in _ = try socket.getopt(level: "otp", option: "rcvbuf") }),
            ("setopt native", { () throws(SocketError) in try socket.setoptNative(.socket, Native.SO_KEEPALIVE, .boolean(true)) }),
            ("getopt native", { () throws(SocketError) in _ = try socket.getoptNative(.socket, Native.SO_TYPE, as: .integer) }),
        ]
        for (name, operation) in operations {
            do throws(SocketError) {
                try operation()
                Issue.record("\(name) on a closed \(domain) \(type) socket succeeded")
            } catch {
                #expect(error.reason == .closed, "\(name) on a closed \(domain) \(type) socket: \(error)")
            }
        }
        #expect(mailbox.count == 0)
        #expect(socket.info().fd == nil && socket.fd == nil && socket.isClosed)
        let ref = socket.monitor(mailbox)
        guard case .down(let got, _, .closed)? = mailbox.receive(timeout: .seconds(5)) else {
            Issue.record("no DOWN message from monitoring a closed socket")
            return
        }
        #expect(got == ref)
    }

    @Test func asyncOperationsOnAClosedSocketAreClosed() async throws {
        let socket = try Socket.open(.inet, .stream)
        try socket.close()
        let address = SocketAddress.inet(.loopback, port: 9)
        await #expect(throws: SocketError.closed) { _ = try await socket.accept() }
        await #expect(throws: SocketError.closed) { try await socket.connect(to: address) }
        await #expect(throws: SocketError.closed) { try await socket.send([1]) }
        await #expect(throws: SocketError.closed) { try await socket.sendto([1], to: address) }
        await #expect(throws: SocketError.closed) { try await socket.sendmsg(MsgSend(iov: [[1]])) }
        await #expect(throws: SocketError.closed) { _ = try await socket.recv(1) }
        await #expect(throws: SocketError.closed) { _ = try await socket.recvfrom(1) }
        await #expect(throws: SocketError.closed) { _ = try await socket.recvmsg(bufSize: 1) }
        await #expect(throws: SocketError.closed) { _ = try await socket.recvWithLength(1) }
    }

    // MARK: Unbound, unconnected and wrong-type sockets

    /// Operations the socket's state or type does not allow fail with the kernel's errno (or
    /// `invalid`, or `timeout` for a datagram socket with nothing to read), never `closed`,
    /// and the socket works afterwards as its state allows.
    @Test func operationsTheSocketsStateOrTypeForbidsFailWithTypedErrors() throws {
        let mailbox = Mailbox()
        let file = try Fixtures.file([1, 2, 3])
        defer { Fixtures.remove(file) }
        // The operations throw SocketError by their signatures; a closure literal's thrown
        // type is not inferred, so it is checked here.
        func expectRefused(_ what: String, _ reasons: Set<SocketError.Reason>? = nil, _ operation: () throws -> Void) {
            do {
                try operation()
                Issue.record("\(what) succeeded")
            } catch let error as SocketError {
                switch error.reason {
                case .errno, .invalid, .timeout:
                    if let reasons { #expect(reasons.contains(error.reason), "\(what): \(error)") }
                default:
                    Issue.record("\(what): \(error)")
                }
            } catch {
                Issue.record("\(what): \(error) is no SocketError")
            }
        }
        let notConnected: Set<SocketError.Reason> = [.errno(.socketNotConnected)]
        let unsupported: Set<SocketError.Reason> = [.errno(.notSupportedOnSocket)]

        // A TCP socket that is neither bound nor connected.
        let tcp = try Socket.open(.inet, .stream)
        expectRefused("accept on an unlistened stream", [.errno(.invalidArgument)]) { _ = try tcp.accept(timeout: .zero) }
        expectRefused("accept nowait on an unlistened stream", [.errno(.invalidArgument)]) { _ = try tcp.accept(select: .nowait(mailbox)) }
        expectRefused("recv on an unconnected stream", notConnected) { _ = try tcp.recv(1) }
        expectRefused("recvfrom on an unconnected stream", notConnected) { _ = try tcp.recvfrom(1, timeout: .seconds(1)) }
        expectRefused("recvmsg on an unconnected stream", notConnected) { _ = try tcp.recvmsg(bufSize: 1, select: .nowait(mailbox)) }
        expectRefused("send on an unconnected stream", [.errno(.brokenPipe), .errno(.socketNotConnected)]) { try tcp.send([1]) }
        expectRefused("sendto on an unconnected stream", [.errno(.brokenPipe), .errno(.socketNotConnected)]) {
            try tcp.sendto([1], to: .inet(.loopback, port: 9))
        }
        expectRefused("sendfile on an unconnected stream", [.errno(.brokenPipe), .errno(.socketNotConnected)]) { _ = try tcp.sendfile(.path(file)) }
        expectRefused("peername of an unconnected stream", notConnected) { _ = try tcp.peername() }
        // (Linux marks the socket shut all the same: it is not the socket used on below.)
        expectRefused("shutdown of an unconnected stream", notConnected) { try Socket.open(.inet, .stream).shutdown(.write) }
        expectRefused("connect to an inet6 address", [.errno(.addressFamilyNotSupported), .errno(.invalidArgument)]) {
            try tcp.connect(to: .inet6(.loopback, port: 9))
        }
        expectRefused("bind to a local address", [.errno(.invalidArgument), .errno(.addressFamilyNotSupported)]) {
            try tcp.bind(.local(path: "/nonexistent/otp-socket"))
        }
        expectRefused("bind to a non-local address", [.errno(.addressNotAvailable)]) { try tcp.bind(.inet(IPv4Address(192, 0, 2, 1), port: 0)) }
        expectRefused("listen with a negative backlog", [.invalid("backlog -1")]) { try tcp.listen(backlog: -1) }
        expectRefused("recv of a negative length") { _ = try tcp.recv(-1) }
        expectRefused("recvmsg with a negative buffer") { _ = try tcp.recvmsg(bufSize: -1) }
        expectRefused("getopt native of a negative size") { _ = try tcp.getoptNative(.socket, Native.SO_TYPE, as: .size(-1)) }
        expectRefused("getopt native of an impossible size") { _ = try tcp.getoptNative(.socket, Native.SO_TYPE, as: .size(Int.max)) }
        expectRefused("setopt native on an unknown level", [.errno(.protocolNotAvailable), .errno(.invalidArgument)]) {
            try tcp.setoptNative(Level(rawValue: 12345), 1, .integer(1))
        }
        expectRefused("a local path too long") { try Socket.open(.local, .stream).bind(.local(path: String(repeating: "x", count: 200))) }
        expectRefused("a flow label over 20 bits") { try Socket.open(.inet6, .dgram).bind(.inet6(.loopback, port: 0, flowinfo: 0x100000)) }
        // Still a working socket: it connects and carries data.
        let listener = try Reliability.listener(.inet)
        try tcp.connect(to: listener.sockname(), timeout: .seconds(5))
        let accepted = try listener.accept(timeout: .seconds(5))
        try Reliability.exchange(tcp, accepted)
        expectRefused("bind of a connected stream", [.errno(.invalidArgument)]) { try tcp.bind(.inet(.loopback, port: 0)) }
        expectRefused("listen on a connected stream", [.errno(.invalidArgument)]) { try tcp.listen() }
        // After a connect that completed in the background, Linux answers the next connect(2)
        // with 0 (it confirms the connection), and the one after with EISCONN.
        _ = try? tcp.connect(to: listener.sockname())
        expectRefused("connect of a connected stream", [.errno(.socketIsConnected)]) { try tcp.connect(to: listener.sockname()) }
        expectRefused("connect of a listener", [.errno(.socketIsConnected), .errno(.invalidArgument)]) { try listener.connect(to: listener.sockname()) }
        try Reliability.exchange(tcp, accepted)

        // A datagram socket: no accept, no listen, nothing to read.
        let udp = try Fixtures.udp()
        expectRefused("accept on a datagram socket", unsupported) { _ = try udp.accept(timeout: .zero) }
        expectRefused("accept nowait on a datagram socket", unsupported) { _ = try udp.accept(select: .nowait(mailbox)) }
        expectRefused("listen on a datagram socket", unsupported) { try udp.listen() }
        expectRefused("send without a destination", [.errno(.addressRequired)]) { try udp.send([1]) }
        expectRefused("sendto an inet6 address", [.errno(.addressFamilyNotSupported), .errno(.invalidArgument)]) {
            try udp.sendto([1], to: .inet6(.loopback, port: 9))
        }
        expectRefused("sendto a local address", [.errno(.addressFamilyNotSupported), .errno(.invalidArgument)]) {
            try udp.sendto([1], to: .local(path: "/nonexistent/otp-socket"))
        }
        expectRefused("sendto port 0", [.errno(.invalidArgument)]) { try udp.sendto([1], to: .inet(.loopback, port: 0)) }
        expectRefused("recv with nothing to read", [.timeout]) { _ = try udp.recv(0, timeout: .zero) }
        expectRefused("recvfrom with nothing to read", [.timeout]) { _ = try udp.recvfrom(0, timeout: .milliseconds(10)) }
        expectRefused("a datagram larger than UDP allows", [.errno(.messageTooLong)]) {
            try udp.sendto([UInt8](repeating: 0, count: 70_000), to: udp.sockname())
        }
        try udp.sendto([5], to: udp.sockname(), timeout: .seconds(5))
        #expect(try udp.recvfrom(0, timeout: .seconds(5)).data == [5])

        // A listening socket: no data to send or receive.
        expectRefused("recv on a listener", notConnected) { _ = try listener.recv(1) }
        expectRefused("send on a listener", [.errno(.brokenPipe), .errno(.socketNotConnected)]) { try listener.send([1]) }
        let late = try Socket.open(.inet, .stream)
        try late.connect(to: listener.sockname(), timeout: .seconds(5))
        try Reliability.exchange(late, try listener.accept(timeout: .seconds(5)))
        #expect(mailbox.count == 0)
    }

    /// `open` with numbers the kernel does not know, and `open(fd:)` with descriptors that are
    /// not sockets.
    @Test func openingWhatIsNoSocketFailsWithTypedErrors() throws {
        #expect(throws: SocketError(.errno(.addressFamilyNotSupported))) { try Socket.open(Domain(rawValue: 12345), .stream) }
        #expect(throws: SocketError(.errno(.invalidArgument))) { try Socket.open(.inet, SocketType(rawValue: 12345)) }
        #expect(throws: SocketError(.errno(.protocolNotSupported))) { try Socket.open(.inet, .stream, SocketProtocol(rawValue: 253)) }
        #expect(throws: SocketError(.errno(.invalidArgument))) { try Socket.open(.inet, .stream, SocketProtocol(rawValue: 12345)) }
        #expect(throws: SocketError.self) { try Socket.open(.inet, .stream, .udp) }
        #expect(throws: SocketError.invalid("fd -1")) { try Socket.open(fd: -1) }
        var pipeEnds: [CInt] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        #expect(throws: SocketError(.errno(.notSocket))) { try Socket.open(fd: pipeEnds[0]) }
        #expect(throws: SocketError(.errno(.notSocket))) { try Socket.open(fd: pipeEnds[1], options: OpenOptions(dup: false)) }
        // The pipe is still the caller's and still works.
        #expect(write(pipeEnds[1], "x", 1) == 1)
        let closedNumber = dup(pipeEnds[0])
        close(closedNumber)
        #expect(throws: SocketError(.errno(.badFileDescriptor))) { try Socket.open(fd: closedNumber) }
    }
}

extension SocketError.Reason {
    var isInvalid: Bool {
        if case .invalid = self { return true }
        return false
    }
}
