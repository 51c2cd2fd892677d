@testable import OTPSocket
import SocketConstants
import SystemPackage
import Testing
import Foundation

/// Whether the running kernel makes SCTP sockets (the headers may know SCTP while the kernel
/// was built without it: `supports(sctp)` is not this).
let sctpAvailable: Bool = (try? Socket.open(.inet, .seqpacket, .sctp)) != nil

/// The `sctp` level against the kernel, on a one-to-many socket (no association: the values
/// are the endpoint's defaults for new associations, assoc_id 0).
@Suite struct OptionsSCTPTests {
    /// Options that need an established association or an authentication setup, and so are
    /// out of reach of an endpoint without a peer.
    static let needAssociation: [String: String] = [
        "auth_active_key": "needs SCTP-AUTH keys", "auth_chunk": "needs SCTP-AUTH enabled",
        "auth_key": "needs SCTP-AUTH enabled", "auth_delete_key": "needs SCTP-AUTH keys",
        "hmac_ident": "needs SCTP-AUTH enabled", "local_auth_chunks": "needs SCTP-AUTH enabled",
        "peer_auth_chunks": "needs an association", "get_peer_addr_info": "needs an association",
        "peer_addr_params": "needs a peer address", "primary_addr": "needs an association",
        "set_peer_primary_addr": "needs an association", "reset_streams": "needs an association",
        "status": "needs an association",
    ]

    @Test(.enabled(if: sctpAvailable, "this kernel refuses SCTP sockets (built without CONFIG_IP_SCTP)"))
    func endpointOptionsRoundTrip() throws {
        func socket() throws -> Socket {
            let s = try Socket.open(.inet, .seqpacket, .sctp)
            try s.bind(.inet(.loopback, port: 0))
            return s
        }
        var cases: [String: () throws -> Void] = [:]
        for name in ["nodelay", "disable_fragments"] {
            cases[name] = { try socket().roundTripBool("sctp", name) }
        }
        cases["i_want_mapped_v4_addr"] = { try Socket.open(.inet6, .seqpacket, .sctp).roundTripBool("sctp", "i_want_mapped_v4_addr") }
        for (name, value) in [("autoclose", 30), ("maxseg", 1200), ("maxburst", 8), ("fragment_interleave", 1),
                              ("partial_delivery_point", 4096)] {
            cases[name] = { try socket().roundTripInt("sctp", name, value) }
        }
        cases["initmsg"] = {
            let value = SCTPInitmsg(numOstreams: 5, maxInstreams: 6, maxAttempts: 3, maxInitTimeo: 2000)
            let s = try socket()
            try s.setopt(.sctp.initmsg, value)
            #expect(try s.getopt(.sctp.initmsg) == value)
            try s.expectNative("sctp", "initmsg", .bytes(encoded(value), size: Layout.sctp_initmsg.size))
        }
        cases["rtoinfo"] = {
            let value = SCTPRtoinfo(assocId: 0, initial: 2000, max: 50000, min: 500)
            let s = try socket()
            try s.setopt(level: "sctp", option: "rtoinfo", value: .structured([
                "assoc_id": .int(0), "initial": .int(2000), "max": .int(50000), "min": .int(500),
            ]))
            #expect(try s.getopt(.sctp.rtoinfo) == value)
            try s.expectNative("sctp", "rtoinfo", .bytes(encoded(value), size: Layout.sctp_rtoinfo.size))
        }
        cases["associnfo"] = {
            let s = try socket()
            var value = try s.getopt(.sctp.associnfo)
            value.asocmaxrxt = 7
            value.cookieLife = 30000
            try s.setopt(.sctp.associnfo, value)
            #expect(try s.getopt(.sctp.associnfo) == value)
        }
        cases["events"] = {
            // Set-only in Erlang; Linux reads it back, natively.
            var value = SCTPEventSubscribe()
            value.dataIo = true
            value.shutdown = true
            let s = try socket()
            try s.setopt(.sctp.events, value)
            let (level, option) = nativeKey("sctp", "events")!
            guard case .bytes(let raw) = try s.getoptNative(level, option, as: .size(Layout.sctp_event_subscribe.size)) else { return }
            #expect(try decoded(raw, as: SCTPEventSubscribe.self) == value)
        }
        for (name, key) in [("context", SocketOption<SCTPAssocValue, ReadWrite>.sctp.context),
                            ("delayed_ack_time", SocketOption<SCTPAssocValue, ReadWrite>.sctp.delayedAckTime)] {
            cases[name] = {
                let s = try socket()
                let value = SCTPAssocValue(assocId: 0, assocValue: 100)
                try s.setopt(key, value)
                #expect(try s.getopt(key) == value)
            }
        }
        cases["adaption_layer"] = {
            let s = try socket()
            try s.setopt(.sctp.adaptionLayer, SCTPSetadaptation(adaptationInd: 0x1234))
            #expect(try s.getopt(.sctp.adaptionLayer) == SCTPSetadaptation(adaptationInd: 0x1234))
        }
        cases["default_send_params"] = {
            let s = try socket()
            var value = try s.getopt(.sctp.defaultSendParams)
            value.ppid = 42
            value.timetolive = 1000
            try s.setopt(.sctp.defaultSendParams, value)
            #expect(try s.getopt(.sctp.defaultSendParams) == value)
        }

        for row in SpecTables.options where row.level == "sctp" {
            guard SpecTables.optionKey(level: "sctp", name: row.name)?.isSupported == true else { continue }
            if Self.needAssociation[row.name] != nil { continue }
            guard let check = cases[row.name] else {
                Issue.record("{sctp, \(row.name)}: no test case and no reason")
                continue
            }
            do { try check() } catch { Issue.record("{sctp, \(row.name)}: \(error)") }
        }
    }
}
