import Support
import ModelGraph

/// Indexed reads and writes: embedding lookups, position-bias lookups, scatters into caches.
extension OpRule {
    /// Gather(data, indices) along `axis`: data's axis replaced by the indices' shape.
    static let gather = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        let indices = try lowering.input(1, context)
        let axis = try context.axis(context.int("axis") ?? 0, rank: data.shape.count)
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        var value: FoldedValue?
        if let dv = data.value, let iv = indices.value?.ints {
            let size = data.shape[axis]
            for raw in iv where raw < -size || raw >= size {
                throw context.fail("index \(raw) is out of range for a dimension of \(size)")
            }
            let inner = data.shape[(axis + 1)...].reduce(1, *)
            let indexCount = max(iv.count, 1)
            value = dv.picking(shape: shape) { flat in
                let innerOffset = flat % inner
                let indexPosition = (flat / inner) % indexCount
                let outer = flat / (inner * indexCount)
                let index = iv.isEmpty ? 0 : (iv[indexPosition] < 0 ? iv[indexPosition] + size : iv[indexPosition])
                return (outer * size + index) * inner + innerOffset
            }
        }
        try lowering.emit(
            .gather, context, inputs: [try context.input(0), try context.input(1)], shape: shape, dtype: data.dtype, value: value,
            attributes: ["axis": .int(axis)])
    }

    /// GatherElements(data, indices): the indices' shape, one element picked along `axis` per
    /// position (DeBERTa's relative-position scores).
    static let gatherElements = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        let indices = try lowering.input(1, context)
        guard data.shape.count == indices.shape.count else {
            throw context.fail("indices of rank \(indices.shape.count) do not match data of rank \(data.shape.count)")
        }
        let axis = try context.axis(context.int("axis") ?? 0, rank: data.shape.count)
        var value: FoldedValue?
        if let dv = data.value, let iv = indices.value?.ints {
            let strides = FoldedValue.strides(data.shape)
            value = dv.picking(shape: indices.shape) { flat in
                var coordinates = FoldedValue.coordinates(flat, indices.shape)
                let raw = iv[flat]
                coordinates[axis] = raw < 0 ? raw + data.shape[axis] : raw
                guard coordinates[axis] >= 0, coordinates[axis] < data.shape[axis] else { return nil }
                return zip(coordinates, strides).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        try lowering.emit(
            .gatherElements, context, inputs: [try context.input(0), try context.input(1)], shape: indices.shape, dtype: data.dtype,
            value: value, attributes: ["axis": .int(axis)])
    }

    static let gatherND = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        let indices = try lowering.input(1, context)
        let batchDims = context.int("batch_dims") ?? 0
        guard let last = indices.shape.last, batchDims >= 0, batchDims + last <= data.shape.count else {
            throw context.fail("indices of shape \(indices.shape) do not fit data of shape \(data.shape)")
        }
        let shape = Array(indices.shape.dropLast()) + Array(data.shape[(batchDims + last)...])
        try lowering.emit(.gatherND, context, inputs: [try context.input(0), try context.input(1)], shape: shape, dtype: data.dtype)
    }

    /// ScatterND, ScatterElements, Scatter: the data's shape, with updates written in.
    static let scatter = OpRule { lowering, context throws(InputError) in
        let data = try lowering.input(0, context)
        try lowering.emit(.scatter, context, inputs: context.givenInputs, shape: data.shape, dtype: data.dtype)
    }

    /// OneHot(indices, depth, values): the indices' shape with a `depth` axis inserted at `axis`.
    static let oneHot = OpRule { lowering, context throws(InputError) in
        let indices = try lowering.input(0, context)
        guard let depth = try lowering.knownInts(1, context, what: "depth").first, depth > 0 else { throw context.fail("has no positive depth") }
        let values = try lowering.input(2, context)
        var shape = indices.shape
        let axis = try context.axis(context.int("axis") ?? -1, rank: shape.count + 1)
        shape.insert(depth, at: axis)
        try lowering.emit(.scatter, context, inputs: context.givenInputs, shape: shape, dtype: values.dtype)
    }

    /// NonZero(x): [rank, count of non-zero elements]; the count depends on x's values, so x
    /// must be known when the file is read.
    static let nonZero = OpRule { lowering, context throws(InputError) in
        let x = try lowering.input(0, context)
        guard let v = x.value, v.isComplete else {
            throw context.fail("has an output whose size depends on the values of '\(try context.input(0))', which are known only when the model runs")
        }
        let flat = v.doubles.indices.filter { v.doubles[$0] != 0 }
        let rank = x.shape.count
        let coordinates = flat.map { FoldedValue.coordinates($0, x.shape) }
        let values = (0..<rank).flatMap { axis in coordinates.map { $0[axis] } }
        try lowering.emit(
            .nonZero, context, inputs: [try context.input(0)], shape: [rank, flat.count], dtype: .int64,
            value: .ints(values, shape: [rank, flat.count]))
    }
}
