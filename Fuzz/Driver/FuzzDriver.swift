import FuzzTargets
import SocketSpec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// libFuzzer's entry points when built with `-sanitize=fuzzer` and `-D OTP_SOCKET_FUZZ`
// (`.ci/fuzz.sh`); otherwise a tool that replays inputs and writes seed corpora.
// Docs/Reliability.md says how to run either.

/// The target named by `--target=NAME` (libFuzzer ignores flags that start with `--`).
func target(in arguments: [String]) -> FuzzTarget? {
    for argument in arguments where argument.hasPrefix("--target=") {
        return FuzzTarget(rawValue: String(argument.dropFirst("--target=".count)))
    }
    return nil
}

func fail(_ message: String) -> Never {
    let line = Array("otp-socket-fuzz: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

let usage = "--target=\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) is required"

#if OTP_SOCKET_FUZZ

nonisolated(unsafe) var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let arguments = (0..<Int(argc.pointee)).compactMap { argv.pointee?[$0].map { String(cString: $0) } }
    guard let chosen = target(in: arguments) else { fail(usage) }
    selected = chosen
    return 0
}

/// libFuzzer's driver (`FuzzerDriver.cpp`), for a `main` of our own.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's `main` to `<module>_main`: with no Swift `main` in this
/// mode, that is where libFuzzer starts.
@_cdecl("otp_socket_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    _ = initialize(&count, &vector)
    return runDriver(&count, &vector, testOneInput)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do throws(FuzzViolation) {
        try selected!.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(selected!.rawValue): \(error)")
    }
    return 0
}

#else

/// `otp-socket-fuzz --target=NAME FILE...` replays inputs (each behind a guard page);
/// `otp-socket-fuzz --target=NAME --write-seeds DIR [--spec DIR]` writes a seed corpus.
@main
enum FuzzDriver {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let target = target(in: arguments) else { fail(usage) }
        let rest = arguments.filter { !$0.hasPrefix("--target=") }
        if let flag = rest.firstIndex(of: "--write-seeds"), flag + 1 < rest.count {
            let directory = rest[flag + 1]
            let spec = rest.firstIndex(of: "--spec").flatMap { $0 + 1 < rest.count ? rest[$0 + 1] : nil } ?? "Spec"
            let seeds = FuzzSeeds.seeds(for: target, specDirectory: spec)
            for (index, seed) in seeds.enumerated() {
                let path = "\(directory)/seed-\(index)"
                guard let file = fopen(path, "wb") else { fail("cannot write \(path)") }
                _ = seed.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
                fclose(file)
            }
            print("\(target.rawValue): \(seeds.count) seeds in \(directory)")
            return
        }
        var failures = 0
        for path in rest {
            guard let bytes = try? FileSystem.readBytes(path) else { fail("cannot read \(path)") }
            do throws(FuzzViolation) {
                try target.runGuarded(bytes)
                print("\(path): ok")
            } catch {
                print("\(path): \(error)")
                failures += 1
            }
        }
        exit(failures == 0 ? 0 : 1)
    }
}

#endif
