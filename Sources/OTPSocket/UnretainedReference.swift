#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The runtime's `swift_tryRetain` (a C function, `HeapObject *(HeapObject *)`): a strong
/// retain that fails (returns null) once the object's deinit has begun, which is what
/// loading a `weak` reference does. Looked up once by name; the symbol may not be
/// referenced directly from Swift.
private typealias TryRetain = @convention(c) (UnsafeMutableRawPointer) -> UnsafeMutableRawPointer?

private let swiftTryRetain: TryRetain = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "swift_tryRetain") else {
        fatalError("the Swift runtime has no swift_tryRetain")
    }
    return unsafeBitCast(symbol, to: TryRetain.self)
}()

/// A reference that neither keeps its object alive nor gives it a side table, as `weak`
/// does (a side table puts every retain and release of the object on the runtime's slow
/// path). ``load()`` is safe only while the object's memory is known to be valid: the
/// holder must drop the reference, under the lock that ``load()`` runs under, in the
/// object's `deinit`, before that memory is freed.
struct UnretainedReference<Object: AnyObject>: @unchecked Sendable {
    private let pointer: UnsafeMutableRawPointer

    init(_ object: Object) {
        pointer = Unmanaged.passUnretained(object).toOpaque()
    }

    /// Runs `body` on the object without retaining it: only where its memory is known to be
    /// valid (under the holder's lock), even while its `deinit` runs.
    func withObject<R>(_ body: (Object) -> R) -> R {
        Unmanaged<Object>.fromOpaque(pointer)._withUnsafeGuaranteedRef(body)
    }

    /// The object, or `nil` when its last reference is gone (its `deinit` has begun).
    func load() -> Object? {
        guard swiftTryRetain(pointer) != nil else { return nil }
        return Unmanaged<Object>.fromOpaque(pointer).takeRetainedValue()
    }
}
