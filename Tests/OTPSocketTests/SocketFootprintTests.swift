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

/// A class of known layout: the object header (16 bytes), then 8 and 1.
private final class Probe {
    var word: UInt64 = 0
    var byte: UInt8 = 0
}

/// The instance size the runtime allocates for `type`: a Swift class's metadata records it
/// 24 bytes in on 64-bit Linux (kind, superclass, flags and instance address point first;
/// no Objective-C fields).
private func instanceSize(of type: AnyClass) -> Int {
    Int(unsafeBitCast(type, to: UnsafeRawPointer.self).load(fromByteOffset: 24, as: UInt32.self))
}

/// What an idle socket weighs: thousands of them are held by a server (W7 measures it).
@Suite struct SocketFootprintTests {
    @Test(.enabled(if: realMutex, "ThreadSanitizer builds use a wider stand-in for Mutex"))
    func aSocketIsOneAllocationOfAtMost72Bytes() throws {
        // What the runtime asks malloc for is the class's instance size, which its metadata
        // records. (malloc_usable_size of a live socket depends on the heap's history: glibc
        // hands out a larger free chunk whole when what would be left is too small to keep.)
        // The probe checks that the size is read from the right place.
        #expect(instanceSize(of: Probe.self) == 16 + 8 + 1)
        let size = instanceSize(of: Socket.self)
        #expect(size <= 72, "a socket is \(size) bytes: above 72, malloc gives it 96 instead of 80")
        // And one allocation: a socket fresh from the allocator is no larger than that.
        let (_, client, _) = try tcpPair()
        #expect(mallocUsableSize(Unmanaged.passUnretained(client).toOpaque()) >= size)
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
