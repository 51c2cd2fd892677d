#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// What the running kernel accepts, which is not what its headers define: a kernel built
/// without SCTP, or booted with `ipv6.disable=1`, refuses sockets that ``Supports`` reports
/// as supported.
///
/// No Erlang counterpart: OTP's `supports(sctp)` says `true` where the kernel refuses SCTP.
/// Each answer tries the real thing once (opens and closes a socket, or the network
/// namespace file), so it also says `false`, with the reason, when this process cannot
/// open a descriptor at all.
public enum KernelSupport {
    /// The kernel's answer, and its errno when it refused.
    public struct Answer: Sendable, Hashable, CustomStringConvertible {
        public var isSupported: Bool
        /// Why the kernel refused; `nil` when it accepted.
        public var error: Errno?

        /// Accepted when `error` is `nil`, refused with `error` otherwise.
        public init(refusedWith error: Errno?) {
            self.isSupported = error == nil
            self.error = error
        }

        /// `true`, or `false (errno 93: Protocol not supported)`.
        public var description: String {
            guard let error else { return "true" }
            return "false (errno \(error.rawValue): \(error))"
        }
    }

    /// The keys answered, a subset of ``Supports/booleanKeys``.
    public static let keys = ["sctp", "ipv6", "local", "netns"]

    /// The answer for one of ``keys``; `nil` for any other key.
    public static func answer(for key: String) -> Answer? {
        switch key {
        case "sctp": return sctp()
        case "ipv6": return ipv6()
        case "local": return local()
        case "netns": return netns()
        default: return nil
        }
    }

    /// Whether the kernel opens an SCTP socket (`socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)`).
    public static func sctp() -> Answer {
        openSocket(Native.AF_INET, Native.SOCK_STREAM, Native.IPPROTO_SCTP)
    }

    /// Whether the kernel opens an IPv6 socket (`socket(AF_INET6, SOCK_DGRAM, 0)`).
    public static func ipv6() -> Answer {
        openSocket(Native.AF_INET6, Native.SOCK_DGRAM, 0)
    }

    /// Whether the kernel opens a unix-domain socket (`socket(AF_LOCAL, SOCK_STREAM, 0)`).
    public static func local() -> Answer {
        openSocket(Native.AF_LOCAL, Native.SOCK_STREAM, 0)
    }

    /// Whether the kernel has network namespaces: `/proc/self/ns/net` opens. Entering one
    /// (`setns`) also needs `CAP_SYS_ADMIN`, which this does not ask for.
    public static func netns() -> Answer {
        do {
            let file = try FileDescriptor.open("/proc/self/ns/net", .readOnly, options: .closeOnExec)
            try file.close()
            return Answer(refusedWith: nil)
        } catch {
            return Answer(refusedWith: error as? Errno ?? .ioError)
        }
    }

    static func openSocket(_ domain: CInt, _ type: CInt, _ proto: CInt) -> Answer {
        let descriptor = socket(domain, type | Native.SOCK_CLOEXEC, proto)
        guard descriptor >= 0 else { return Answer(refusedWith: Errno(rawValue: errno)) }
        close(descriptor)
        return Answer(refusedWith: nil)
    }
}
