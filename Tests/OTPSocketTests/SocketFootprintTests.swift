@testable import OTPSocket
import SocketConstants
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// glibc's `malloc_usable_size`, which the Glibc module does not export: the bytes malloc
/// reserved for one allocation.
private let mallocUsableSize: @convention(c) (UnsafeMutableRawPointer) -> Int = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else {
        fatalError("no malloc_usable_size in this C library")
    }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutableRawPointer) -> Int).self)
}()

#if OTP_SOCKET_TSAN_MUTEX
/// ThreadSanitizer builds lock with a pthread stand-in (`ThreadSanitizerMutex.swift`), whose
/// reference is wider than the futex word of the real `Mutex`.
private let realMutex = false
#else
private let realMutex = true
#endif

/// What an idle socket weighs: thousands of them are held by a server (W7 measures it).
@Suite struct SocketFootprintTests {
    @Test(.enabled(if: realMutex, "ThreadSanitizer builds use a wider stand-in for Mutex"))
    func aSocketIsOneAllocationOfAtMost72Bytes() throws {
        // malloc may hand out a larger free chunk whole (when what would be left of it is
        // too small to keep), so its cache of 80-byte chunks is filled first: the socket's
        // allocation then comes from it if the socket fits.
        func fillMallocCache() {
            let blocks = (0..<16).map { _ in malloc(72)! }
            blocks.forEach { free($0) }
        }
        let listener = try Socket.open(.inet, .stream)
        try listener.bind(.inet(.loopback, port: 0))
        try listener.listen()
        fillMallocCache()
        let client = try Socket.open(.inet, .stream)
        try client.connect(to: listener.sockname())
        fillMallocCache()
        let server = try listener.accept(timeout: .seconds(5))
        for socket in [client, server] {
            let bytes = mallocUsableSize(Unmanaged.passUnretained(socket).toOpaque())
            #expect(bytes <= 72, "a socket takes \(bytes) bytes of malloc (80 with malloc's header at 72)")
        }
    }

    @Test func anIdleConnectedPairAllocatesNoRareState() throws {
        let (listener, client, server) = try tcpPair()
        #expect(client.withLock { $0.rare == nil })
        #expect(server.withLock { $0.rare == nil })
        // The listener counted the accept: counters live in the rare state.
        #expect(listener.withLock { $0.rare != nil })
    }

    @Test func aTransferAllocatesTheRareStateOnceForTheCounters() throws {
        let (_, client, server) = try tcpPair()
        try client.send([1, 2, 3])
        #expect(try server.recv(3) == [1, 2, 3])
        let first = try #require(client.withLock { $0.rare })
        try client.send([4])
        _ = try server.recv(1)
        #expect(client.withLock { $0.rare } === first)
        #expect(counters(client).writeByte == 4)
        #expect(counters(server).readByte == 4)
    }

    @Test func aBlockingCallThatWaitsLeavesNoWaiterBehind() throws {
        let (_, client, server) = try tcpPair()
        #expect(throws: SocketError.timeout) { try server.recv(1, timeout: .milliseconds(20)) }
        try client.send([9])
        #expect(try server.recv(1) == [9])
        server.withLock { state in
            #expect(state.isIdle(.read))
            #expect(state.rare?.readWaiter == nil)
        }
    }
}
