import SocketConstants

/// The options of Erlang's `otp` level: how this library, above the OS, handles a socket.
/// Read and written under the socket's lock (``Socket/State``).
struct OTPSettings: Sendable {
    /// OTP's default `{otp, rcvbuf}`, `{otp, rcvctrlbuf}` and `{otp, sndctrlbuf}`.
    static let defaultRcvbuf = 8192
    static let defaultCtrlbuf = 1024

    /// Bytes a `recv`/`recvfrom`/`recvmsg` with length 0 reads at most: the size of
    /// ``rcvbufSetting``, times its count on a stream socket.
    var rcvbuf = OTPSettings.defaultRcvbuf
    /// `{otp, rcvbuf}` as it was set, for `getopt`.
    var rcvbufSetting = OTPRcvbuf.size(OTPSettings.defaultRcvbuf)
    /// `{otp, rcvctrlbuf}`: control-message buffer for `recvmsg`.
    var rcvctrlbuf = OTPSettings.defaultCtrlbuf
    /// `{otp, sndctrlbuf}`: control-message buffer for `sendmsg`.
    var sndctrlbuf = OTPSettings.defaultCtrlbuf
    /// `{otp, debug}`.
    var debug = false
    /// `{otp, iow}`: OTP's "inform on wrap" of counters (kept, no effect: counters are 64-bit).
    var iow = false
    /// `{otp, meta}`: any value the caller wants to keep with the socket.
    var meta: (any Sendable)?
}
