import ModelGraph

/// A tensor value known at import time: shape arithmetic, index ranges, masks built from sizes,
/// small constants. Integers and booleans are held as Int, floating-point values as Double.
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

    /// True when the values fill the shape; a corrupt file must not turn into an out-of-range read.
    var isComplete: Bool { storageCount == count }

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
    static func floats(_ values: [Double], shape: [Int]) -> FoldedValue { FoldedValue(shape: shape, storage: .floats(values)) }
    static func scalar(_ value: Int) -> FoldedValue { .ints([value], shape: []) }

    /// The same values under another shape of as many elements (a view).
    func reshaped(_ newShape: [Int]) -> FoldedValue { FoldedValue(shape: newShape, storage: storage) }

    /// A value of `newShape` whose element `i` is this value's element `source(i)`: the one
    /// primitive behind gathers, slices, transposes, tiles and broadcasts. Nil when the result
    /// is too large or an index falls outside the values.
    func picking(shape newShape: [Int], _ source: (Int) -> Int?) -> FoldedValue? {
        guard isComplete, let total = checkedElementCount(newShape), total <= Self.maximumElements else { return nil }
        switch storage {
        case .ints(let values):
            var out: [Int] = []
            out.reserveCapacity(total)
            for i in 0..<total {
                guard let j = source(i), j >= 0, j < values.count else { return nil }
                out.append(values[j])
            }
            return .ints(out, shape: newShape)
        case .floats(let values):
            var out: [Double] = []
            out.reserveCapacity(total)
            for i in 0..<total {
                guard let j = source(i), j >= 0, j < values.count else { return nil }
                out.append(values[j])
            }
            return .floats(out, shape: newShape)
        }
    }

    /// Each element mapped on its own; nil when the op is undefined for one of them.
    func mapped(ints intOp: ((Int) -> Int?)?, floats floatOp: ((Double) -> Double)?) -> FoldedValue? {
        guard isComplete else { return nil }
        if case .ints(let values) = storage, let intOp {
            var out: [Int] = []
            out.reserveCapacity(values.count)
            for value in values {
                guard let mapped = intOp(value) else { return nil }
                out.append(mapped)
            }
            return .ints(out, shape: shape)
        }
        guard let floatOp else { return nil }
        return .floats(doubles.map(floatOp), shape: shape)
    }

    /// Element-wise combination with numpy broadcasting; nil when the result would be too large
    /// or an operation is undefined (division by zero).
    static func broadcast(
        _ a: FoldedValue, _ b: FoldedValue, shape: [Int],
        ints: ((Int, Int) -> Int?)?, floats: ((Double, Double) -> Double)?
    ) -> FoldedValue? {
        guard let count = checkedElementCount(shape), count <= maximumElements, a.isComplete, b.isComplete else { return nil }
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
        return .floats((0..<count).map { op(av[ia($0)], bv[ib($0)]) }, shape: shape)
    }

    /// Strides of a row-major tensor of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// The coordinates of flat index `flat` in a tensor of `shape`.
    static func coordinates(_ flat: Int, _ shape: [Int]) -> [Int] {
        var rest = flat
        var out = [Int](repeating: 0, count: shape.count)
        for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            out[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return out
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
        let targetStrides = strides(target)
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

    /// This value broadcast to `target`.
    func broadcast(to target: [Int]) -> FoldedValue? {
        let index = Self.indexer(from: shape, to: target)
        return picking(shape: target) { index($0) }
    }
}
