/// A platform the generator knows how to probe and how to select at compile time.
///
/// SwiftPM does not tell a build-tool plugin which triple it builds for, so every committed
/// snapshot is emitted under the `#if` condition that selects it.
public struct Triple: Sendable, Hashable, CustomStringConvertible {
    /// Debian's multiarch spelling, also the snapshot's file name: `x86_64-linux-gnu`.
    public var name: String
    /// The Swift compilation condition that is true exactly on this platform.
    public var swiftCondition: String

    public var description: String { name }

    /// The target clang is asked to parse for.
    public var clangTarget: String { name }

    public static let known: [Triple] = [
        Triple(name: "x86_64-linux-gnu", swiftCondition: "os(Linux) && arch(x86_64) && !canImport(Musl)"),
        Triple(name: "aarch64-linux-gnu", swiftCondition: "os(Linux) && arch(arm64) && !canImport(Musl)"),
        Triple(name: "arm-linux-gnueabihf", swiftCondition: "os(Linux) && arch(arm) && !canImport(Musl)"),
        Triple(name: "i686-linux-gnu", swiftCondition: "os(Linux) && arch(i386) && !canImport(Musl)"),
        Triple(name: "mips64el-linux-gnuabi64", swiftCondition: "os(Linux) && arch(mips64) && _endian(little) && !canImport(Musl)"),
        Triple(name: "powerpc64le-linux-gnu", swiftCondition: "os(Linux) && arch(powerpc64le) && !canImport(Musl)"),
        Triple(name: "riscv64-linux-gnu", swiftCondition: "os(Linux) && arch(riscv64) && !canImport(Musl)"),
        Triple(name: "s390x-linux-gnu", swiftCondition: "os(Linux) && arch(s390x) && !canImport(Musl)"),
        Triple(name: "x86_64-linux-musl", swiftCondition: "os(Linux) && arch(x86_64) && canImport(Musl)"),
        Triple(name: "aarch64-linux-musl", swiftCondition: "os(Linux) && arch(arm64) && canImport(Musl)"),
    ]

    public static func named(_ name: String) -> Triple? {
        known.first { $0.name == name }
    }

    /// The platform this generator runs on.
    public static var host: Triple {
        #if os(Linux) && arch(x86_64) && canImport(Musl)
        return named("x86_64-linux-musl")!
        #elseif os(Linux) && arch(x86_64)
        return named("x86_64-linux-gnu")!
        #elseif os(Linux) && arch(arm64) && canImport(Musl)
        return named("aarch64-linux-musl")!
        #elseif os(Linux) && arch(arm64)
        return named("aarch64-linux-gnu")!
        #elseif os(Linux) && arch(arm)
        return named("arm-linux-gnueabihf")!
        #elseif os(Linux) && arch(i386)
        return named("i686-linux-gnu")!
        #elseif os(Linux) && arch(powerpc64le)
        return named("powerpc64le-linux-gnu")!
        #elseif os(Linux) && arch(riscv64)
        return named("riscv64-linux-gnu")!
        #elseif os(Linux) && arch(s390x)
        return named("s390x-linux-gnu")!
        #else
        return Triple(name: "unknown", swiftCondition: "false")
        #endif
    }
}
