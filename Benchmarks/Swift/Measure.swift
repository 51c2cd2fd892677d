// Timing, percentiles and the RESULT line, exactly as shared/bench/WORKLOADS.md defines them.
#if canImport(Glibc)
import Glibc
#endif

enum Workload {
    static let message = 64
    static let warmup = 1000
    static let pingPongMax = 200_000
    static let pingPongCap: Int64 = 5_000_000_000
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

func rssKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmRSS:") {
            return Int(text.dropFirst(6).filter(\.isNumber)) ?? -1
        }
    }
    return -1
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
