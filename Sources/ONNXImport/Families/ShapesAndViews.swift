import Support
import ModelGraph

/// Ops that rearrange, join, cut or repeat a tensor without arithmetic. Views (Reshape and its
/// kin) become IR reshapes, which move no bytes; the others move data.
extension OpRule {
    static let reshape = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        let target = context.hasInput(1) ? try lowering.knownInts(1, context, what: "target shape") : (context.ints("shape") ?? [])
        let shape = try ShapeArithmetic.reshaped(data.shape, to: target, allowZero: (context.int("allowzero") ?? 0) != 0, context)
        try lowering.emitView(context, data: data, shape: shape)
    }

    static let flatten = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        let axis = try context.axis(context.int("axis") ?? 1, rank: data.shape.count + 1)
        guard let rows = checkedElementCount(data.shape[..<axis]), let columns = checkedElementCount(data.shape[axis...]) else {
            throw context.fail("flattens a shape too large to count: \(data.shape)")
        }
        try lowering.emitView(context, data: data, shape: [rows, columns])
    }

    static let squeeze = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        var shape = data.shape
        if let axes = try ShapeArithmetic.axes(context, input: 1, lowering: lowering, rank: shape.count) {
            for axis in axes where shape[axis] != 1 {
                throw context.fail("squeezes axis \(axis) of size \(shape[axis]); only size-1 axes can be squeezed")
            }
            shape = shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        } else {
            shape = shape.filter { $0 != 1 }
        }
        try lowering.emitView(context, data: data, shape: shape)
    }

    static let unsqueeze = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        var raw = context.ints("axes")
        if raw == nil, context.hasInput(1) { raw = try lowering.knownInts(1, context, what: "axes") }
        guard let raw, !raw.isEmpty else { throw context.fail("has no axes") }
        let rank = data.shape.count + raw.count
        var normalized: [Int] = []
        for axis in raw { normalized.append(try context.axis(axis, rank: rank)) }
        guard Set(normalized).count == normalized.count else { throw context.fail("repeats an axis in \(raw)") }
        var shape = data.shape
        for axis in normalized.sorted() { shape.insert(1, at: axis) }
        try lowering.emitView(context, data: data, shape: shape)
    }

    static let transpose = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        let rank = data.shape.count
        let perm = context.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw context.fail("perm \(perm) is not a permutation of \(rank) axes")
        }
        let shape = perm.map { data.shape[$0] }
        let sourceStrides = FoldedValue.strides(data.shape)
        let value = data.value?.picking(shape: shape) { flat in
            let coordinates = FoldedValue.coordinates(flat, shape)
            return zip(perm, coordinates).reduce(0) { $0 + sourceStrides[$1.0] * $1.1 }
        }
        try lowering.emit(.transpose, context, inputs: [name], shape: shape, dtype: data.dtype, value: value, attributes: ["perm": .ints(perm)])
    }

    static let expand = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0), shapeName = try context.input(1)
        let data = try lowering.entry(name, context)
        let target = try lowering.knownInts(1, context, what: "shape")
        let shape = try ShapeArithmetic.broadcast(data.shape, target, context)
        try lowering.emit(.expand, context, inputs: [name, shapeName], shape: shape, dtype: data.dtype, value: data.value?.broadcast(to: shape))
    }

    static let concat = OpRule { lowering, context throws(InputError) in
        let names = context.givenInputs
        guard !names.isEmpty else { throw context.fail("has no inputs") }
        var parts: [Entry] = []
        for name in names { parts.append(try lowering.entry(name, context)) }
        // Empty parts of rank 1 (a shape of []) join nothing, whatever their rank elsewhere.
        let joined = parts.filter { !($0.shape == [0]) }.isEmpty ? parts : parts.filter { !($0.shape == [0]) }
        let rank = joined[0].shape.count
        let axis = try context.axis(context.int("axis") ?? 0, rank: rank)
        var shape = joined[0].shape
        shape[axis] = 0
        for part in joined {
            guard part.shape.count == rank, part.shape.indices.allSatisfy({ $0 == axis || part.shape[$0] == joined[0].shape[$0] }) else {
                throw context.fail("joins tensors of shapes \(parts.map(\.shape)) that differ off axis \(axis)")
            }
            shape[axis] += part.shape[axis]
        }
        var value: FoldedValue?
        let values = joined.compactMap(\.value)
        if values.count == joined.count, values.allSatisfy(\.isComplete) {
            // All parts' values end to end; element i of the result comes from the part its
            // coordinate on `axis` falls in.
            var offsets: [Int] = [], starts: [Int] = []
            var offset = 0, start = 0
            for (part, v) in zip(joined, values) {
                offsets.append(offset); offset += part.shape[axis]
                starts.append(start); start += v.storageCount
            }
            let allInts = values.allSatisfy { !$0.isFloat }
            let all = FoldedValue(shape: [start], storage: allInts ? .ints(values.flatMap { $0.ints ?? [] }) : .floats(values.flatMap(\.doubles)))
            let strides = joined.map { FoldedValue.strides($0.shape) }
            value = all.picking(shape: shape) { i in
                var coordinates = FoldedValue.coordinates(i, shape)
                guard let part = offsets.lastIndex(where: { $0 <= coordinates[axis] }) else { return nil }
                coordinates[axis] -= offsets[part]
                return starts[part] + zip(coordinates, strides[part]).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        try lowering.emit(.concat, context, inputs: names, shape: shape, dtype: joined[0].dtype, value: value, attributes: ["axis": .int(axis)])
    }

    /// Split(x, split?) into outputs along `axis`; sizes from the input (opset 13+), the
    /// attribute, `num_outputs` (opset 18+), or equal parts.
    static let split = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        let axis = try context.axis(context.int("axis") ?? 0, rank: data.shape.count)
        let outputs = context.node.output.count
        let length = data.shape[axis]
        var sizes: [Int]
        if context.hasInput(1) {
            sizes = try lowering.knownInts(1, context, what: "split sizes")
        } else if let attribute = context.ints("split") {
            sizes = attribute
        } else {
            let parts = context.int("num_outputs") ?? outputs
            guard parts > 0 else { throw context.fail("splits into \(parts) parts") }
            let chunk = (length + parts - 1) / parts
            sizes = (0..<parts).map { max(0, min(chunk, length - $0 * chunk)) }
        }
        guard sizes.count == outputs, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == length else {
            throw context.fail("splits axis \(axis) of size \(length) into \(sizes) across \(outputs) outputs")
        }
        var offset = 0
        let sourceStrides = FoldedValue.strides(data.shape)
        for (index, size) in sizes.enumerated() {
            defer { offset += size }
            guard !context.node.output[index].isEmpty else { continue }
            var shape = data.shape
            shape[axis] = size
            let start = offset
            let value = data.value?.picking(shape: shape) { flat in
                var coordinates = FoldedValue.coordinates(flat, shape)
                coordinates[axis] += start
                return zip(coordinates, sourceStrides).reduce(0) { $0 + $1.0 * $1.1 }
            }
            try lowering.emit(
                .split, context, inputs: [name], shape: shape, dtype: data.dtype, value: value, output: index,
                attributes: ["axis": .int(axis), "start": .int(start)])
        }
    }

    /// Slice with starts, ends, axes and steps from inputs (opset 10+) or attributes.
    static let slice = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        func values(_ index: Int, attribute: String) throws(InputError) -> [Int]? {
            if let fromAttribute = context.ints(attribute) { return fromAttribute }
            guard context.hasInput(index) else { return nil }
            return try lowering.knownInts(index, context, what: attribute)
        }
        guard let starts = try values(1, attribute: "starts"), let ends = try values(2, attribute: "ends") else {
            throw context.fail("has no starts or ends")
        }
        let axes = try values(3, attribute: "axes") ?? Array(0..<starts.count)
        let steps = try values(4, attribute: "steps") ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw context.fail("has starts, ends, axes and steps of different lengths")
        }
        var shape = data.shape
        var firsts = [Int](repeating: 0, count: shape.count), strides = [Int](repeating: 1, count: shape.count)
        for i in 0..<starts.count {
            let axis = try context.axis(axes[i], rank: shape.count)
            let size = data.shape[axis], step = steps[i]
            guard step != 0 else { throw context.fail("has step 0") }
            func clamp(_ v: Int, _ low: Int, _ high: Int) -> Int { min(max(v, low), high) }
            var start = starts[i] < 0 ? starts[i] &+ size : starts[i]
            var end = ends[i] < 0 ? ends[i] &+ size : ends[i]
            if step > 0 { start = clamp(start, 0, size); end = clamp(end, 0, size) } else { start = clamp(start, -1, size - 1); end = clamp(end, -1, size - 1) }
            shape[axis] = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end + (-step) - 1) / (-step))
            firsts[axis] = start
            strides[axis] = step
        }
        let sourceStrides = FoldedValue.strides(data.shape)
        let value = data.value?.picking(shape: shape) { flat in
            let coordinates = FoldedValue.coordinates(flat, shape)
            return coordinates.indices.reduce(0) { $0 + (firsts[$1] + coordinates[$1] * strides[$1]) * sourceStrides[$1] }
        }
        try lowering.emit(.slice, context, inputs: [name], shape: shape, dtype: data.dtype, value: value)
    }

    static let tile = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        let repeats = try lowering.knownInts(1, context, what: "repeats")
        guard repeats.count == data.shape.count, repeats.allSatisfy({ $0 >= 0 }) else {
            throw context.fail("repeats \(repeats) do not match a rank-\(data.shape.count) input")
        }
        var shape: [Int] = []
        for (size, times) in zip(data.shape, repeats) {
            let (product, overflow) = size.multipliedReportingOverflow(by: times)
            guard !overflow, product <= Int(Int32.max) else { throw context.fail("tiles \(data.shape) \(repeats) times, past 2^31 per axis") }
            shape.append(product)
        }
        let sourceStrides = FoldedValue.strides(data.shape)
        let value = data.value?.picking(shape: shape) { flat in
            let coordinates = FoldedValue.coordinates(flat, shape)
            return coordinates.indices.reduce(0) { $0 + (coordinates[$1] % data.shape[$1]) * sourceStrides[$1] }
        }
        try lowering.emit(.tile, context, inputs: [name], shape: shape, dtype: data.dtype, value: value)
    }

    /// Pad(x, pads, constant_value?, axes?): pads from the input (opset 11+) or the attribute.
    static let pad = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        let rank = data.shape.count
        let pads = context.hasInput(1) ? try lowering.knownInts(1, context, what: "pads") : (context.ints("pads") ?? [])
        let axes = try ShapeArithmetic.axes(context, input: 3, lowering: lowering, rank: rank) ?? Array(0..<rank)
        guard pads.count == 2 * axes.count else { throw context.fail("has \(pads.count) pads for \(axes.count) axes") }
        var shape = data.shape
        for (i, axis) in axes.enumerated() {
            shape[axis] += pads[i] + pads[i + axes.count]
            guard shape[axis] >= 0 else { throw context.fail("pads axis \(axis) to a negative size") }
        }
        try lowering.emit(.pad, context, inputs: [name], shape: shape, dtype: data.dtype)
    }

    /// Trilu(x, k?): the upper (or lower) triangle of the last two axes; the causal mask's shape.
    static let trilu = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let data = try lowering.entry(name, context)
        guard data.shape.count >= 2 else { throw context.fail("needs a tensor of rank 2 or more, got \(data.shape)") }
        let k = context.hasInput(1) ? (try lowering.knownInts(1, context, what: "diagonal offset").first ?? 0) : 0
        let upper = (context.int("upper") ?? 1) != 0
        let (rows, columns) = (data.shape[data.shape.count - 2], data.shape[data.shape.count - 1])
        var value: FoldedValue?
        if let v = data.value, v.isComplete {
            // The values with one zero after them, which every dropped element points at.
            let merged = FoldedValue(shape: [v.storageCount + 1], storage: v.isFloat ? .floats(v.doubles + [0]) : .ints((v.ints ?? []) + [0]))
            value = merged.picking(shape: data.shape) { flat in
                let column = flat % columns, row = (flat / columns) % rows
                let keep = upper ? column - row >= k : column - row <= k
                return keep ? flat : v.storageCount
            }
        }
        try lowering.emit(
            .where, context, inputs: [name], shape: data.shape, dtype: data.dtype, value: value, attributes: ["trilu": .string(upper ? "upper" : "lower")])
    }
}

extension Lowering {
    /// A view: the same bytes under another shape; its value, when known, is carried over.
    mutating func emitView(_ context: NodeContext, data: Entry, shape: [Int]) throws(InputError) {
        try emit(.reshape, context, inputs: [try context.input(0)], shape: shape, dtype: data.dtype, value: data.value?.reshaped(shape))
    }
}
