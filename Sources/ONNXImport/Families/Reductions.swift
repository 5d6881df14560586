import Support
import Foundation
import ModelGraph

/// How a reduction combines values when they are known at import time.
enum Reduction: Sendable {
    case sum, mean, max, min, product, sumOfSquares, sumOfMagnitudes
    /// Not folded: the result always waits for the model's inputs (L2 norms, log-sum-exp).
    case none

    func combine(_ values: [Double]) -> Double? {
        switch self {
        case .sum: values.reduce(0, +)
        case .mean: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
        case .max: values.max()
        case .min: values.min()
        case .product: values.reduce(1, *)
        case .sumOfSquares: values.reduce(0) { $0 + $1 * $1 }
        case .sumOfMagnitudes: values.reduce(0) { $0 + Swift.abs($1) }
        case .none: nil
        }
    }
}

/// Reductions over axes, scans, arg-max/min, top-k and softmax.
extension OpRule {
    /// Reduce*(data, axes?): axes as an attribute (ReduceSum before opset 13, the others before
    /// 18) or as input 1; `keepdims` keeps reduced axes as size 1.
    static func reduction(_ kind: OpKind, _ reduction: Reduction) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let name = try context.input(0)
            let data = try lowering.entry(name, context)
            let rank = data.shape.count
            let keep = (context.int("keepdims") ?? 1) != 0
            let given = try ShapeArithmetic.axes(context, input: 1, lowering: lowering, rank: rank)
            if given?.isEmpty ?? true, (context.int("noop_with_empty_axes") ?? 0) != 0 {
                try lowering.emitView(context, data: data, shape: data.shape)
                return
            }
            let axes = Set(given.flatMap { $0.isEmpty ? nil : $0 } ?? Array(0..<rank))
            var shape: [Int] = []
            for (axis, size) in data.shape.enumerated() {
                if axes.contains(axis) { if keep { shape.append(1) } } else { shape.append(size) }
            }
            var value: FoldedValue?
            if let v = data.value, v.isComplete, reduction != .none {
                value = Self.reduce(v, axes: axes, keep: keep, shape: shape, reduction)
            }
            try lowering.emit(kind, context, inputs: [name], shape: shape, dtype: data.dtype, value: value)
        }
    }

    static func reduce(_ v: FoldedValue, axes: Set<Int>, keep: Bool, shape: [Int], _ reduction: Reduction) -> FoldedValue? {
        guard let total = checkedElementCount(shape), total <= FoldedValue.maximumElements else { return nil }
        var groups = [[Double]](repeating: [], count: total)
        let values = v.doubles
        let kept = v.shape.indices.filter { !axes.contains($0) }
        let keptShape = kept.map { v.shape[$0] }
        let keptStrides = FoldedValue.strides(keptShape)
        for flat in values.indices {
            let coordinates = FoldedValue.coordinates(flat, v.shape)
            let target = kept.enumerated().reduce(0) { $0 + coordinates[$1.element] * keptStrides[$1.offset] }
            groups[target].append(values[flat])
        }
        var out: [Double] = []
        for group in groups {
            guard let combined = reduction.combine(group) else { return nil }
            out.append(combined)
        }
        if !v.isFloat, reduction != .mean, out.allSatisfy({ $0 == $0.rounded() && Swift.abs($0) < 9e15 }) {
            return .ints(out.map { Int($0) }, shape: shape)
        }
        return .floats(out, shape: shape)
    }

    /// ArgMax, ArgMin: int64 positions along `axis`.
    static func argument(_ kind: OpKind) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let name = try context.input(0)
            let data = try lowering.entry(name, context)
            let axis = try context.axis(context.int("axis") ?? 0, rank: data.shape.count)
            var shape = data.shape
            if (context.int("keepdims") ?? 1) != 0 { shape[axis] = 1 } else { shape.remove(at: axis) }
            try lowering.emit(kind, context, inputs: [name], shape: shape, dtype: .int64, attributes: ["axis": .int(axis)])
        }
    }

    /// TopK(x, k): values and int64 indices, with `axis` cut to k.
    static let topK = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        let axis = try context.axis(context.int("axis") ?? -1, rank: data.shape.count)
        let k = context.hasInput(1) ? (try lowering.knownInts(1, context, what: "k").first ?? 0) : (context.int("k") ?? 0)
        guard k >= 0, k <= data.shape[axis] else { throw context.fail("k = \(k) is outside 0…\(data.shape[axis])") }
        var shape = data.shape
        shape[axis] = k
        try lowering.emit(.topK, context, inputs: [name], shape: shape, dtype: data.dtype)
        if context.node.output.count > 1, !context.node.output[1].isEmpty {
            try lowering.emit(.topK, context, inputs: [name], shape: shape, dtype: .int64, output: 1)
        }
    }

    /// CumSum(x, axis): running sums along the axis (RoBERTa's position ids).
    static let cumSum = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        let axis = try context.axis(try lowering.knownInts(1, context, what: "axis").first ?? 0, rank: data.shape.count)
        let exclusive = (context.int("exclusive") ?? 0) != 0, reverse = (context.int("reverse") ?? 0) != 0
        var value: FoldedValue?
        if let v = data.value, v.isComplete, let ints = v.ints, !v.isFloat {
            let strides = FoldedValue.strides(data.shape)
            let length = data.shape[axis], step = strides[axis]
            var out = ints
            for flat in ints.indices where FoldedValue.coordinates(flat, data.shape)[axis] == 0 {
                var running = 0
                let order = reverse ? Array((0..<length).reversed()) : Array(0..<length)
                for position in order {
                    let index = flat + position * step
                    if exclusive { out[index] = running; running &+= ints[index] } else { running &+= ints[index]; out[index] = running }
                }
            }
            value = .ints(out, shape: data.shape)
        }
        try lowering.emit(.cumSum, context, inputs: [name], shape: data.shape, dtype: data.dtype, value: value, attributes: ["axis": .int(axis)])
    }

    static func softmax(_ kind: OpKind) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let name = try context.input(0)
            let data = try lowering.entry(name, context)
            // Before opset 13 the default axis was 1 (with the input flattened around it).
            let axis = try context.axis(context.int("axis") ?? (context.opset < 13 ? 1 : -1), rank: data.shape.count)
            try lowering.emit(kind, context, inputs: [name], shape: data.shape, dtype: data.dtype, attributes: ["axis": .int(axis)])
        }
    }
}
