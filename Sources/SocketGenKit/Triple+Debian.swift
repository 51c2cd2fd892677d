/// Where Debian puts each triple's headers and compiler, so that regenerating a snapshot or
/// checking one needs no paths on a Debian machine: `socket-gen probe --triple T` and the
/// cross-compiler tests use these.
extension Triple {
    /// The musl include directory Debian's `musl-dev` installs (`/usr/include/x86_64-linux-musl`).
    var debianMuslIncludeDirectory: String { "/usr/include/" + name }

    /// The headers of this triple as Debian installs them, seen from `host`: the build
    /// machine's own for the host triple, `/usr/<triple>/include` from the cross packages
    /// for another glibc triple, and for musl its include directory plus the kernel headers
    /// of the glibc triple of the same architecture.
    public func debianHeaders(host: Triple = .host) -> HeaderSearch {
        if self == host { return .host }
        switch cLibrary {
        case .glibc:
            return .sysroot("/usr/" + name)
        case .musl:
            let root = glibcSibling == host.name ? "/usr/include" : "/usr/\(glibcSibling)/include"
            return HeaderSearch(directories: [debianMuslIncludeDirectory],
                                kernel: KernelHeaders(root: root, multiarch: glibcSibling))
        }
    }

    /// The Debian packages that provide this triple's headers and C compiler on `host`.
    public func debianPackages(host: Triple = .host) -> [String] {
        switch cLibrary {
        case .glibc where self == host:
            return ["gcc", "libc6-dev", "linux-libc-dev"]
        case .glibc:
            return ["gcc-" + name, "libc6-dev-\(debianArchitecture)-cross", "linux-libc-dev-\(debianArchitecture)-cross"]
        case .musl:
            let kernel = glibcSibling == host.name ? "linux-libc-dev" : "linux-libc-dev-\(debianArchitecture)-cross"
            return ["musl-tools", "musl-dev", kernel]
        }
    }

    /// The C compiler that builds for this triple on `host` (`cc` for the host itself,
    /// `aarch64-linux-gnu-gcc`, `musl-gcc`), or `nil` when Debian has none: `musl-gcc` wraps
    /// the native compiler, so it serves only the host's architecture.
    public func debianCompiler(host: Triple = .host) -> String? {
        if self == host { return "cc" }
        switch cLibrary {
        case .glibc: return name + "-gcc"
        case .musl: return glibcSibling == host.name ? "musl-gcc" : nil
        }
    }
}
