import Foundation
@testable import OTPSocket
import Synchronization
import Testing

/// `Socket.executor`: a task that prefers it runs on the reactor's thread, before and after
/// its socket calls wait, and no job enqueued on it is lost, from whichever thread it comes.
@Suite struct ReactorExecutorTests {
    @Test func aTaskThatPrefersTheExecutorRunsAndIsResumedOnTheLoopsThread() async throws {
        let (listener, client, server) = try tcpPair()
        let seen = Locked<(before: Bool?, data: [UInt8]?, after: Bool?)>((nil, nil, nil))
        // Awaited through `seen`, not the task's value: a task the loop never ran would hang
        // the test instead of failing it.
        Task(executorPreference: Socket.executor) {
            seen.withLock { $0.before = Reactor.shared.isCurrentThread }
            let data = try await server.recv(1)
            seen.withLock { $0.data = data; $0.after = Reactor.shared.isCurrentThread }
        }
        #expect(await eventually { users(server).readers == 1 }, "the recv is waiting")
        try await client.send([9])
        #expect(await eventually { seen.withLock { $0.after != nil } }, "the recv returned")
        let (before, data, after) = seen.withLock { $0 }
        #expect(before == true, "started on the loop's thread")
        #expect(data == [9])
        #expect(after == true, "resumed on the loop's thread")
        #expect(!Reactor.shared.isCurrentThread, "the test itself is not on the loop")
        withExtendedLifetime(listener) {}
    }

    /// Jobs enqueued from other threads go through a locked queue and a flag the loop reads
    /// before it takes the lock: four threads enqueueing at once, while the loop runs the
    /// jobs, must not leave one behind (it would never run: the count would stop short).
    @Test func jobsEnqueuedFromManyThreadsAtOnceAllRun() async throws {
        let threads = 4, perThread = 500
        let ran = Count(), onLoop = Count()
        let start = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            Thread {
                start.wait()
                for _ in 0..<perThread {
                    Task(executorPreference: Socket.executor) {
                        if Reactor.shared.isCurrentThread { onLoop.add() }
                        ran.add()
                    }
                }
            }.start()
        }
        for _ in 0..<threads { start.signal() }
        #expect(await eventually(10) { ran.value == threads * perThread }, "\(ran.value) of \(threads * perThread) jobs ran")
        #expect(onLoop.value == threads * perThread, "every job ran on the loop's thread")
    }
}

private final class Count: Sendable {
    private let atomic = Atomic<Int>(0)
    func add() { atomic.add(1, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}
