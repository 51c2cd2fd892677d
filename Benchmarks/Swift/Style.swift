import OTPSocket

/// The three ways the library can be driven, each a whole program style.
enum Style: String, CaseIterable {
    /// Blocking calls with timeout `infinity`, threads for concurrency.
    case blocking
    /// `nowait` calls; waiting is a receive on the caller's mailbox.
    case nowait
    /// async/await; waiting suspends a task.
    case async
}

/// Blocking helpers that go through the nowait API: call, and when it selects, wait for
/// the select message and call again, as an Erlang process would.
struct NowaitConnection {
    let socket: Socket
    let mailbox = Mailbox()

    func send(_ data: [UInt8]) throws {
        try data.withUnsafeBytes { try send($0) }
    }

    func send(_ bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while true {
            switch try socket.send(UnsafeRawBufferPointer(rebasing: bytes[sent...]), select: .nowait(mailbox)) {
            case .completed: return
            case .selected: break
            case .partial(_, let n): sent += n
            }
            _ = mailbox.receive()
        }
    }

    /// Receives until the first `count` bytes of `buffer` are filled, or with `count` nil
    /// once, what is there; returns the bytes received.
    func recv(_ count: Int?, into buffer: Buffer) throws -> Int {
        let wanted = count ?? buffer.bytes.count
        var got = 0
        while true {
            switch try socket.recv(into: buffer[got..<wanted], select: .nowait(mailbox)) {
            case .completed(let n):
                got += n
                if count == nil || got == wanted { return got }
            case .selected, .partial:
                _ = mailbox.receive()
            }
        }
    }
}

/// Runs `body` as a task on the library's event loop (``Socket/executor``) and blocks the
/// calling thread until it ends; a thrown error fails the run, named by `what`.
func onEventLoop(_ what: String, _ body: @escaping @Sendable () async throws -> Void) {
    let done = Semaphore()
    Task(executorPreference: Socket.executor) {
        do { try await body() } catch { fail("\(what): \(error)") }
        done.signal()
    }
    done.wait()
}
