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
public func concurrently<A: Sendable, B: Sendable>(_ first: @Sendable () throws -> A,
                                                   _ second: @Sendable () throws -> B) throws -> (A, B) {
    let a = OrderedResults<Result<A, any Error>>(count: 1)
    let b = OrderedResults<Result<B, any Error>>(count: 1)
    DispatchQueue.concurrentPerform(iterations: 2) { index in
        if index == 0 { a.set(0, Result { try first() }) } else { b.set(0, Result { try second() }) }
    }
    return (try a.values()[0].get(), try b.values()[0].get())
}
