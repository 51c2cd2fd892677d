/// Suspends the current task until the continuation that `install` is given is resumed,
/// with `handler` run if the task is cancelled meanwhile: the core's one way to wait.
///
/// `withTaskCancellationHandler`'s operation closure is `@concurrent`: it starts with a hop
/// to the generic executor. For a caller that is not isolated that is where it runs anyway
/// (and a task that prefers ``Socket/executor`` stays on the reactor's thread), but a caller
/// on an actor would leave the actor for it: an actor with an executor of its own (an event
/// loop's thread) would have its wait parked from one of the global executor's threads. So
/// an actor's wait goes through ``suspendTask(on:_:onCancel:)``, whose closure captures its
/// `isolated` parameter and so parks on that actor. (Swift resumes a continuation on the
/// generic executor, from where the task returns to the actor: that hop remains.)
@inline(__always)
func suspendTask<T: Sendable>(_ install: @Sendable (UnsafeContinuation<T, Never>) -> Void,
                              onCancel handler: @Sendable () -> Void) async -> T {
    let caller: (any Actor)? = #isolation
    if let caller {
        return await suspendTask(on: caller, install, onCancel: handler)
    }
    return await _unsafeInheritExecutor_withTaskCancellationHandler(operation: {
        await withUnsafeContinuation { install($0) }
    }, onCancel: handler)
}

/// ``suspendTask(_:onCancel:)`` for a caller on `actor`.
private func suspendTask<T: Sendable>(on actor: isolated any Actor, _ install: @Sendable (UnsafeContinuation<T, Never>) -> Void,
                                      onCancel handler: @Sendable () -> Void) async -> T {
    await withTaskCancellationHandler(operation: {
        _ = actor  // captured: the closure is isolated to the actor, not `@concurrent`
        return await withUnsafeContinuation(isolation: actor) { install($0) }
    }, onCancel: handler)
}
