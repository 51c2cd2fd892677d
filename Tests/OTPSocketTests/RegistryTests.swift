import Foundation
@testable import OTPSocket
import SocketConstants
import Testing

/// Of `all`, the sockets that are among `mine`, in `all`'s order: other tests run in parallel
/// and open sockets of their own.
func only(_ mine: [Socket], in all: [Socket]) -> [Socket] {
    let ids = Set(mine.map(\.id))
    return all.filter { ids.contains($0.id) }
}

/// Runs `measure` until it sees a window in which no other test opened or closed a socket of
/// the kinds counted, and returns what it saw last: global counts are exact only in such a
/// window, and a wrong count is wrong in every window.
func quietly<T: Equatable>(attempts: Int = 40, expected: T, _ measure: () throws -> T) rethrows -> T {
    var seen = try measure()
    var attempt = 1
    while seen != expected && attempt < attempts {
        Thread.sleep(forTimeInterval: 0.01)
        seen = try measure()
        attempt += 1
    }
    return seen
}

/// Library counters as a comparable dictionary.
func libraryCounters() -> [String: Int] {
    Dictionary(uniqueKeysWithValues: Socket.info().counters.named.map { ($0.name, $0.value) })
}

/// The global registry setting is shared by every test: the tests that change it run one
/// at a time, and every socket other tests list is opened with an explicit `useRegistry`.
@Suite(.serialized) struct RegistryTests {
    @Test func whichSocketsListsOpenSocketsOldestFirst() throws {
        let a = try Socket.open(.inet, .stream, options: OpenOptions(useRegistry: true))
        let b = try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: true))
        let c = try Socket.open(.local, .stream, options: OpenOptions(useRegistry: true))
        #expect(only([c, a, b], in: Socket.whichSockets()) == [a, b, c])
        try b.close()
        #expect(only([a, b, c], in: Socket.whichSockets()) == [a, c])
    }

    @Test func whichSocketsFiltersByDomainTypeProtocolAndPredicate() throws {
        let listed = OpenOptions(useRegistry: true)
        let tcp = try Socket.open(.inet, .stream, options: listed)
        let udp = try Socket.open(.inet, .dgram, options: listed)
        let udp6 = try Socket.open(.inet6, .dgram, .udp, options: listed)
        let unix = try Socket.open(.local, .stream, options: listed)
        let seq = try Socket.open(.local, .seqpacket, options: listed)
        let mine = [tcp, udp, udp6, unix, seq]
        #expect(only(mine, in: Socket.whichSockets(.domain(.inet))) == [tcp, udp])
        #expect(only(mine, in: Socket.whichSockets(.domain(.inet6))) == [udp6])
        #expect(only(mine, in: Socket.whichSockets(.domain(.local))) == [unix, seq], "unix sockets are local, not inet6")
        #expect(only(mine, in: Socket.whichSockets(.type(.stream))) == [tcp, unix])
        #expect(only(mine, in: Socket.whichSockets(.type(.dgram))) == [udp, udp6])
        #expect(only(mine, in: Socket.whichSockets(.type(.seqpacket))) == [seq])
        #expect(only(mine, in: Socket.whichSockets(.protocol(.tcp))) == [tcp])
        #expect(only(mine, in: Socket.whichSockets(.protocol(.udp))) == [udp, udp6])
        try udp.bind(.inet(.loopback, port: 0))
        let bound = Socket.whichSockets(.matching { $0.rstates.contains(.bound) && $0.domain == .inet })
        #expect(only(mine, in: bound) == [udp])
    }

    @Test func openOptionAndSetterChooseWhetherASocketIsListed() throws {
        let hidden = try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: false))
        #expect(!hidden.usesRegistry)
        #expect(!hidden.info().useRegistry)
        #expect(only([hidden], in: Socket.whichSockets()).isEmpty)
        try hidden.useRegistry(true)
        #expect(hidden.usesRegistry)
        #expect(only([hidden], in: Socket.whichSockets()) == [hidden])
        try hidden.useRegistry(false)
        #expect(only([hidden], in: Socket.whichSockets()).isEmpty)
        try hidden.close()
        #expect(throws: SocketError.closed) { try hidden.useRegistry(true) }
        #expect(!hidden.usesRegistry)
    }

    @Test func globalSettingIsTheDefaultOfNewSockets() throws {
        Socket.useRegistry(false)
        defer { Socket.useRegistry(true) }
        #expect(Socket.info().useRegistry == false)
        let unlisted = try Socket.open(.inet, .dgram)
        let listed = try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: true))
        #expect(only([unlisted, listed], in: Socket.whichSockets()) == [listed])
        Socket.useRegistry(true)
        #expect(Socket.info().useRegistry == true)
        let later = try Socket.open(.inet, .dgram)
        #expect(only([unlisted, listed, later], in: Socket.whichSockets()) == [listed, later])
    }

    @Test func acceptedSocketsAreListedWhenTheirListenerIs() throws {
        for listed in [true, false] {
            let listener = try Socket.open(.inet, .stream, options: OpenOptions(useRegistry: listed))
            try listener.bind(.inet(.loopback, port: 0))
            try listener.listen()
            let client = try Socket.open(.inet, .stream, options: OpenOptions(useRegistry: true))
            try client.connect(to: listener.sockname())
            let server = try listener.accept()
            #expect(server.usesRegistry == listed)
            #expect(only([server], in: Socket.whichSockets()).count == (listed ? 1 : 0))
        }
    }

    @Test func numberOfCountsListedOpenSockets() throws {
        // Hold the sockets of each step until the count was seen.
        var held: [Socket] = []
        let before = Socket.numberOf()
        let delta = try quietly(expected: 3) { () throws -> Int in
            held.removeAll()
            let base = Socket.numberOf()
            for _ in 0..<3 { held.append(try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: true))) }
            for _ in 0..<2 { held.append(try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: false))) }
            return Socket.numberOf() - base
        }
        #expect(delta == 3, "three listed sockets opened (numberOf was \(before))")
        let closed = try quietly(expected: -3) { () throws -> Int in
            var three: [Socket] = []
            for _ in 0..<3 { three.append(try Socket.open(.inet, .dgram, options: OpenOptions(useRegistry: true))) }
            let base = Socket.numberOf()
            for socket in three { try socket.close() }
            return Socket.numberOf() - base
        }
        #expect(closed == -3)
    }

    @Test func libraryCountersCountOpenSocketsByDomainTypeAndProtocol() throws {
        let expected = ["num_sockets": 5, "num_dlocal": 3, "num_dinet6": 1, "num_dinet": 1, "num_tseqpkgs": 2,
                        "num_tdgrams": 2, "num_tstreams": 1, "num_pudp": 1, "num_ptcp": 1, "num_pip": 3]
        var held: [Socket] = []
        let deltas = try quietly(expected: expected) { () throws -> [String: Int] in
            held.removeAll()
            let before = libraryCounters()
            held.append(try Socket.open(.local, .seqpacket))
            held.append(try Socket.open(.local, .seqpacket, options: OpenOptions(useRegistry: false)))
            held.append(try Socket.open(.local, .dgram))
            held.append(try Socket.open(.inet6, .dgram, .udp))
            held.append(try Socket.open(.inet, .stream))
            let after = libraryCounters()
            return after.reduce(into: [:]) { result, pair in
                let change = pair.value - (before[pair.key] ?? 0)
                if change != 0 { result[pair.key] = change }
            }
        }
        #expect(deltas == expected, "unix sockets count as local; unlisted sockets count too")
        let info = Socket.info()
        #expect(info.iovMax == Int(Native.IOV_MAX))
        #expect(info.counters.named.first { $0.name == "num_cnt_bits" }?.value == 64)
        #expect(info.counters.sockets == info.counters.byDomain.values.reduce(0, +))

        held.removeAll()
        let negated = expected.mapValues { -$0 }
        let closed = try quietly(expected: negated) { () throws -> [String: Int] in
            let five = [try Socket.open(.local, .seqpacket),
                        try Socket.open(.local, .seqpacket, options: OpenOptions(useRegistry: false)),
                        try Socket.open(.local, .dgram), try Socket.open(.inet6, .dgram, .udp), try Socket.open(.inet, .stream)]
            let before = libraryCounters()
            try five[0].close()
            try five[1].close()
            try five[2].close()
            try five[3].close()
            try five[4].close()
            let after = libraryCounters()
            return after.reduce(into: [:]) { result, pair in
                let change = pair.value - (before[pair.key] ?? 0)
                if change != 0 { result[pair.key] = change }
            }
        }
        #expect(closed == negated, "closing takes each socket out of the counts once")
    }

    @Test func debugFlags() throws {
        Socket.debug(true)
        #expect(Socket.info().debug)
        Socket.debug(false)
        #expect(!Socket.info().debug)
        Socket.socketDebug(true)
        let debugging = try Socket.open(.inet, .dgram)
        Socket.socketDebug(false)
        let quiet = try Socket.open(.inet, .dgram)
        #expect(debugging.withLock { $0.otp.debug })
        #expect(!quiet.withLock { $0.otp.debug })
        #expect(!Socket.info().socketDebug)
    }
}
