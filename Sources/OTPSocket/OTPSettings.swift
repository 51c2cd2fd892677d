/// The options of Erlang's `otp` level: how this library, above the OS, handles a socket.
struct OTPSettings: Sendable {
    /// `{otp, rcvbuf}`: bytes a `recv`/`recvfrom`/`recvmsg` with length 0 reads at most
    /// (OTP's default 8 KiB).
    var rcvbuf = 8192
    /// `{otp, rcvctrlbuf}`: control-message buffer for `recvmsg` (OTP's default).
    var rcvctrlbuf = 1024
    /// `{otp, sndctrlbuf}`: control-message buffer for `sendmsg`.
    var sndctrlbuf = 1024
    /// `{otp, debug}`.
    var debug = false
    /// `{otp, iow}`: whether to warn on an inherited wrong-type socket (kept, no effect).
    var iow = false
    /// `{otp, meta}`: any value the caller wants to keep with the socket.
    var meta: (any Sendable)?
}
