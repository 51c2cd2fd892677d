// Timing, percentiles and the RESULT line, exactly as shared/bench/WORKLOADS.md defines them.
#if canImport(Glibc)
import Glibc
#endif

enum Workload {
    static let message = 64
    static let warmup = 1000
    /// `OTP_BENCH_ROUNDTRIPS=n` (profiling only, e.g. under callgrind): exactly `n` timed
    /// round trips, no time cap. The difference of two such runs is the cost of the round
    /// trips alone, without start-up and warmup.
    static let fixedCount: Int? = getenv("OTP_BENCH_ROUNDTRIPS").flatMap { Int(String(cString: $0)) }
    static let pingPongMax = fixedCount ?? 200_000
    static let pingPongCap: Int64 = fixedCount == nil ? 5_000_000_000 : .max
}

@inline(__always)
func now() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// Nearest rank: the sample at ceil(q * n), 1-based, clamped to 1...n.
func percentile(_ sorted: [Int64], _ q: Double) -> Int64 {
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

func report(_ impl: String, _ workload: String, _ metrics: [(String, String)]) {
    print("RESULT \(impl) \(workload) " + metrics.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
    fflush(nil)
}

func fixed(_ value: Double, _ digits: Int) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.\(digits)f", $0) }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func reportPingPong(_ impl: String, _ workload: String, _ samples: [Int64], elapsed: Int64) {
    let sorted = samples.sorted()
    let secs = Double(elapsed) / 1e9
    report(impl, workload, [
        ("rtt_per_s", fixed(Double(samples.count) / secs, 0)),
        ("p50_us", fixed(Double(percentile(sorted, 0.50)) / 1e3, 2)),
        ("p99_us", fixed(Double(percentile(sorted, 0.99)) / 1e3, 2)),
        ("n", String(samples.count)), ("secs", fixed(secs, 3)),
    ])
}

/// The ping-pong timing loop: a sample is the time from the end of one round trip to the
/// end of the next, so the samples add up to the elapsed time.
func pingPongLoop(_ roundTrip: () throws -> Void) rethrows -> (samples: [Int64], elapsed: Int64) {
    for _ in 0..<Workload.warmup { try roundTrip() }
    var samples = [Int64]()
    samples.reserveCapacity(Workload.pingPongMax)
    let start = now()
    var t = start
    while samples.count < Workload.pingPongMax {
        let t0 = t
        try roundTrip()
        t = now()
        samples.append(t - t0)
        if t - start >= Workload.pingPongCap { break }
    }
    return (samples, t - start)
}

func pingPongLoop(_ roundTrip: () async throws -> Void) async rethrows -> (samples: [Int64], elapsed: Int64) {
    for _ in 0..<Workload.warmup { try await roundTrip() }
    var samples = [Int64]()
    samples.reserveCapacity(Workload.pingPongMax)
    let start = now()
    var t = start
    while samples.count < Workload.pingPongMax {
        let t0 = t
        try await roundTrip()
        t = now()
        samples.append(t - t0)
        if t - start >= Workload.pingPongCap { break }
    }
    return (samples, t - start)
}

/// `VmRSS` of `/proc/self/status`, in KiB, as the C baseline's `rss_kib` reads it. Parsed
/// byte by byte: were it parsed with `String` (Unicode properties, tables), the first call
/// would fault in pages of the runtime after reading the figure, and the second call would
/// count them as growth (W7 saw ~320 KiB of it, 0.04 KiB per pair).
func rssKiB() -> Int {
    let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8192) { buffer in
        var length = 0
        while length < buffer.count {
            let got = read(fd, buffer.baseAddress! + length, buffer.count - length)
            if got <= 0 { break }
            length += got
        }
        let key: StaticString = "VmRSS:"
        let keyBytes = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        var i = 0
        while i + keyBytes.count <= length {
            if (0..<keyBytes.count).allSatisfy({ buffer[i + $0] == keyBytes[$0] }) {
                var j = i + keyBytes.count, value = 0
                while j < length, buffer[j] == UInt8(ascii: " ") || buffer[j] == UInt8(ascii: "\t") { j += 1 }
                while j < length, buffer[j] >= UInt8(ascii: "0"), buffer[j] <= UInt8(ascii: "9") {
                    value = value * 10 + Int(buffer[j] - UInt8(ascii: "0"))
                    j += 1
                }
                return value
            }
            i += 1
        }
        return -1
    }
}

/// Runs `body` on a new thread; `join` waits for it.
final class Worker: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { context in
            let worker = Unmanaged<Worker>.fromOpaque(context!).takeRetainedValue()
            worker.body()
            return nil
        }, box)
    }

    func join() { pthread_join(thread, nil) }
}

func fail(_ message: String) -> Never {
    let bytes = Array("otp-socket-bench: \(message)\n".utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}
