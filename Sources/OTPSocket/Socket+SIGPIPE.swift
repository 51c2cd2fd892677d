import SocketConstants
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// Runs `body` (the `sendfile(2)` calls of one attempt) with `SIGPIPE` blocked in this
    /// thread, and takes back the `SIGPIPE` it raised when it ends with `epipe`.
    ///
    /// sendfile(2) has no `MSG_NOSIGNAL`: on a stream whose peer is gone (or that never
    /// connected, or was shut down for writing) the kernel sends `SIGPIPE` to the calling
    /// thread, and its default action ends the process. Like every send here, sendfile fails
    /// with `epipe` instead. (The Erlang VM ignores `SIGPIPE` altogether; a library must not
    /// change the process's dispositions.)
    ///
    /// - The mask is set once before `body` and restored once after it: two
    ///   `pthread_sigmask` calls for all the chunks `body` sends, not two per chunk. `body`
    ///   must not suspend: the mask belongs to the thread, and an async task may resume on
    ///   another one (so an async `sendfile` blocks it again in each attempt after a wait).
    /// - The kernel raises `SIGPIPE` with the `EPIPE` it returns, so `body` ends there. With
    ///   `SIGPIPE` blocked the signal stays pending in this thread; a zero-time
    ///   `sigtimedwait` takes it before the mask comes back (only then: no syscall on
    ///   success). A `SIGPIPE` the caller had blocked already stays the caller's, pending.
    /// - The constants are the generated ones (`Spec/constants-signals.tbl`): `SIG_BLOCK` and
    ///   `SIG_SETMASK` differ between platforms (mips).
    static func withoutSIGPIPE<T>(_ body: () -> Step<T>) -> Step<T> {
        var pipe = sigset_t(), previous = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, Native.SIGPIPE)
        pthread_sigmask(Native.SIG_BLOCK, &pipe, &previous)
        let step = body()
        if case .failed(let error) = step, error.reason == .errno(.brokenPipe), sigismember(&previous, Native.SIGPIPE) == 0 {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipe, nil, &now)
        }
        pthread_sigmask(Native.SIG_SETMASK, &previous, nil)
        return step
    }
}
