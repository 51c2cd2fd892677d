#if OTP_SOCKET_TSAN_MUTEX
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Only in ThreadSanitizer builds (`.ci/sanitizers.sh` passes `-D OTP_SOCKET_TSAN_MUTEX`): a
/// stand-in for `Synchronization.Mutex` built on `pthread_mutex_t`, with the same `withLock`.
///
/// On Linux the standard library's `Mutex` locks with atomics and futexes inside the
/// uninstrumented `libswiftSynchronization`, so ThreadSanitizer sees no ordering between two
/// `withLock` bodies and reports every access to guarded state as a race (four threads
/// appending to a `Mutex<[Int]>` are enough). It does see `pthread_mutex_lock`. This module's
/// own `Mutex` shadows the imported one wherever the core writes `Mutex`, so the sanitizer
/// checks the core's real locking; production builds never compile this file.
final class Mutex<Value: ~Copyable>: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ initialValue: consuming sending Value) {
        value = initialValue
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }

    func withLockIfAvailable<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result? {
        guard pthread_mutex_trylock(lock) == 0 else { return nil }
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }
}

extension Mutex where Value == Void {
    /// A lock that guards no value of its own (a socket's lock guards the socket's fields):
    /// the body gets a local `()`. An `inout` access to the stored zero-sized `value` is
    /// not ordered by the pthread mutex in ThreadSanitizer's view (the compiler is free to
    /// place the access marker of a value with no bytes outside the critical section), and
    /// was reported as a race between every two `withLock` bodies.
    func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        var unit: Void = ()
        return try body(&unit)
    }
}
#endif
