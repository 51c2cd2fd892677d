extension Socket {
    /// Erlang `monitor/1`: when the socket closes, one `.down(ref, socket, .closed)` message
    /// goes to `mailbox`; at once when it is already closed. Each call starts an independent
    /// monitor with its own ``MonitorRef``.
    ///
    /// The socket closes by ``close()`` or when its last reference is released (Erlang: when
    /// its owner dies); a monitor does not keep it alive. After a release, the message carries
    /// a closed stand-in equal (`==`) to the released socket. Unlike OTP, monitoring does not
    /// list the socket in the registry.
    @discardableResult
    public func monitor(_ mailbox: Mailbox) -> MonitorRef {
        SocketRegistry.shared.monitor(self, mailbox)
    }

    /// Erlang `cancel_monitor/1`: turns the monitor off. Returns true when it was active, false
    /// when it was already cancelled or had fired (its DOWN message, if sent, stays in the
    /// mailbox). Any caller may cancel any monitor: there is no owner process to check.
    @discardableResult
    public static func cancelMonitor(_ ref: MonitorRef) -> Bool {
        SocketRegistry.shared.cancelMonitor(ref)
    }

    /// The active monitors of this socket (Erlang `which_monitors/1`).
    public var monitors: [MonitorRef] {
        SocketRegistry.shared.monitors(of: id)
    }
}
