import Support
import ModelGraph

/// Constants, generated tensors and sizes: values known when the file is read.
extension OpRule {
    static let constant = OpRule { lowering, context throws(InputError) in
        let name = try context.output(0)
        guard let attribute = context.node.attribute.first else { throw context.fail("has no value attribute") }
        let value: FoldedValue
        let dtype: DType
        switch attribute.name {
        case "value":
            dtype = try ElementType.dtype(attribute.t.dataType, place: context.place, source: context.source)
            var shape: [Int] = []
            for dim in attribute.t.dims {
                guard dim >= 0, dim <= Int64(Int32.max) else { throw context.fail("has dimension \(dim); dimensions must be between 0 and 2^31") }
                shape.append(Int(dim))
            }
            if shape.contains(0) {
                try lowering.define(name, Entry(id: nil, shape: shape, dtype: dtype, value: .ints([], shape: shape)), context)
                return
            }
            guard let folded = ElementType.foldedValue(of: attribute.t, shape: shape, dtype: dtype) else {
                // A large constant (a weight stored as a node): keep it as a constant tensor.
                let id = try lowering.builder.constant(name, shape: shape, dtype: dtype)
                try lowering.define(name, Entry(id: id, shape: shape, dtype: dtype, value: nil), context)
                return
            }
            value = folded
        case "value_int": (value, dtype) = (.scalar(Int(attribute.i)), .int64)
        case "value_ints": (value, dtype) = (.ints(attribute.ints.map { Int($0) }, shape: [attribute.ints.count]), .int64)
        case "value_float": (value, dtype) = (.floats([Double(attribute.f)], shape: []), .fp32)
        case "value_floats": (value, dtype) = (.floats(attribute.floats.map { Double($0) }, shape: [attribute.floats.count]), .fp32)
        default:
            throw context.fail("has value attribute '\(attribute.name)', which is not supported")
        }
        try lowering.define(name, Entry(id: nil, shape: value.shape, dtype: dtype, value: value), context)
    }

    static let constantOfShape = OpRule { lowering, context throws(InputError) in
        let dims = try lowering.knownInts(0, context, what: "shape")
        guard dims.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else {
            throw context.fail("shape \(dims) has a dimension outside 0…2^31")
        }
        var dtype = DType.fp32
        var fill = FoldedValue.floats([0], shape: [])
        if let attribute = context.attribute("value") {
            dtype = try ElementType.dtype(attribute.t.dataType, place: context.place, source: context.source)
            fill = ElementType.foldedValue(of: attribute.t, shape: [1], dtype: dtype) ?? fill
        }
        let value = fill.reshaped([]).broadcast(to: dims)
        try lowering.emit(.constantOfShape, context, inputs: [try context.input(0)], shape: dims, dtype: dtype, value: value)
    }

    static let range = OpRule { lowering, context throws(InputError) in
        let names = [try context.input(0), try context.input(1), try context.input(2)]
        var values: [Double] = []
        var dtype = DType.int64
        for name in names {
            let e = try lowering.entry(name, context)
            guard let v = e.value?.doubles.first else {
                throw context.fail("takes '\(name)', which depends on the model's inputs; this tool needs ranges known when the file is read")
            }
            dtype = e.dtype
            values.append(v)
        }
        guard values[2] != 0 else { throw context.fail("has delta 0") }
        let length = max(0, Int(((values[1] - values[0]) / values[2]).rounded(.up)))
        guard length <= Int(Int32.max) else { throw context.fail("produces \(length) elements; ranges must have at most 2^31 elements") }
        var value: FoldedValue?
        if length <= FoldedValue.maximumElements {
            value =
                dtype.isFloatingPoint
                ? .floats((0..<length).map { values[0] + Double($0) * values[2] }, shape: [length])
                : .ints((0..<length).map { Int(values[0]) + $0 * Int(values[2]) }, shape: [length])
        }
        try lowering.emit(.range, context, inputs: names, shape: [length], dtype: dtype, value: value)
    }

    /// EyeLike(x): ones on the diagonal (shifted by `k`), of x's shape.
    static let eyeLike = OpRule { lowering, context throws(InputError) in
        let x = try lowering.input(0, context)
        guard x.shape.count == 2 else { throw context.fail("needs a 2-D input, got \(x.shape)") }
        let k = context.int("k") ?? 0
        var dtype = x.dtype
        if let to = context.int("dtype") { dtype = try ElementType.dtype(Int32(truncatingIfNeeded: to), place: context.place, source: context.source) }
        let columns = x.shape[1]
        let total = x.shape[0] * columns
        let value: FoldedValue? =
            total <= FoldedValue.maximumElements
            ? .ints((0..<total).map { $0 % columns - $0 / columns == k ? 1 : 0 }, shape: x.shape) : nil
        try lowering.emit(.constantOfShape, context, inputs: [try context.input(0)], shape: x.shape, dtype: dtype, value: value)
    }

    /// Shape(x), with the `start`/`end` slice of opset 15.
    static let shape = OpRule { lowering, context throws(InputError) in
        let input = try lowering.input(0, context)
        var dims = input.shape
        let rank = dims.count
        if let start = context.int("start") ?? (context.int("end") != nil ? 0 : nil) {
            let end = context.int("end") ?? rank
            let s = max(0, min(rank, start < 0 ? start + rank : start)), e = max(0, min(rank, end < 0 ? end + rank : end))
            dims = s < e ? Array(dims[s..<e]) : []
        }
        try lowering.emit(.shape, context, inputs: [try context.input(0)], shape: [dims.count], dtype: .int64, value: .ints(dims, shape: [dims.count]))
    }

    static let size = OpRule { lowering, context throws(InputError) in
        let input = try lowering.input(0, context)
        guard let count = checkedElementCount(input.shape) else { throw context.fail("counts more elements than 64 bits hold") }
        try lowering.emit(.shape, context, inputs: [try context.input(0)], shape: [], dtype: .int64, value: .scalar(count))
    }

    /// Identity, and Dropout at inference: the output is the input (its mask output, when read,
    /// is all true).
    static let identity = OpRule { lowering, context throws(InputError) in
        let input = try lowering.input(0, context)
        try lowering.define(try context.output(0), input, context)
        if context.node.opType == "Dropout", context.node.output.count > 1, !context.node.output[1].isEmpty {
            let mask = input.shape.contains(0) ? nil : FoldedValue.scalar(1).broadcast(to: input.shape)
            try lowering.emit(.constantOfShape, context, inputs: [], shape: input.shape, dtype: .bool, value: mask, output: 1)
        }
    }
}
