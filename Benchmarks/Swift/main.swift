// otp-socket-bench <style> <workload>: one workload of shared/bench/WORKLOADS.md, driven by
// the library in one style, printing one RESULT line. Benchmarks/run.sh runs them all.
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3, let style = Style(rawValue: arguments[1]) else {
    fail("usage: otp-socket-bench blocking|nowait|async tcp-pingpong|tcp-stream|udp-pingpong|connect-accept|unix-pingpong|sockopt|many-idle|pingpong-concurrent")
}
do {
    switch arguments[2] {
    case "tcp-pingpong", "udp-pingpong", "unix-pingpong": try PingPong.run(style, arguments[2])
    case "tcp-stream": try Stream.run(style)
    case "connect-accept": try ConnectAccept.run(style)
    case "sockopt": try Sockopt.run(style)
    case "many-idle": try ManyIdle.run(style)
    case "pingpong-concurrent": try Concurrent.run(style)
    default: fail("unknown workload \(arguments[2])")
    }
} catch {
    fail("\(error)")
}
exit(0)
