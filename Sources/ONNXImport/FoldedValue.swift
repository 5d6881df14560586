import ModelGraph

/// A tensor value known at import time: shape arithmetic, index ranges, small constants.
/// Integers and booleans are held as Int, floating-point values as Double.
struct FoldedValue: Sendable, Equatable {
    enum Storage: Sendable, Equatable {
        case ints([Int])
        case floats([Double])
    }

    var shape: [Int]
    var storage: Storage

    /// Largest value kept: anything bigger is a real tensor, not shape arithmetic.
    static let maximumElements = 65_536

    var count: Int { checkedElementCount(shape) ?? Int.max }

    var storageCount: Int {
        switch storage {
        case .ints(let values): values.count
        case .floats(let values): values.count
        }
    }

    var ints: [Int]? {
        switch storage {
        case .ints(let values): values
        case .floats(let values): values.allSatisfy { $0.isFinite && $0 == $0.rounded() && abs($0) < 9e15 } ? values.map { Int($0) } : nil
        }
    }

    var doubles: [Double] {
        switch storage {
        case .ints(let values): values.map(Double.init)
        case .floats(let values): values
        }
    }

    var isFloat: Bool { if case .floats = storage { true } else { false } }

    static func ints(_ values: [Int], shape: [Int]) -> FoldedValue { FoldedValue(shape: shape, storage: .ints(values)) }
    static func scalar(_ value: Int) -> FoldedValue { .ints([value], shape: []) }

    /// Element-wise combination with numpy broadcasting; nil when the result would be too large
    /// or an operation is undefined (division by zero).
    static func broadcast(_ a: FoldedValue, _ b: FoldedValue, shape: [Int],
                          ints: ((Int, Int) -> Int?)?, floats: ((Double, Double) -> Double)?) -> FoldedValue? {
        guard let count = checkedElementCount(shape), count <= maximumElements else { return nil }
        // Values must fill their shapes; a corrupt file must not turn into an out-of-range read.
        guard a.storageCount == a.count, b.storageCount == b.count, count > 0 || (a.count == 0 || b.count == 0) else { return nil }
        let ia = indexer(from: a.shape, to: shape), ib = indexer(from: b.shape, to: shape)
        if !a.isFloat && !b.isFloat, let op = ints, let av = a.ints, let bv = b.ints {
            var out: [Int] = []
            out.reserveCapacity(count)
            for i in 0..<count {
                guard let value = op(av[ia(i)], bv[ib(i)]) else { return nil }
                out.append(value)
            }
            return .ints(out, shape: shape)
        }
        guard let op = floats else { return nil }
        let av = a.doubles, bv = b.doubles
        return FoldedValue(shape: shape, storage: .floats((0..<count).map { op(av[ia($0)], bv[ib($0)]) }))
    }

    /// Maps a flat index of `target` to the flat index of a tensor of `source` shape broadcast into it.
    static func indexer(from source: [Int], to target: [Int]) -> (Int) -> Int {
        let offset = target.count - source.count
        var sourceStrides = [Int](repeating: 0, count: target.count)
        var step = 1
        for axis in Swift.stride(from: source.count - 1, through: 0, by: -1) {
            sourceStrides[axis + offset] = source[axis] == 1 ? 0 : step
            step *= source[axis]
        }
        var targetStrides = [Int](repeating: 1, count: target.count)
        var t = 1
        for axis in Swift.stride(from: target.count - 1, through: 0, by: -1) {
            targetStrides[axis] = t
            t *= target[axis]
        }
        return { flat in
            var rest = flat, index = 0
            for axis in 0..<target.count {
                let coordinate = rest / targetStrides[axis]
                rest %= targetStrides[axis]
                index += coordinate * sourceStrides[axis]
            }
            return index
        }
    }
}
