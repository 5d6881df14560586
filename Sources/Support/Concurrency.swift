import Foundation

extension Array where Element: Sendable {
    /// `map` with the elements transformed concurrently on all cores; results keep their order,
    /// so the output is the same as a serial map's.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let results = OrderedResults<T>(count: count)
        let input = self
        DispatchQueue.concurrentPerform(iterations: count) { index in
            results.set(index, transform(input[index]))
        }
        return results.values()
    }
}

/// Slots written once each from concurrent iterations, read after all of them finished.
private final class OrderedResults<T: Sendable>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func values() -> [T] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}

/// Runs two independent jobs side by side and returns both results (or the first error, in
/// argument order), e.g. parsing templates while the model is built and evaluated.
///
/// The first job runs on the calling thread and the second on a thread of its own. Not
/// `concurrentPerform`: libdispatch divides the width of an apply nested inside another among
/// the outer iterations, so a `concurrentMap` inside either job would run serially on 2 cores.
/// Not a global queue either: a sweep's runs, themselves iterations of a `concurrentMap`, each
/// block waiting for their second job, and with every pool thread waiting, the queued jobs sat
/// until libdispatch's monitor added a thread about a second later.
public func concurrently<A: Sendable, B: Sendable>(
    _ first: @Sendable () throws -> A,
    _ second: @escaping @Sendable () throws -> B
) throws -> (A, B) {
    let job = BackgroundJob(second)
    let a = Result { try first() }
    let b = Result { try job.result() }
    return (try a.get(), try b.get())
}

/// A job started on a thread of its own (see `concurrently` for why not a dispatch queue);
/// `result()` waits for it, and any number of callers may ask.
public final class BackgroundJob<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the job's thread before `done` is signalled, read only after waiting on it.
    private var outcome: Result<T, any Error>?

    public init(_ work: @escaping @Sendable () throws -> T) {
        let thread = Thread {
            self.outcome = Result { try work() }
            self.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    public func result() throws -> T {
        done.wait()
        // Let the next caller through too.
        done.signal()
        return try outcome!.get()
    }
}

/// One value handed from one thread to another: `take()` waits until `put(_:)` has been called.
public final class Handoff<Value: Sendable>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    // Written once before `ready` is signalled, read only after waiting on it.
    private var value: Value?

    public init() {}

    public func put(_ value: Value) {
        self.value = value
        ready.signal()
    }

    public func take() -> Value {
        ready.wait()
        return value!
    }
}
