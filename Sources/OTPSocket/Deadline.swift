#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A point on the monotonic clock (`CLOCK_MONOTONIC`) by which an operation must finish.
struct Deadline: Sendable {
    var nanoseconds: Int64

    static func now() -> Int64 {
        var ts = Glibc.timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func after(_ duration: Duration) -> Deadline {
        let (seconds, attoseconds) = duration.components
        let ns = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let total = ns.overflow ? Int64.max / 2 : ns.partialValue + attoseconds / 1_000_000_000
        return Deadline(nanoseconds: now() &+ max(total, 0))
    }

    /// Time left, or `nil` when it has passed.
    var remaining: Duration? {
        let left = nanoseconds - Deadline.now()
        return left > 0 ? .nanoseconds(left) : nil
    }

    /// Milliseconds left for poll(2), rounded up so that a wait never ends early; 0 when past.
    var pollMilliseconds: CInt {
        let left = nanoseconds - Deadline.now()
        if left <= 0 { return 0 }
        return CInt(clamping: (left + 999_999) / 1_000_000)
    }

    var timespec: Glibc.timespec {
        Glibc.timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}
