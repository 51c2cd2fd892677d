import SocketConstants
import SystemPackage
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one epoll loop that serves `nowait` and `async` operations: each descriptor is
/// registered once, edge-triggered, when its first such operation has to wait, and every
/// readiness edge is handed to its socket. Blocking calls never come here.
///
/// It is also a `TaskExecutor`: a task that prefers it runs on the loop's thread, so a
/// readiness edge resumes it in the same thread, with no hop to another one.
///
/// Events carry a token, never a descriptor number (``ReactorRegistrations``): `close` takes
/// the token out of the table (and the descriptor out of epoll) before the descriptor is
/// closed. An event already read for a socket that closes meanwhile finds the socket closed,
/// or its token gone, and is dropped; it can never reach a new socket that got the same number.
final class Reactor: TaskExecutor, @unchecked Sendable {
    static let shared = Reactor()

    let epoll: CInt
    /// Written to wake the loop when a job is enqueued from another thread.
    private let wakeup: CInt
    /// The registered sockets by token, unretained: a socket takes itself out (in `close`,
    /// which its deinit runs) before its memory goes, and one whose deinit has begun does
    /// not load.
    private let sockets = Mutex(ReactorRegistrations())
    /// Jobs enqueued from other threads.
    private let jobs = Mutex(JobBuffer())
    /// Set after each job enqueued from another thread: the loop takes ``jobs``' lock only
    /// when it is set, not twice per turn of the loop.
    private let jobsPending = Atomic<Bool>(false)
    /// Jobs enqueued by the loop's own thread (a readiness edge resuming a task, a task
    /// resuming another): only that thread touches it, so it takes no lock.
    @exclusivity(unchecked) private var localJobs = JobBuffer()
    /// Written once, by `init`: unchecked, as a `var` would cost an exclusivity check on
    /// each `enqueue`.
    @exclusivity(unchecked) private var thread = pthread_t()
    private static let wakeupToken: UInt64 = 0

