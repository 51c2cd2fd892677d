import SocketSpec
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where a probe finds one triple's C headers.
///
/// A cross probe must see the target's headers and nothing of the build machine's: a header
/// the target lacks would otherwise be found on the host and its names recorded as present.
public struct HeaderSearch: Sendable, Hashable {
    /// The C library's include directories, in search order; `nil` leaves clang's own default
    /// for the build machine (the host probe).
    public var directories: [String]?
    /// Kernel headers searched after everything else, for a C library (musl) that ships none.
    public var kernel: KernelHeaders?

    public init(directories: [String]?, kernel: KernelHeaders? = nil) {
        self.directories = directories
        self.kernel = kernel
    }

    /// The build machine's own headers.
    public static let host = HeaderSearch(directories: nil)

    /// A sysroot laid out as Debian's cross packages lay out `/usr/<triple>`.
    public static func sysroot(_ directory: String) -> HeaderSearch {
        HeaderSearch(directories: [directory + "/include"])
    }
}

/// The kernel's userspace headers (`linux/`, `asm/`, `asm-generic/`).
///
/// On Debian they share `/usr/include` with glibc, so a musl probe cannot simply add that
/// directory: glibc's headers would shadow every header musl lacks. ``stage()`` gathers the
/// three directories alone, as symbolic links in a fresh temporary directory.
public struct KernelHeaders: Sendable, Hashable {
    public var linux: String
    public var asm: String
    public var asmGeneric: String

    public init(linux: String, asm: String, asmGeneric: String) {
        self.linux = linux
        self.asm = asm
        self.asmGeneric = asmGeneric
    }

    /// The kernel headers of a glibc-style include tree: `root/linux`, `root/asm-generic`, and
    /// `root/<multiarch>/asm` where the architecture's headers are multiarch (`/usr/include`),
    /// else `root/asm` (a cross sysroot's `/usr/<triple>/include`).
    public init(root: String, multiarch: String) {
        let multiarchAsm = root + "/" + multiarch + "/asm"
        self.init(linux: root + "/linux", asm: FileSystem.exists(multiarchAsm) ? multiarchAsm : root + "/asm",
                  asmGeneric: root + "/asm-generic")
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Links the three directories into a new temporary directory, removed when the returned
    /// value is released.
    public func stage() throws(Failure) -> StagedDirectory {
        for directory in [linux, asm, asmGeneric] where !FileSystem.exists(directory + "/.") {
            throw Failure(description: "no kernel headers at \(directory) (Debian: linux-libc-dev)")
        }
        var template = Array("/tmp/socket-gen-kernel-XXXXXX".utf8CString)
        guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure(description: "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        let staged = StagedDirectory(path: String(cString: path))
        for (name, target) in [("linux", linux), ("asm", asm), ("asm-generic", asmGeneric)] {
            guard symlink(target, staged.path + "/" + name) == 0 else {
                throw Failure(description: "cannot link \(staged.path)/\(name): \(String(cString: strerror(errno)))")
            }
            staged.links.append(staged.path + "/" + name)
        }
        return staged
    }
}

/// A temporary directory of symbolic links, removed with its links when released.
public final class StagedDirectory {
    public let path: String
    fileprivate var links: [String] = []

    fileprivate init(path: String) { self.path = path }

    deinit {
        for link in links { unlink(link) }
        rmdir(path)
    }
}
