import SocketConstants
import SystemPackage

extension Socket {
    var defaultControlSize: Int { withLock { $0.otp.rcvctrlbuf } }

    /// The syscall side of `recvmsg`: one `recvmsg(2)` into a data buffer of `bufSize` bytes
    /// and a control buffer of `ctrlSize` bytes. On a local socket, the only kind that passes
    /// descriptors, `MSG_CMSG_CLOEXEC` is always set: received descriptors are close-on-exec,
    /// like every descriptor this library makes. (Other families may refuse the flag: packet
    /// sockets fail with `einval`.)
    func recvmsgAttempt(bufSize: Int, ctrlSize: Int, flags: MsgFlags, fd: CInt, count: inout Socket.Count) -> Step<MsgRecv> {
        let flags = count.mayBlock ? flags : flags.union(MsgFlags(rawValue: Native.MSG_DONTWAIT))
        let implicit: MsgFlags = domain == .local ? .cmsgCloexec : []
        var failure: Errno?
        var received = 0
        var address: SocketAddress?
        var control: [CmsgRecv] = []
        var messageFlags = MsgFlags()
        let data = [UInt8](unsafeUninitializedCapacity: bufSize) { buffer, initialized in
            initialized = 0
            withUnsafeTemporaryAllocation(byteCount: SocketAddress.storageSize, alignment: Layout.sockaddr_storage.alignment) { name in
                withUnsafeTemporaryAllocation(byteCount: max(ctrlSize, 1), alignment: Layout.cmsghdr.alignment) { ctrl in
                    withUnsafeTemporaryAllocation(byteCount: Layout.iovec.size, alignment: Layout.iovec.alignment) { iov in
                        MessageHeader.storeIOV(iov, slot: 0, base: buffer.baseAddress.map(UnsafeRawPointer.init), length: bufSize)
                        MessageHeader.with(name: UnsafeRawPointer(name.baseAddress!), nameLength: name.count,
                                           iov: UnsafeRawPointer(iov.baseAddress!), iovCount: 1,
                                           control: ctrlSize > 0 ? UnsafeRawPointer(ctrl.baseAddress!) : nil, controlLength: ctrlSize) { header in
                            switch Syscall.recvmsg(fd, header.baseAddress!, flags.union(implicit).rawValue) {
                            case .failure(let errno):
                                failure = errno
                            case .success(let n):
                                received = n
                                initialized = min(n, bufSize)
                                let m = Layout.msghdr.self
                                let view = UnsafeRawBufferPointer(header)
                                let nameLength = Int(view.loadUnsigned(at: m.msg_namelen.offset, size: m.msg_namelen.size))
                                if nameLength > 0 {
                                    address = SocketAddress(native: UnsafeRawBufferPointer(rebasing: name[0..<min(nameLength, name.count)]))
                                }
                                let controlLength = Int(clamping: view.loadUnsigned(at: m.msg_controllen.offset, size: m.msg_controllen.size))
                                control = ControlBuffer.decode(UnsafeRawBufferPointer(rebasing: ctrl[0..<min(controlLength, ctrlSize)]), adopting: true)
                                messageFlags = MsgFlags(rawValue: CInt(truncatingIfNeeded: view.loadSigned(at: m.msg_flags.offset, size: m.msg_flags.size)))
                            }
                        }
                    }
                }
            }
        }
        if let failure {
            return Step(failure: failure)
        }
        // A stream's end of file; a read from the error queue may carry no data at all.
        if received == 0 && isStream && bufSize > 0 && !flags.contains(.errqueue) && control.isEmpty {
            return .failed(.closed)
        }
        // The kernel echoes MSG_CMSG_CLOEXEC in msg_flags: report it only when asked for.
        if !flags.contains(.cmsgCloexec) { messageFlags.subtract(implicit) }
        count.transferred(data.count)
        return .done(MsgRecv(addr: address, iov: [data], ctrl: control, flags: messageFlags, length: received))
    }

    func recvmsgSizes(_ bufSize: Int, _ ctrlSize: Int) throws(SocketError) -> (Int, Int) {
        guard bufSize >= 0 else { throw .invalid("buffer size \(bufSize)") }
        guard ctrlSize >= 0 else { throw .invalid("control buffer size \(ctrlSize)") }
        return (bufSize > 0 ? bufSize : defaultReadSize, ctrlSize > 0 ? ctrlSize : defaultControlSize)
    }

    /// Erlang `recvmsg/1..5` with timeout `infinity` (`nil`) or a time-out (`.zero` polls
    /// once): one message, its source, control messages and flags.
    ///
    /// `bufSize` 0 uses `{otp, rcvbuf}` and `ctrlSize` 0 `{otp, rcvctrlbuf}`. A longer
    /// datagram is cut to the buffer and reported with `trunc` in ``MsgRecv/flags``; control
    /// messages that do not fit are cut and reported with `ctrunc`. With the `errqueue` flag it
    /// reads the error queue (for example ICMP errors after `{ip, recverr}`), which has no
    /// readiness of its own: `.zero` polls it. The peer closing a stream throws `closed`.
    public func recvmsg(bufSize: Int = 0, ctrlSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) throws(SocketError) -> MsgRecv {
        let (size, ctrl) = try recvmsgSizes(bufSize, ctrlSize)
        var count = Socket.Count()
        return try perform(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvmsgAttempt(bufSize: size, ctrlSize: ctrl, flags: flags, fd: fd, count: &count)
        }.get()
    }

    /// Erlang `recvmsg/2..5` with `nowait` or a select handle: `.completed` with the message,
    /// or `.selected` when none is there yet; a `select` message then tells the caller to
    /// call again.
    public func recvmsg(bufSize: Int = 0, ctrlSize: Int = 0, flags: MsgFlags = [], select mode: SelectMode) throws(SocketError) -> Completion<MsgRecv> {
        let (size, ctrl) = try recvmsgSizes(bufSize, ctrlSize)
        var count = Socket.Count()
        switch performSelect(.read, .recvmsg, mode: mode, &count, { fd, count in
            recvmsgAttempt(bufSize: size, ctrlSize: ctrl, flags: flags, fd: fd, count: &count)
        }) {
        case .done(let message): return .completed(message)
        case .selected(let info): return .selected(info)
        case .failed(let error): throw error
        }
    }

    /// `recvmsg` for async code.
    public func recvmsg(bufSize: Int = 0, ctrlSize: Int = 0, flags: MsgFlags = [], timeout: Duration? = nil) async throws(SocketError) -> MsgRecv {
        let (size, ctrl) = try recvmsgSizes(bufSize, ctrlSize)
        var count = Socket.Count()
        return try await performAsync(.read, deadline: timeout.map(Deadline.after), &count) { fd, count in
            recvmsgAttempt(bufSize: size, ctrlSize: ctrl, flags: flags, fd: fd, count: &count)
        }.get()
    }
}
