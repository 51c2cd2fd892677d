import CClang
import SocketSpec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libclang, loaded once per process with `dlopen`.
///
/// Search order: an explicit path (`SOCKET_GEN_LIBCLANG`), the system's libclang (Debian's
/// `libclang-dev`, `/usr/lib/llvm-*/lib`), then the Swift toolchain's own
/// `usr/lib/libclang.so`, found next to the Swift runtime this tool runs with.
public enum Libclang {
    public struct LoadError: Error, CustomStringConvertible {
        public var tried: [String]
        public var reasons: [String]
        public var description: String {
            "socket-gen: cannot load libclang (install Debian's libclang-dev, or set SOCKET_GEN_LIBCLANG); tried:\n  "
                + zip(tried, reasons).map { "\($0): \($1)" }.joined(separator: "\n  ")
        }
    }

    /// The candidate paths, most preferred first.
    public static func candidates() -> [String] {
        var paths: [String] = []
        if let explicit = getenv("SOCKET_GEN_LIBCLANG") { paths.append(String(cString: explicit)) }
        paths += systemCandidates()
        if let toolchain = toolchainLibDirectory() { paths.append(toolchain + "/libclang.so") }
        return paths
    }

    static func systemCandidates() -> [String] {
        var versions: [(Int, String)] = []
        for name in FileSystem.list("/usr/lib") {
            if name.hasPrefix("llvm-"), let version = Int(name.dropFirst(5)) {
                versions.append((version, "/usr/lib/\(name)/lib"))
            }
        }
        var paths: [String] = []
        for (_, lib) in versions.sorted(by: { $0.0 > $1.0 }) {
            paths.append(lib + "/libclang.so")
            paths.append(lib + "/libclang.so.1")
        }
        return paths
    }

    /// `<toolchain>/usr/lib`, derived from where the Swift runtime was loaded from
    /// (`<toolchain>/usr/lib/swift/linux/libswiftCore.so`).
    static func toolchainLibDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard cclang_path_of_loaded("libswiftCore.so", "swift_retain", &buffer, buffer.count) != 0 else { return nil }
        let path = string(buffer)
        // <toolchain>/usr/lib/swift/linux/libswiftCore.so -> <toolchain>/usr/lib
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let swift = parts.lastIndex(of: "swift"), swift > 0, parts[swift - 1] == "lib" else { return nil }
        return parts[..<swift].joined(separator: "/")
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Loads libclang from the first candidate that works and returns its path.
    @discardableResult
    public static func load() throws(LoadError) -> String {
        if let loaded = cclang_loaded_path() { return String(cString: loaded) }
        var tried: [String] = [], reasons: [String] = []
        for path in candidates() {
            var error = [CChar](repeating: 0, count: 1024)
            if cclang_load(path, &error, error.count) != 0 {
                return String(cString: cclang_loaded_path())
            }
            tried.append(path)
            reasons.append(string(error))
        }
        throw LoadError(tried: tried, reasons: reasons)
    }

    /// The clang resource directory that belongs to the loaded libclang: without it,
    /// `<stddef.h>` is missing and `sizeof(struct msghdr)` silently evaluates wrong.
    public static func resourceDirectory(forLibrary path: String) -> String? {
        var lib = path
        if let slash = lib.lastIndex(of: "/") { lib = String(lib[..<slash]) }
        let clangDir = lib + "/clang"
        var best: String?
        for name in FileSystem.list(clangDir) {
            if name.first?.isNumber == true, best.map({ name.compare($0) == .orderedDescending }) ?? true {
                best = name
            }
        }
        return best.map { clangDir + "/" + $0 }
    }

    public static var version: String {
        var buffer = [CChar](repeating: 0, count: 256)
        cclang_version(&buffer, buffer.count)
        return string(buffer)
    }
}

extension String {
    fileprivate func compare(_ other: String) -> ComparisonOrder {
        let a = split(separator: ".").map { Int($0) ?? 0 }, b = other.split(separator: ".").map { Int($0) ?? 0 }
        return a.lexicographicallyPrecedes(b) ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
    }
}

fileprivate enum ComparisonOrder { case orderedAscending, orderedSame, orderedDescending }
