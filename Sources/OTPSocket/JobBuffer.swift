/// The reactor's jobs, in the order they came: a growable buffer of `UnownedJob`s (which are
/// trivial, a pointer each) that is run front to back and then emptied. No uniqueness check
/// per job, as a deque's `removeFirst` and an array's `removeAll(keepingCapacity:)` make.
/// Lives as long as the reactor: its memory is never freed. Sendable: the jobs are, and a
/// buffer moves between threads only through the reactor's lock (the other threads' queue).
struct JobBuffer: @unchecked Sendable {
    private var base: UnsafeMutablePointer<UnownedJob>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    mutating func append(_ job: UnownedJob) {
        if count == capacity { grow() }
        (base + count).initialize(to: job)
        count += 1
    }

    @inline(never)
    private mutating func grow() {
        let grown = UnsafeMutablePointer<UnownedJob>.allocate(capacity: capacity * 2)
        grown.moveInitialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity *= 2
    }

    /// Runs every job in order on `executor`, then empties the buffer.
    mutating func runAll(on executor: UnownedTaskExecutor) {
        for i in 0..<count { base[i].runSynchronously(on: executor) }
        count = 0
    }
}
