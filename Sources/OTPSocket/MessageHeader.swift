import SocketConstants

/// Builds C `struct msghdr` and `struct iovec` arrays from the probed layouts, for the
/// `sendmsg`/`recvmsg` syscalls. Nothing here knows a C offset: `Layout.msghdr` and
/// `Layout.iovec` do.
enum MessageHeader {
    /// Stores a pointer (or null) into a pointer-sized field.
    static func storePointer(_ pointer: UnsafeRawPointer?, _ raw: UnsafeMutableRawBufferPointer, at offset: Int, _ field: FieldLayout) {
        _ = raw.storeUnsigned(UInt64(UInt(bitPattern: pointer)), at: offset + field.offset, size: field.size)
    }

    /// Stores one `struct iovec` at index `slot` of a table.
    static func storeIOV(_ table: UnsafeMutableRawBufferPointer, slot: Int, base: UnsafeRawPointer?, length: Int) {
        let offset = slot * Layout.iovec.size
        storePointer(base, table, at: offset, Layout.iovec.iov_base)
        _ = table.storeUnsigned(UInt64(length), at: offset + Layout.iovec.iov_len.offset, size: Layout.iovec.iov_len.size)
    }

    /// Calls `body` with a zeroed `struct msghdr` that points at the given name, I/O vector and
    /// control buffer (`msg_flags` 0).
    static func with<R>(name: UnsafeRawPointer?, nameLength: Int, iov: UnsafeRawPointer?, iovCount: Int,
                        control: UnsafeRawPointer?, controlLength: Int,
                        _ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: Layout.msghdr.size, alignment: Layout.msghdr.alignment) { raw in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            let m = Layout.msghdr.self
            storePointer(name, raw, at: 0, m.msg_name)
            _ = raw.storeUnsigned(UInt64(nameLength), at: m.msg_namelen.offset, size: m.msg_namelen.size)
            storePointer(iov, raw, at: 0, m.msg_iov)
            _ = raw.storeUnsigned(UInt64(iovCount), at: m.msg_iovlen.offset, size: m.msg_iovlen.size)
            storePointer(control, raw, at: 0, m.msg_control)
            _ = raw.storeUnsigned(UInt64(controlLength), at: m.msg_controllen.offset, size: m.msg_controllen.size)
            return body(raw)
        }
    }

    /// Pins `count` elements of `iov` from `start` (the first one from byte `skip`) and calls
    /// `body` with a `struct iovec` table pointing into them: the caller's arrays go to the
    /// kernel in place. An array's bytes are only valid inside its `withUnsafeBytes`, so the
    /// pins nest, one level per element; `count` is at most `IOV_MAX`, which bounds the
    /// nesting (about 100 bytes of stack per element in an optimized build, some 800 in a
    /// debug build).
    static func withPinned<R>(_ iov: [[UInt8]], from start: Int, skipping skip: Int, count: Int,
                              _ body: (UnsafeRawPointer, Int) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: max(count, 1) * Layout.iovec.size, alignment: Layout.iovec.alignment) { table in
            var result: R?
            pin(iov, start, start + count, skip, table, 0) { result = body(UnsafeRawPointer(table.baseAddress!), count) }
            return result!
        }
    }

    private static func pin(_ iov: [[UInt8]], _ index: Int, _ end: Int, _ skip: Int,
                            _ table: UnsafeMutableRawBufferPointer, _ slot: Int, _ body: () -> Void) {
        guard index < end else { return body() }
        iov[index].withUnsafeBytes { bytes in
            let first = slot == 0 ? min(skip, bytes.count) : 0
            storeIOV(table, slot: slot, base: bytes.baseAddress.map { $0 + first }, length: bytes.count - first)
            pin(iov, index + 1, end, skip, table, slot + 1, body)
        }
    }
}
