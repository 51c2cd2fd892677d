/// Erlang `socket_counters()`: what a socket has done, counted exactly.
///
/// `read_waits` and friends count the times an operation had to wait for readiness (OTP
/// never increments `read_waits`). The `sendfile_*` counters appear in `info` only once
/// `sendfile` was used, as in OTP. Counters wrap around at 2^64; ``wrapped`` says which did.
public struct SocketCounters: Sendable, Hashable {
    public var readByte: UInt64 = 0
    public var readFails: UInt64 = 0
    public var readPkg: UInt64 = 0
    public var readPkgMax: UInt64 = 0
    public var readTries: UInt64 = 0
    public var readWaits: UInt64 = 0
    public var writeByte: UInt64 = 0
    public var writeFails: UInt64 = 0
    public var writePkg: UInt64 = 0
    public var writePkgMax: UInt64 = 0
    public var writeTries: UInt64 = 0
    public var writeWaits: UInt64 = 0
    public var sendfile: UInt64 = 0
    public var sendfileByte: UInt64 = 0
    public var sendfileFails: UInt64 = 0
    public var sendfileMax: UInt64 = 0
    public var sendfilePkg: UInt64 = 0
    public var sendfilePkgMax: UInt64 = 0
    public var sendfileTries: UInt64 = 0
    public var sendfileWaits: UInt64 = 0
    public var accSuccess: UInt64 = 0
    public var accFails: UInt64 = 0
    public var accTries: UInt64 = 0
    public var accWaits: UInt64 = 0
    /// Whether `sendfile` was ever used on the socket.
    public var sendfileUsed = false
    /// The names (Erlang's) of the counters that have wrapped around.
    public var wrapped: Set<String> = []

    public init() {}

    @inline(__always)
    static func add(_ counter: inout UInt64, _ amount: UInt64, _ name: StaticString, _ wrapped: inout Set<String>) {
        let (sum, overflow) = counter.addingReportingOverflow(amount)
        counter = sum
        if overflow { noteWrapped(name, &wrapped) }
    }

    @inline(never)
    static func noteWrapped(_ name: StaticString, _ wrapped: inout Set<String>) {
        wrapped.insert(name.description)
    }

    /// Adds what one operation did.
    mutating func add(_ direction: Direction, _ count: Socket.Count) {
        @inline(__always) func add(_ counter: inout UInt64, _ amount: UInt64, _ name: StaticString) {
            SocketCounters.add(&counter, amount, name, &wrapped)
        }
        switch direction {
        case .read:
            add(&readTries, count.tries, "read_tries")
            add(&readWaits, count.waits, "read_waits")
            add(&readPkg, count.packets, "read_pkg")
            add(&readByte, count.bytes, "read_byte")
            readPkgMax = max(readPkgMax, count.largest)
            if count.failed { add(&readFails, 1, "read_fails") }
        case .write where count.sendfile:
            // As OTP: `sendfile` counts calls, `sendfile_max` the most one call sent,
            // `sendfile_pkg_max` the most one sendfile(2) sent.
            sendfileUsed = true
            add(&sendfile, 1, "sendfile")
            add(&sendfileTries, count.tries, "sendfile_tries")
            add(&sendfileWaits, count.waits, "sendfile_waits")
            add(&sendfilePkg, count.packets, "sendfile_pkg")
            add(&sendfileByte, count.bytes, "sendfile_byte")
            sendfileMax = max(sendfileMax, count.bytes)
            sendfilePkgMax = max(sendfilePkgMax, count.largest)
            if count.failed { add(&sendfileFails, 1, "sendfile_fails") }
        case .write:
            add(&writeTries, count.tries, "write_tries")
            add(&writeWaits, count.waits, "write_waits")
            add(&writePkg, count.packets, "write_pkg")
            add(&writeByte, count.bytes, "write_byte")
            writePkgMax = max(writePkgMax, count.largest)
            if count.failed { add(&writeFails, 1, "write_fails") }
        case .accept:
            add(&accTries, count.tries, "acc_tries")
            add(&accWaits, count.waits, "acc_waits")
            add(&accSuccess, count.packets, "acc_success")
            if count.failed { add(&accFails, 1, "acc_fails") }
        case .connect:
            break
        }
    }

    /// The counters by Erlang name, as `info(Socket)` shows them.
    public var named: [(name: String, value: UInt64)] {
        var list: [(String, UInt64)] = [
            ("read_byte", readByte), ("read_fails", readFails), ("read_pkg", readPkg), ("read_pkg_max", readPkgMax),
            ("read_tries", readTries), ("read_waits", readWaits),
            ("write_byte", writeByte), ("write_fails", writeFails), ("write_pkg", writePkg), ("write_pkg_max", writePkgMax),
            ("write_tries", writeTries), ("write_waits", writeWaits),
            ("acc_success", accSuccess), ("acc_fails", accFails), ("acc_tries", accTries), ("acc_waits", accWaits),
        ]
        if sendfileUsed {
            list += [("sendfile", sendfile), ("sendfile_byte", sendfileByte), ("sendfile_fails", sendfileFails),
                     ("sendfile_max", sendfileMax), ("sendfile_pkg", sendfilePkg), ("sendfile_pkg_max", sendfilePkgMax),
                     ("sendfile_tries", sendfileTries), ("sendfile_waits", sendfileWaits)]
        }
        return list
    }
}
