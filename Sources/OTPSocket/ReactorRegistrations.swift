/// The sockets the reactor watches, by token: a slot table, so that finding the socket of an
/// event is an index and a compare rather than a hash lookup.
///
/// A token is a slot's index in its low 32 bits and the slot's generation in its high 32
/// bits. Freeing a slot advances its generation, so the token of a socket that was
/// deregistered never finds the socket that takes the slot next: an event read before
/// `close` took the descriptor out of epoll is dropped, as with tokens never reused (a
/// stale token could match again only after 2^32 reuses of its slot while the event waited,
/// and would then only report a spurious readiness, which an operation survives with an
/// `EAGAIN`). Generation 0 is never used, so no token is 0, the wake-up's token.
///
/// Not thread-safe: the reactor guards it with its lock.
struct ReactorRegistrations {
    private struct Slot {
        var generation: UInt32 = 1
        var socket: UnretainedReference<Socket>?
    }

    private var slots: [Slot] = []
    private var free: [UInt32] = []

    /// Takes a slot for `socket` and returns its token.
    mutating func insert(_ socket: UnretainedReference<Socket>) -> UInt64 {
        let index: UInt32
        if let reused = free.popLast() {
            index = reused
        } else {
            index = UInt32(slots.count)
            slots.append(Slot())
        }
        slots[Int(index)].socket = socket
        return UInt64(slots[Int(index)].generation) << 32 | UInt64(index)
    }

    /// Frees the slot of `token`, if it is still that token's.
    mutating func remove(_ token: UInt64) {
        let index = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: token >> 32),
              slots[index].socket != nil else { return }
        slots[index].socket = nil
        slots[index].generation &+= 1
        if slots[index].generation == 0 { slots[index].generation = 1 }
        free.append(UInt32(index))
    }

    /// The socket registered under `token`, or `nil` when it was deregistered meanwhile.
    subscript(token: UInt64) -> UnretainedReference<Socket>? {
        let index = Int(truncatingIfNeeded: token & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: token >> 32) else { return nil }
        return slots[index].socket
    }
}
