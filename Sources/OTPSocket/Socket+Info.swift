import SocketConstants

extension Socket {
    /// Erlang `info/0`: the library's counters (the sockets open now, by domain, type and
    /// protocol), `iov_max`, and the global settings.
    ///
    /// Unlike OTP, unix sockets count as `local` (OTP counts them as `inet6`), and there is no
    /// `iow` flag: a counter that wraps around is reported in its socket's
    /// ``SocketCounters/wrapped`` instead.
    public static func info() -> LibraryInfo {
        let registry = SocketRegistry.shared
        return registry.state.withLock { state in
            var counters = LibraryCounters()
            state.forEach { socket in
                counters.sockets += 1
                counters.byDomain[socket.domain, default: 0] += 1
                counters.byType[socket.type, default: 0] += 1
                counters.byProtocol[socket.protocol, default: 0] += 1
            }
            return LibraryInfo(counters: counters, iovMax: Int(Native.IOV_MAX), useRegistry: state.useRegistry,
                               debug: state.debug, socketDebug: state.socketDebug)
        }
    }

    /// Erlang `debug/1`: the library's debug flag, reported by ``info()``. This library
    /// prints no debug output of its own; the flag is kept for callers that do.
    public static func debug(_ enabled: Bool) {
        SocketRegistry.shared.state.withLock { $0.debug = enabled }
    }

    /// Erlang `socket_debug/1`: whether sockets opened from now on start with `{otp, debug}`
    /// set.
    public static func socketDebug(_ enabled: Bool) {
        SocketRegistry.shared.state.withLock { $0.socketDebug = enabled }
    }

    /// Erlang `info/1`: the socket's domain, type, protocol, creation, counters, users per
    /// direction, readiness and states, as they are now.
    ///
    /// The counters count exactly what their names say: `read_waits` (which OTP never
    /// increments) counts the times a read had to wait for readiness, and a counter that wraps
    /// around is named in ``SocketCounters/wrapped``. `readable` and `writable` (documented by
    /// OTP but absent from its map) poll the descriptor without waiting. There is no `owner`
    /// (see ``SocketInfo``).
    public func info() -> SocketInfo {
        struct Snapshot {
            var counters: SocketCounters
            var readers = 0, writers = 0, acceptors = 0
            var rstates: [SocketState] = []
            var wstates: [SocketState] = []
            var fd: CInt?
        }
        let snapshot: Snapshot = withLock { state in
            var snapshot = Snapshot(counters: state.counters)
            snapshot.readers = state.users(.read)
            snapshot.writers = state.users(.write)
            snapshot.acceptors = state.users(.accept)
            if state.closed {
                let done: SocketState = state.released ? .closed : .closing
                snapshot.rstates = [done]
                snapshot.wstates = [done]
                return snapshot
            }
            snapshot.fd = descriptor
            func selected(_ direction: Direction) -> Bool { state[owner: direction].waiter?.handleID != nil }
            if state.bound { snapshot.rstates.append(.bound) }
            if state.listening { snapshot.rstates.append(.listening) }
            if state.users(.accept) > 0 { snapshot.rstates.append(.accepting) }
            if selected(.read) || selected(.accept) { snapshot.rstates.append(.selected) }
            if state.users(.connect) > 0 { snapshot.wstates.append(.connecting) }
            if state.connected { snapshot.wstates.append(.connected) }
            if selected(.write) || selected(.connect) { snapshot.wstates.append(.selected) }
            return snapshot
        }
        var readable = false, writable = false
        if snapshot.fd != nil {
            let events = (try? withDescriptor { (fd) throws(SocketError) in Socket.pollNow(fd) }) ?? 0
            readable = events & Int16(truncatingIfNeeded: Native.POLLIN | Native.POLLHUP | Native.POLLERR) != 0
            writable = events & Int16(truncatingIfNeeded: Native.POLLOUT | Native.POLLERR) != 0
        }
        return SocketInfo(
            id: id, domain: domain, type: type, protocol: self.protocol, ctype: creation, counters: snapshot.counters,
            numReaders: snapshot.readers, numWriters: snapshot.writers, numAcceptors: snapshot.acceptors,
            readable: readable, writable: writable, rstates: snapshot.rstates, wstates: snapshot.wstates,
            useRegistry: SocketRegistry.shared.isRegistered(self) ?? false, fd: snapshot.fd)
    }

    /// The events `fd` polls now (`revents` of one `pollfd`, timeout 0).
    static func pollNow(_ fd: CInt) -> Int16 {
        withUnsafeTemporaryAllocation(byteCount: Layout.pollfd.size, alignment: Layout.pollfd.alignment) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let events = UInt64(UInt32(bitPattern: Native.POLLIN | Native.POLLOUT))
            _ = raw.storeSigned(Int64(fd), at: Layout.pollfd.fd.offset, size: Layout.pollfd.fd.size)
            _ = raw.storeUnsigned(events, at: Layout.pollfd.events.offset, size: Layout.pollfd.events.size)
            guard case .success(let ready) = Syscall.poll(raw.baseAddress!, 1, 0), ready > 0 else { return 0 }
            let revents = UnsafeRawBufferPointer(raw).loadUnsigned(at: Layout.pollfd.revents.offset, size: Layout.pollfd.revents.size)
            return Int16(truncatingIfNeeded: revents)
        }
    }
}
