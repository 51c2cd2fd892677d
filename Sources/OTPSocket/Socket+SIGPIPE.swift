import SocketConstants
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Socket {
    /// Runs `body` (a sendfile(2)) with `SIGPIPE` blocked in this thread, and takes back the
    /// `SIGPIPE` it raised with `epipe`. sendfile(2) has no `MSG_NOSIGNAL`: on a stream whose
    /// peer is gone (or that never connected) the kernel signals the thread, and the default
    /// action ends the process. Like every send here, it fails with `epipe` instead. (The
    /// Erlang VM ignores `SIGPIPE` altogether; a library must not change the process's
    /// dispositions.) A `SIGPIPE` the caller had blocked already stays the caller's.
    ///
    /// The constants are the generated ones (`Spec/constants-signals.tbl`): `SIG_BLOCK` and
    /// `SIG_SETMASK` differ between platforms (mips).
    static func withoutSIGPIPE(_ body: () -> Result<Int, Errno>) -> Result<Int, Errno> {
        var pipe = sigset_t(), previous = sigset_t()
        sigemptyset(&pipe)
        sigaddset(&pipe, Native.SIGPIPE)
        pthread_sigmask(Native.SIG_BLOCK, &pipe, &previous)
        let result = body()
        if case .failure(.brokenPipe) = result, sigismember(&previous, Native.SIGPIPE) == 0 {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipe, nil, &now)
        }
        pthread_sigmask(Native.SIG_SETMASK, &previous, nil)
        return result
    }
}
