/// A platform the generator knows how to probe and how to select at compile time.
///
/// SwiftPM does not tell a build-tool plugin which triple it builds for, so every committed
/// snapshot is emitted under the `#if` condition that selects it; the facts here are the ones
/// that neither the snapshot nor that condition carry (how wide `Int` is on the target, which
/// Debian packages hold its headers and compiler).
public struct Triple: Sendable, Hashable, CustomStringConvertible {
    /// The C library, which decides where the headers live and is part of the `#if`.
    public enum CLibrary: String, Sendable, Hashable {
        case glibc, musl
    }

    /// Debian's multiarch spelling, also the snapshot's file name: `x86_64-linux-gnu`.
    public var name: String
    /// The Swift compilation condition that is true exactly on this platform.
    public var swiftCondition: String
    /// The width of a pointer, and so of Swift's `Int`, in bits: a literal that fits `Int`
    /// on the build machine may not fit it on a 32-bit target.
    public var pointerBitWidth: Int
    public var cLibrary: CLibrary
    /// Debian's architecture name (`arm64`, `armhf`, `ppc64el`), which names its cross packages.
    public var debianArchitecture: String

    public var description: String { name }

    /// The target clang is asked to parse for.
    public var clangTarget: String { name }

    /// The glibc triple of the same architecture, whose kernel headers a musl triple borrows.
    public var glibcSibling: String {
        cLibrary == .musl ? String(name.dropLast("musl".count)) + "gnu" : name
    }

    public static let known: [Triple] = [
        Triple(name: "x86_64-linux-gnu", swiftCondition: "os(Linux) && arch(x86_64) && !canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .glibc, debianArchitecture: "amd64"),
        Triple(name: "aarch64-linux-gnu", swiftCondition: "os(Linux) && arch(arm64) && !canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .glibc, debianArchitecture: "arm64"),
        Triple(name: "arm-linux-gnueabihf", swiftCondition: "os(Linux) && arch(arm) && !canImport(Musl)",
               pointerBitWidth: 32, cLibrary: .glibc, debianArchitecture: "armhf"),
        Triple(name: "i686-linux-gnu", swiftCondition: "os(Linux) && arch(i386) && !canImport(Musl)",
               pointerBitWidth: 32, cLibrary: .glibc, debianArchitecture: "i386"),
        Triple(name: "mips64el-linux-gnuabi64",
               swiftCondition: "os(Linux) && arch(mips64) && _endian(little) && !canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .glibc, debianArchitecture: "mips64el"),
        Triple(name: "powerpc64le-linux-gnu", swiftCondition: "os(Linux) && arch(powerpc64le) && !canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .glibc, debianArchitecture: "ppc64el"),
        Triple(name: "riscv64-linux-gnu", swiftCondition: "os(Linux) && arch(riscv64) && !canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .glibc, debianArchitecture: "riscv64"),
        Triple(name: "s390x-linux-gnu", swiftCondition: "os(Linux) && arch(s390x) && !canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .glibc, debianArchitecture: "s390x"),
        Triple(name: "x86_64-linux-musl", swiftCondition: "os(Linux) && arch(x86_64) && canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .musl, debianArchitecture: "amd64"),
        Triple(name: "aarch64-linux-musl", swiftCondition: "os(Linux) && arch(arm64) && canImport(Musl)",
               pointerBitWidth: 64, cLibrary: .musl, debianArchitecture: "arm64"),
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
        #elseif os(Linux) && arch(mips64) && _endian(little)
        return named("mips64el-linux-gnuabi64")!
        #elseif os(Linux) && arch(powerpc64le)
        return named("powerpc64le-linux-gnu")!
        #elseif os(Linux) && arch(riscv64)
        return named("riscv64-linux-gnu")!
        #elseif os(Linux) && arch(s390x)
        return named("s390x-linux-gnu")!
        #else
        return Triple(name: "unknown", swiftCondition: "false", pointerBitWidth: MemoryLayout<Int>.size * 8,
                      cLibrary: .glibc, debianArchitecture: "unknown")
        #endif
    }
}
