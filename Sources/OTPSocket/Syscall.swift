import CSocketShims
import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one funnel for system calls: `-1`/errno becomes a typed ``Errno``, `EINTR` is retried,
/// and nothing else in the core reads `errno`.
@usableFromInline
enum Syscall {
    @inlinable @inline(__always)
    static func retrying<T: FixedWidthInteger>(_ call: () -> T) -> Result<T, Errno> {
        while true {
            let result = call()
            if result != -1 { return .success(result) }
            let error = Errno(rawValue: errno)
            if error != .interrupted { return .failure(error) }
        }
    }

    static func socket(_ domain: CInt, _ type: CInt, _ proto: CInt) -> Result<CInt, Errno> {
        retrying { Glibc.socket(domain, type | Native.SOCK_CLOEXEC, proto) }
    }

    static func close(_ fd: CInt) {
        // Linux releases the descriptor even when close reports EINTR: never retry.
        _ = Glibc.close(fd)
    }

    static func bind(_ fd: CInt, _ address: UnsafeRawPointer, _ length: Int) -> Result<CInt, Errno> {
        retrying { Glibc.bind(fd, address.assumingMemoryBound(to: sockaddr.self), socklen_t(length)) }
    }

    static func connect(_ fd: CInt, _ address: UnsafeRawPointer, _ length: Int) -> Result<CInt, Errno> {
        // A connect interrupted by a signal goes on in the background: retrying it would
        // report EALREADY, so EINTR is reported as in progress.
        let result = Glibc.connect(fd, address.assumingMemoryBound(to: sockaddr.self), socklen_t(length))
        if result == 0 { return .success(0) }
        let error = Errno(rawValue: errno)
        return .failure(error == .interrupted ? .nowInProgress : error)
    }

    static func listen(_ fd: CInt, _ backlog: CInt) -> Result<CInt, Errno> {
        retrying { Glibc.listen(fd, backlog) }
    }

    static func accept(_ fd: CInt, _ address: UnsafeMutableRawPointer?, _ length: UnsafeMutablePointer<socklen_t>?) -> Result<CInt, Errno> {
        retrying { csock_accept4(fd, address, length, Native.SOCK_CLOEXEC) }
    }

    static func send(_ fd: CInt, _ buffer: UnsafeRawBufferPointer, _ flags: CInt) -> Result<Int, Errno> {
        retrying { Glibc.send(fd, buffer.baseAddress, buffer.count, flags) }
    }

    static func sendto(_ fd: CInt, _ buffer: UnsafeRawBufferPointer, _ flags: CInt, _ address: UnsafeRawPointer, _ length: Int) -> Result<Int, Errno> {
        retrying { Glibc.sendto(fd, buffer.baseAddress, buffer.count, flags, address.assumingMemoryBound(to: sockaddr.self), socklen_t(length)) }
    }

    static func recv(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt) -> Result<Int, Errno> {
        retrying { Glibc.recv(fd, buffer.baseAddress, buffer.count, flags) }
    }

    static func recvfrom(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt,
                         _ address: UnsafeMutableRawPointer, _ length: UnsafeMutablePointer<socklen_t>) -> Result<Int, Errno> {
        retrying { Glibc.recvfrom(fd, buffer.baseAddress, buffer.count, flags, address.assumingMemoryBound(to: sockaddr.self), length) }
    }

    static func sendmsg(_ fd: CInt, _ message: UnsafeRawPointer, _ flags: CInt) -> Result<Int, Errno> {
        retrying { Glibc.sendmsg(fd, message.assumingMemoryBound(to: msghdr.self), flags) }
    }

    static func recvmsg(_ fd: CInt, _ message: UnsafeMutableRawPointer, _ flags: CInt) -> Result<Int, Errno> {
        retrying { Glibc.recvmsg(fd, message.assumingMemoryBound(to: msghdr.self), flags) }
    }

    static func shutdown(_ fd: CInt, _ how: CInt) -> Result<CInt, Errno> {
        retrying { Glibc.shutdown(fd, how) }
    }

    @inlinable
    static func getsockopt(_ fd: CInt, _ level: CInt, _ option: CInt, _ value: UnsafeMutableRawPointer?,
                           _ length: UnsafeMutablePointer<socklen_t>) -> Result<CInt, Errno> {
        retrying { Glibc.getsockopt(fd, level, option, value, length) }
    }

