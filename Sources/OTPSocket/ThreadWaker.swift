import SystemPackage
import SocketConstants
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One eventfd per thread that ever waits in a blocking call: the thread polls it next to the
/// socket, so that `close`, a promotion in a waiter queue or a `cancel` from another thread
/// wakes it. Per thread rather than per socket: thousands of idle sockets cost no descriptors.
final class ThreadWaker: @unchecked Sendable {
    let fd: CInt

    private init(fd: CInt) { self.fd = fd }
    deinit { Syscall.close(fd) }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<ThreadWaker>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// This thread's waker, if it has one: no syscall.
    static var existing: ThreadWaker? {
        guard let pointer = pthread_getspecific(key) else { return nil }
        return Unmanaged<ThreadWaker>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// This thread's waker, made on first use.
    static func current() throws(SocketError) -> ThreadWaker {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<ThreadWaker>.fromOpaque(pointer).takeUnretainedValue()
        }
        let waker = ThreadWaker(fd: try Syscall.eventfd().socketResult())
        pthread_setspecific(key, Unmanaged.passRetained(waker).toOpaque())
        return waker
    }

    func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Syscall.write(fd, $0) }
    }

    /// Consumes pending wake-ups.
    func drain() {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { Syscall.read(fd, $0) }
    }

    enum Outcome { case ready, woken, timedOut }

    /// Waits until `socket` reports one of `events` (`POLLIN`, `POLLOUT`), this waker is woken,
    /// or the deadline passes.
    func wait(socket: CInt, events: CInt, deadline: Deadline?) -> Outcome {
        let size = Layout.pollfd.size
        return withUnsafeTemporaryAllocation(byteCount: size * 2, alignment: Layout.pollfd.alignment) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let fdField = Layout.pollfd.fd, eventsField = Layout.pollfd.events, revents = Layout.pollfd.revents
            _ = raw.storeSigned(Int64(socket), at: fdField.offset, size: fdField.size)
            _ = raw.storeSigned(Int64(events), at: eventsField.offset, size: eventsField.size)
            _ = raw.storeSigned(Int64(fd), at: size + fdField.offset, size: fdField.size)
            _ = raw.storeSigned(Int64(Native.POLLIN), at: size + eventsField.offset, size: eventsField.size)
            while true {
                let timeout = deadline?.pollMilliseconds ?? -1
                switch Syscall.poll(raw.baseAddress!, 2, timeout) {
                case .failure(.interrupted):
                    continue
                case .failure:
                    return .woken
                case .success(0):
                    if deadline?.remaining == nil { return .timedOut }
                    continue
                case .success:
                    let view = UnsafeRawBufferPointer(raw)
                    if view.loadSigned(at: size + revents.offset, size: revents.size) != 0 {
                        drain()
                        return .woken
                    }
                    return .ready
                }
            }
        }
    }
}
