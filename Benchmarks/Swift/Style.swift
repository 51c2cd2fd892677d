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
        var rest = data
        while true {
            switch try socket.send(rest, select: .nowait(mailbox)) {
            case .completed: return
            case .selected: break
            case .partial(_, let remaining): rest = remaining
            }
            _ = mailbox.receive()
        }
    }

    func recv(_ length: Int) throws -> [UInt8] {
        var data: [UInt8] = []
        while true {
            switch try socket.recv(length - data.count, select: .nowait(mailbox)) {
            case .completed(let chunk):
                data += chunk
                if data.count == length || length == 0 { return data }
            case .selected: break
            case .partial(_, let chunk): data += chunk
            }
            _ = mailbox.receive()
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