    @inlinable
    static func setsockopt(_ fd: CInt, _ level: CInt, _ option: CInt, _ value: UnsafeRawPointer?, _ length: Int) -> Result<CInt, Errno> {
        retrying { Glibc.setsockopt(fd, level, option, value, socklen_t(length)) }
    }

    static func getsockname(_ fd: CInt, _ address: UnsafeMutableRawPointer, _ length: UnsafeMutablePointer<socklen_t>) -> Result<CInt, Errno> {
        retrying { Glibc.getsockname(fd, address.assumingMemoryBound(to: sockaddr.self), length) }
    }

    static func getpeername(_ fd: CInt, _ address: UnsafeMutableRawPointer, _ length: UnsafeMutablePointer<socklen_t>) -> Result<CInt, Errno> {
        retrying { Glibc.getpeername(fd, address.assumingMemoryBound(to: sockaddr.self), length) }
    }

    static func fcntl(_ fd: CInt, _ command: CInt, _ argument: CInt) -> Result<CInt, Errno> {
        retrying { Glibc.fcntl(fd, command, argument) }
    }

    /// Gives `fd` `O_NONBLOCK` (one `F_SETFL` only when it lacks it) and returns its flags
    /// from before, for a caller that restores them.
    static func setNonblocking(_ fd: CInt) -> Result<CInt, Errno> {
        fcntl(fd, Native.F_GETFL, 0).flatMap { flags in
            if flags & Native.O_NONBLOCK != 0 { return .success(flags) }
            return fcntl(fd, Native.F_SETFL, flags | Native.O_NONBLOCK).map { _ in flags }
        }
    }

    static func ioctl(_ fd: CInt, _ request: CUnsignedLong, _ argument: UnsafeMutableRawPointer) -> Result<CInt, Errno> {
        retrying { Glibc.ioctl(fd, request, argument) }
    }

    static func poll(_ fds: UnsafeMutableRawPointer, _ count: Int, _ timeout: CInt) -> Result<CInt, Errno> {
        // EINTR is not retried here: the caller recomputes the remaining time.
        let result = Glibc.poll(fds.assumingMemoryBound(to: pollfd.self), nfds_t(count), timeout)
        return result == -1 ? .failure(Errno(rawValue: errno)) : .success(result)
    }

    static func read(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    static func write(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) -> Result<Int, Errno> {
        retrying { Glibc.write(fd, buffer.baseAddress, buffer.count) }
    }

    static func pread(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, _ offset: Int64) -> Result<Int, Errno> {
        retrying { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    static func sendfile(_ out: CInt, _ input: CInt, _ offset: UnsafeMutablePointer<Int64>, _ count: Int) -> Result<Int, Errno> {
        retrying { csock_sendfile(out, input, offset, count) }
    }

    static func eventfd() -> Result<CInt, Errno> {
        retrying { csock_eventfd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK) }
    }

    static func epollCreate() -> Result<CInt, Errno> {
        retrying { csock_epoll_create1(Native.EPOLL_CLOEXEC) }
    }

    static func epollControl(_ epoll: CInt, _ operation: CInt, _ fd: CInt, _ event: UnsafeMutableRawPointer?) -> Result<CInt, Errno> {
        retrying { csock_epoll_ctl(epoll, operation, fd, event) }
    }

    static func epollWait(_ epoll: CInt, _ events: UnsafeMutableRawPointer, _ count: Int, _ timeout: CInt) -> Result<CInt, Errno> {
        retrying { csock_epoll_wait(epoll, events, CInt(count), timeout) }
    }

    static func setns(_ fd: CInt, _ type: CInt) -> Result<CInt, Errno> {
        retrying { csock_setns(fd, type) }
    }

    static func dup3(_ fd: CInt, _ target: CInt, _ flags: CInt) -> Result<CInt, Errno> {
        retrying { csock_dup3(fd, target, flags) }
    }

    static func dup(_ fd: CInt) -> Result<CInt, Errno> {
        retrying { Glibc.fcntl(fd, Native.F_DUPFD_CLOEXEC, 0) }
    }
}