    private init() {
        switch (Syscall.epollCreate(), Syscall.eventfd()) {
        case (.success(let fd), .success(let event)):
            epoll = fd
            wakeup = event
        default:
            fatalError("epoll_create1 or eventfd failed; the reactor cannot run")
        }
        _ = control(Native.EPOLL_CTL_ADD, wakeup, token: Reactor.wakeupToken, events: UInt64(Native.EPOLLIN))
        let box = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let reactor = Unmanaged<Reactor>.fromOpaque(context!).takeRetainedValue()
            reactor.run()
            return nil
        }, box)
        precondition(status == 0, "cannot start the reactor thread: \(status)")
        pthread_detach(thread)
    }

    var isCurrentThread: Bool { pthread_equal(pthread_self(), thread) != 0 }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        if isCurrentThread {
            localJobs.append(unowned)
            return
        }
        jobs.withLock { $0.append(unowned) }
        jobsPending.store(true, ordering: .releasing)
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Syscall.write(wakeup, $0) }
    }

    /// What a socket's waits need epoll to report. A descriptor is watched for what its waits
    /// have needed so far: reading only, until a writer (or a connect) waits. A socket that
    /// only ever waits to read then gets no event each time the kernel frees a datagram it
    /// sent (UDP and unix sockets report writable space on every one).
    struct Interest: OptionSet, Sendable {
        var rawValue: UInt8
        init(rawValue: UInt8) { self.rawValue = rawValue }
        static let readable = Interest(rawValue: 1 << 0)
        static let writable = Interest(rawValue: 1 << 1)

        /// What a wait in `direction` needs: a reader readability; a writer or a connect
        /// writability, and readability too, as the reads that usually follow would add it.
        init(waitingIn direction: Direction) {
            self = direction == .read || direction == .accept ? .readable : [.readable, .writable]
        }

        var events: UInt64 {
            var events = Native.EPOLLRDHUP | Native.EPOLLET
            if contains(.readable) { events |= Native.EPOLLIN }
            if contains(.writable) { events |= Native.EPOLLOUT }
            return UInt64(events)
        }
    }

    /// Serializes adding descriptors to epoll and widening what they are watched for, so
    /// that a socket's reader and writer that wait for the first time at once do not both
    /// add it. Taken once or twice in a socket's life, never on the way of an event.
    let watching = Mutex(())

    private func control(_ operation: CInt, _ fd: CInt, token: UInt64, events: UInt64) -> Result<CInt, Errno> {
        withUnsafeTemporaryAllocation(byteCount: Layout.epoll_event.size, alignment: 8) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            _ = raw.storeUnsigned(events, at: Layout.epoll_event.events.offset, size: Layout.epoll_event.events.size)
            _ = raw.storeUnsigned(token, at: Layout.epoll_event.data.offset, size: Layout.epoll_event.data.size)
            return Syscall.epollControl(epoll, operation, fd, raw.baseAddress)
        }
    }

    /// Starts watching `socket`'s descriptor for `interest`; returns the token that
    /// identifies it, or `nil` when the descriptor is watched already (by a caller that did
    /// not hold ``watching``): its token already hands every edge to this socket.
    func register(_ socket: Socket, fd: CInt, for interest: Interest) -> Result<UInt64?, SocketError> {
        let reference = UnretainedReference(socket)
        let token = sockets.withLock { $0.insert(reference) }
        let result = control(Native.EPOLL_CTL_ADD, fd, token: token, events: interest.events)
        if case .failure(let errno) = result {
            sockets.withLock { $0.remove(token) }
            // Only this socket can have registered this descriptor: `close` takes it out of
            // epoll before close(2), and a duplicate is another descriptor.
            if errno == .fileExists { return .success(nil) }
            return .failure(.errno(errno))
        }
        return .success(token)
    }

    /// Watches a registered descriptor for `interest` from now on. Epoll reports at once
    /// what is ready already, so a wait that widened it misses no edge.
    func widen(fd: CInt, token: UInt64, to interest: Interest) -> Result<Void, SocketError> {
        control(Native.EPOLL_CTL_MOD, fd, token: token, events: interest.events).map { _ in () }.mapError { .errno($0) }
    }

    /// Stops watching a descriptor (before it is closed).
    func deregister(token: UInt64, fd: CInt) {
        _ = Syscall.epollControl(epoll, Native.EPOLL_CTL_DEL, fd, nil)
        sockets.withLock { $0.remove(token) }
    }

    private func run() {
        let capacity = 256
        let size = Layout.epoll_event.size
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size * capacity, alignment: 8)
        let readable = UInt64(Native.EPOLLIN | Native.EPOLLERR | Native.EPOLLHUP | Native.EPOLLRDHUP)
        let writable = UInt64(Native.EPOLLOUT | Native.EPOLLERR | Native.EPOLLHUP)
        let executor = asUnownedTaskExecutor()
        // Jobs are taken a batch at a time: the other threads' with one lock round trip per
        // batch, the loop's own with none. Each queue trades places with its batch, so none
        // allocates once grown.
        var batch = JobBuffer()
        var localBatch = JobBuffer()
        // The sockets of one epoll_wait's events, looked up under one lock round trip.
        let readied = UnsafeMutablePointer<(socket: Socket, events: UInt64)>.allocate(capacity: capacity)
        while true {
            // Run what is ready (jobs that readiness below resumes come back here), until
            // nothing is, then wait: a job enqueued from another thread meanwhile wrote the
            // eventfd, and epoll_wait returns at once.
            while true {
                // A job enqueued after the exchange sets the flag again (and writes the
                // eventfd), so it is taken on the next turn or wakes the epoll_wait below.
                if jobsPending.load(ordering: .relaxed), jobsPending.exchange(false, ordering: .acquiringAndReleasing) {
                    jobs.withLock { swap(&$0, &batch) }
                    batch.runAll(on: executor)
                }
                if localJobs.isEmpty { break }
                swap(&localJobs, &localBatch)
                localBatch.runAll(on: executor)
            }
            guard case .success(let count) = Syscall.epollWait(epoll, buffer.baseAddress!, capacity, -1) else { continue }
            let view = UnsafeRawBufferPointer(buffer)
            let found = sockets.withLock { sockets in
                var found = 0
                for i in 0..<Int(count) {
                    let base = i * size
                    let events = view.loadUnsigned(at: base + Layout.epoll_event.events.offset, size: Layout.epoll_event.events.size)
                    let token = view.loadUnsigned(at: base + Layout.epoll_event.data.offset, size: Layout.epoll_event.data.size)
                    if token == Reactor.wakeupToken {
                        var value: UInt64 = 0
                        _ = withUnsafeMutableBytes(of: &value) { Syscall.read(wakeup, $0) }
                    } else if let socket = sockets[token]?.load() {
                        (readied + found).initialize(to: (socket, events))
                        found += 1
                    }
                }
                return found
            }
            for i in 0..<found {
                let (socket, events) = (readied + i).move()
                socket.ready(readable: events & readable != 0, writable: events & writable != 0)
            }
        }
    }
}
