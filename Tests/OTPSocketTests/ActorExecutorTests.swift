import Foundation
@testable import OTPSocket
import SocketConstants
import Testing

/// A serial executor that runs its jobs on one thread of its own, as an event loop does.
private final class OwnThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let jobs = Locked<[UnownedJob]>([])
    private let pending = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    /// The executor's thread, known before `init` returns.
    private let thread = Locked<pthread_t?>(nil)

    init() {
        let loop = Thread { [self] in
            thread.withLock { $0 = pthread_self() }
            started.signal()
            while true {
                pending.wait()
                let batch = jobs.withLock { jobs in
                    defer { jobs.removeAll() }
                    return jobs
                }
                for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
            }
        }
        loop.start()
        started.wait()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        pending.signal()
    }

    var isCurrent: Bool { thread.withLock { $0.map { pthread_equal(pthread_self(), $0) != 0 } ?? false } }
}

/// Where a parked task's continuation was installed, the continuation, and whether the
/// wait's cancellation handler ran.
private final class Parked: Sendable {
    let state = Locked<(onActorsThread: Bool?, continuation: UnsafeContinuation<Int, Never>?)>((nil, nil))
    let cancelled = Locked(false)
}

/// An actor on that executor.
private actor EventLoopActor {
    let executor = OwnThreadExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Waits the way the core's operations wait.
    func park(_ parked: Parked) async -> (Int, resumedOnActor: Bool) {
        let executor = executor
        let value = await suspendTask { (continuation: UnsafeContinuation<Int, Never>) in
            parked.state.withLock { $0 = (executor.isCurrent, continuation) }
        } onCancel: {
            parked.cancelled.withLock { $0 = true }
            parked.state.withLock { $0.continuation?.resume(returning: -1); $0.continuation = nil }
        }
        return (value, executor.isCurrent)
    }

    func read(_ socket: Socket) async throws -> ([UInt8], onActor: Bool) {
        let data = try await socket.recv(1, timeout: nil)
        return (data, executor.isCurrent)
    }
}

/// A wait of a caller on an actor parks on the actor's executor: an actor whose executor is
/// an event loop's thread does not hop to the global executor's threads to wait (the
/// standard library's cancellation-handler closure would take it there).
@Suite struct ActorExecutorTests {
    @Test func anActorsWaitParksOnTheActorsOwnThread() async throws {
        let actor = EventLoopActor()
        let parked = Parked()
        let waiting = Task { await actor.park(parked) }
        #expect(await eventually { parked.state.withLock { $0.continuation != nil } })
        #expect(parked.state.withLock { $0.onActorsThread } == true, "installed on the actor's thread")
        parked.state.withLock { $0.continuation?.resume(returning: 7); $0.continuation = nil }
        let (value, resumedOnActor) = await waiting.value
        #expect(value == 7)
        #expect(resumedOnActor)
        #expect(!parked.cancelled.withLock { $0 })
    }

    @Test func cancellingAnActorsWaitRunsItsHandler() async throws {
        let actor = EventLoopActor()
        let parked = Parked()
        let waiting = Task { await actor.park(parked) }
        #expect(await eventually { parked.state.withLock { $0.continuation != nil } })
        waiting.cancel()
        #expect(await waiting.value.0 == -1)
        #expect(parked.cancelled.withLock { $0 })
    }

    /// End to end: an actor on its own executor reads a socket that has to wait.
    @Test func anActorOnItsOwnExecutorReadsASocketThatWaits() async throws {
        let (listener, client, server) = try tcpPair()
        let actor = EventLoopActor()
        let reading = Task { try await actor.read(server) }
        #expect(await eventually { users(server).readers == 1 }, "the actor's recv is waiting")
        try await client.send([7])
        let (data, onActor) = try await reading.value
        #expect(data == [7])
        #expect(onActor)
        withExtendedLifetime(listener) {}
    }
}
