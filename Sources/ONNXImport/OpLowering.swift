import Foundation
import ModelGraph

/// Shape inference and lowering, one ONNX op at a time.
extension Lowering {
    mutating func lower(_ node: Onnx_NodeProto, position: Int, relevant: Bool) throws(GraphError) {
        let place = Self.describe(node, position)
        let domain = node.domain == "ai.onnx" ? "" : node.domain
        if node.input.contains(where: { unknown.contains($0) }) {
            // Downstream of an op this tool does not model: only allowed off the add/matmul paths.
            if relevant { throw GraphError(source: source, place: place, message: "depends on an op this tool does not model, and lies on a path to an add or a matmul") }
            unknown.formUnion(node.output)
            return
        }
        var context = NodeContext(node: node, position: position, place: place, source: source)
        switch (domain, node.opType) {
        case ("", "Constant"): try lowerConstant(&context)
        case ("", "Identity"), ("", "Dropout"):
            let input = try context.input(0)
            let entry = try self.entry(input, node, position)
            entries[try context.output(0)] = entry
        case ("", "Shape"): try lowerShape(&context)
        case ("", "Gather"): try lowerGather(&context)
        case ("", "GatherND"): try lowerGatherND(&context)
        case ("", "Add"), ("", "Sub"), ("", "Mul"), ("", "Div"), ("", "Pow"), ("", "Equal"), ("", "GreaterOrEqual"),
             ("", "Greater"), ("", "Less"), ("", "And"), ("", "Or"):
            try lowerBinary(&context)
        case ("", "Where"): try lowerWhere(&context)
        case ("", "Sqrt"), ("", "Erf"), ("", "Tanh"), ("", "Relu"), ("", "Not"), ("", "Neg"), ("", "Exp"), ("", "Reciprocal"):
            try lowerUnary(&context)
        case ("", "Cast"): try lowerCast(&context)
        case ("", "MatMul"): try lowerMatMul(&context)
        case ("", "Gemm"): try lowerGemm(&context)
        case ("", "Reshape"): try lowerReshape(&context)
        case ("", "Transpose"): try lowerTranspose(&context)
        case ("", "Unsqueeze"), ("", "Squeeze"), ("", "Flatten"): try lowerView(&context)
        case ("", "Concat"): try lowerConcat(&context)
        case ("", "Slice"): try lowerSlice(&context)
        case ("", "ConstantOfShape"): try lowerConstantOfShape(&context)
        case ("", "Range"): try lowerRange(&context)
        case ("", "Expand"): try lowerExpand(&context)
        case ("", "ReduceMean"), ("", "ReduceSum"): try lowerReduce(&context)
        case ("", "Softmax"): try lowerSoftmax(&context)
        case ("", "LayerNormalization"): try lowerLayerNorm(&context, origin: nil, inputs: nil)
        case ("com.microsoft", "SkipLayerNormalization"): try lowerSkipLayerNorm(&context)
        case ("com.microsoft", "BiasGelu"), ("com.microsoft", "FastGelu"), ("com.microsoft", "Gelu"): try lowerGelu(&context)
        case ("com.microsoft", "Attention"): try lowerAttention(&context)
        case ("com.microsoft", "EmbedLayerNormalization"): try lowerEmbedLayerNorm(&context)
        default:
            if relevant {
                throw GraphError(source: source, place: place, message: "is not supported by this tool and lies on a path to an add or a matmul; its shapes cannot be inferred")
            }
            unknownCost.append(place)
            unknown.formUnion(node.output)
        }
    }

    // MARK: Output helper

    /// Adds the IR op for the node's output `index` and records its entry.
    @discardableResult
    mutating func emit(_ kind: OpKind, _ context: NodeContext, inputs: [String], shape: [Int], dtype: DType,
                       value: FoldedValue? = nil, output index: Int = 0, attributes: [String: AttributeValue] = [:],
                       origin: String? = nil) throws(GraphError) -> TensorID {
        let name = try context.output(index)
        var ids: [TensorID] = []
        for input in inputs where !input.isEmpty {
            // Empty tensors (a shape of []) exist only as folded values; the IR has no zero-size tensor.
            if entries[input]?.shape.contains(0) == true { continue }
            ids.append(try tensorID(input, context.node, context.position))
        }
        let path = index == 0 ? context.path : "\(context.path):\(index)"
        let id = try builder.op(kind, path, ids, shape: shape, dtype: dtype, attributes: attributes, origin: origin,
                                folded: value != nil, outputName: name)
        entries[name] = Entry(id: id, shape: shape, dtype: dtype, value: value)
        return id
    }

    /// An intermediate tensor of a lowered fused op (no ONNX name).
    mutating func emitInternal(_ kind: OpKind, _ context: NodeContext, suffix: String, inputs: [TensorID], shape: [Int], dtype: DType,
                               attributes: [String: AttributeValue] = [:], origin: String) throws(GraphError) -> TensorID {
        try builder.op(kind, "\(context.path)/\(suffix)", inputs, shape: shape, dtype: dtype, attributes: attributes, origin: origin)
    }

    // MARK: Simple ops

    mutating func lowerConstant(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.output(0)
        guard let attribute = context.node.attribute.first else {
            throw GraphError(source: source, place: context.place, message: "has no value attribute")
        }
        let value: FoldedValue
        let dtype: DType
        switch attribute.name {
        case "value":
            dtype = try Self.dtype(attribute.t.dataType, place: context.place, source: source)
            var shape: [Int] = []
            for dim in attribute.t.dims {
                guard dim >= 0, dim <= Int64(Int32.max) else { throw GraphError(source: source, place: context.place, message: "has dimension \(dim); dimensions must be between 0 and 2^31") }
                shape.append(Int(dim))
            }
            if shape.contains(0) {
                entries[name] = Entry(id: nil, shape: shape, dtype: dtype, value: .ints([], shape: shape))
                return
            }
            guard let folded = Self.foldedValue(of: attribute.t, shape: shape, dtype: dtype) else {
                // A large constant (a weight stored as a node): keep it as a constant tensor.
                let id = try builder.constant(name, shape: shape, dtype: dtype)
                entries[name] = Entry(id: id, shape: shape, dtype: dtype, value: nil)
                return
            }
            value = folded
        case "value_int": (value, dtype) = (.scalar(Int(attribute.i)), .int64)
        case "value_ints": (value, dtype) = (.ints(attribute.ints.map { Int($0) }, shape: [attribute.ints.count]), .int64)
        case "value_float": (value, dtype) = (FoldedValue(shape: [], storage: .floats([Double(attribute.f)])), .fp32)
        case "value_floats": (value, dtype) = (FoldedValue(shape: [attribute.floats.count], storage: .floats(attribute.floats.map { Double($0) })), .fp32)
        default:
            throw GraphError(source: source, place: context.place, message: "has value attribute '\(attribute.name)', which is not supported")
        }
        entries[name] = Entry(id: nil, shape: value.shape, dtype: dtype, value: value)
    }

    mutating func lowerShape(_ context: inout NodeContext) throws(GraphError) {
        let input = try entry(try context.input(0), context.node, context.position)
        var dims = input.shape
        let rank = dims.count
        if let start = context.int("start") ?? nil {
            let end = context.int("end") ?? rank
            let s = max(0, min(rank, start < 0 ? start + rank : start)), e = max(0, min(rank, end < 0 ? end + rank : end))
            dims = s < e ? Array(dims[s..<e]) : []
        }
        try emit(.shape, context, inputs: [try context.input(0)], shape: [dims.count], dtype: .int64, value: .ints(dims, shape: [dims.count]))
    }

    mutating func lowerGather(_ context: inout NodeContext) throws(GraphError) {
        let data = try entry(try context.input(0), context.node, context.position)
        let indices = try entry(try context.input(1), context.node, context.position)
        let axis = try context.axis(context.int("axis") ?? 0, rank: data.shape.count)
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        var value: FoldedValue?
        if let dv = data.value?.ints, let iv = indices.value?.ints, data.shape.count == 1 {
            var out: [Int] = []
            for raw in iv {
                let i = raw < 0 ? raw + data.shape[0] : raw
                guard i >= 0 && i < dv.count else { throw GraphError(source: source, place: context.place, message: "index \(raw) is out of range for a dimension of \(data.shape[0])") }
                out.append(dv[i])
            }
            value = .ints(out, shape: shape)
        }
        try emit(.gather, context, inputs: [try context.input(0), try context.input(1)], shape: shape, dtype: data.dtype, value: value,
                 attributes: ["axis": .int(axis)])
    }

    mutating func lowerGatherND(_ context: inout NodeContext) throws(GraphError) {
        let data = try entry(try context.input(0), context.node, context.position)
        let indices = try entry(try context.input(1), context.node, context.position)
        let batchDims = context.int("batch_dims") ?? 0
        guard let last = indices.shape.last, batchDims >= 0, batchDims + last <= data.shape.count else {
            throw GraphError(source: source, place: context.place, message: "indices of shape \(indices.shape) do not fit data of shape \(data.shape)")
        }
        let shape = Array(indices.shape.dropLast()) + Array(data.shape[(batchDims + last)...])
        try emit(.gatherND, context, inputs: [try context.input(0), try context.input(1)], shape: shape, dtype: data.dtype)
    }

    mutating func lowerBinary(_ context: inout NodeContext) throws(GraphError) {
        let aName = try context.input(0), bName = try context.input(1)
        let a = try entry(aName, context.node, context.position), b = try entry(bName, context.node, context.position)
        let shape = try broadcast(a.shape, b.shape, context)
        let op = context.node.opType
        let comparison = ["Equal", "GreaterOrEqual", "Greater", "Less", "And", "Or"].contains(op)
        let dtype = comparison ? DType.bool : a.dtype
        var value: FoldedValue?
        if let av = a.value, let bv = b.value {
            value = FoldedValue.broadcast(av, bv, shape: shape, ints: { x, y in
                switch op {
                case "Add": return x.addingReportingOverflow(y).overflow ? nil : x + y
                case "Sub": return x.subtractingReportingOverflow(y).overflow ? nil : x - y
                case "Mul": return x.multipliedReportingOverflow(by: y).overflow ? nil : x * y
                case "Div": return y == 0 ? nil : (x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0))
                case "Equal": return x == y ? 1 : 0
                case "GreaterOrEqual": return x >= y ? 1 : 0
                case "Greater": return x > y ? 1 : 0
                case "Less": return x < y ? 1 : 0
                case "And": return (x != 0 && y != 0) ? 1 : 0
                case "Or": return (x != 0 || y != 0) ? 1 : 0
                default: return nil
                }
            }, floats: { x, y in
                switch op {
                case "Add": return x + y
                case "Sub": return x - y
                case "Mul": return x * y
                case "Div": return x / y
                case "Pow": return Foundation.pow(x, y)
                case "Equal": return x == y ? 1 : 0
                case "GreaterOrEqual": return x >= y ? 1 : 0
                case "Greater": return x > y ? 1 : 0
                case "Less": return x < y ? 1 : 0
                default: return .nan
                }
            })
            if comparison, let folded = value, let ints = folded.ints { value = .ints(ints, shape: shape) }
        }
        let kind: OpKind = switch op {
        case "Add": .add
        case "Sub": .sub
        case "Mul": .mul
        case "Div": .div
        case "Pow": .pow
        case "Equal", "Greater", "Less": .equal
        case "GreaterOrEqual": .greaterOrEqual
        default: .and
        }
        try emit(kind, context, inputs: [aName, bName], shape: shape, dtype: dtype, value: value)
    }

    mutating func lowerWhere(_ context: inout NodeContext) throws(GraphError) {
        let names = [try context.input(0), try context.input(1), try context.input(2)]
        let c = try entry(names[0], context.node, context.position)
        let x = try entry(names[1], context.node, context.position), y = try entry(names[2], context.node, context.position)
        let shape = try broadcast(try broadcast(c.shape, x.shape, context), y.shape, context)
        var value: FoldedValue?
        if let cv = c.value?.ints, let xv = x.value, let yv = y.value, (checkedElementCount(shape) ?? Int.max) <= FoldedValue.maximumElements {
            let ic = FoldedValue.indexer(from: c.shape, to: shape), ix = FoldedValue.indexer(from: x.shape, to: shape), iy = FoldedValue.indexer(from: y.shape, to: shape)
            let count = checkedElementCount(shape) ?? 0
            if let xi = xv.ints, let yi = yv.ints, !xv.isFloat, !yv.isFloat {
                value = .ints((0..<count).map { cv[ic($0)] != 0 ? xi[ix($0)] : yi[iy($0)] }, shape: shape)
            } else {
                let xd = xv.doubles, yd = yv.doubles
                value = FoldedValue(shape: shape, storage: .floats((0..<count).map { cv[ic($0)] != 0 ? xd[ix($0)] : yd[iy($0)] }))
            }
        }
        try emit(.where, context, inputs: names, shape: shape, dtype: x.dtype, value: value)
    }

    mutating func lowerUnary(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let a = try entry(name, context.node, context.position)
        let kind: OpKind = switch context.node.opType {
        case "Sqrt": .sqrt
        case "Erf": .erf
        case "Tanh": .tanh
        case "Relu": .relu
        case "Not": .not
        case "Exp", "Neg", "Reciprocal": .mul
        default: .erf
        }
        var value: FoldedValue?
        if context.node.opType == "Not", let v = a.value?.ints { value = .ints(v.map { $0 == 0 ? 1 : 0 }, shape: a.shape) }
        if context.node.opType == "Neg", let v = a.value?.ints { value = .ints(v.map { 0 &- $0 }, shape: a.shape) }
        try emit(kind, context, inputs: [name], shape: a.shape, dtype: a.dtype, value: value)
    }

    mutating func lowerCast(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let a = try entry(name, context.node, context.position)
        guard let to = context.int("to") else { throw GraphError(source: source, place: context.place, message: "has no 'to' attribute") }
        let dtype = try Self.dtype(Int32(truncatingIfNeeded: to), place: context.place, source: source)
        var value = a.value
        if let v = value {
            if dtype == .bool, let ints = v.ints { value = .ints(ints.map { $0 != 0 ? 1 : 0 }, shape: a.shape) }
            else if !dtype.isFloatingPoint { value = v.ints.map { .ints($0, shape: a.shape) } ?? .ints(v.doubles.map { $0.isFinite && abs($0) < 9e15 ? Int($0) : 0 }, shape: a.shape) }
            else { value = FoldedValue(shape: a.shape, storage: .floats(v.doubles)) }
        }
        try emit(.cast, context, inputs: [name], shape: a.shape, dtype: dtype, value: value)
    }

    mutating func lowerMatMul(_ context: inout NodeContext) throws(GraphError) {
        let aName = try context.input(0), bName = try context.input(1)
        let a = try entry(aName, context.node, context.position), b = try entry(bName, context.node, context.position)
        guard a.shape.count >= 1, b.shape.count >= 1 else {
            throw GraphError(source: source, place: context.place, message: "multiplies scalars; MatMul needs tensors of rank 1 or more")
        }
        let a2 = a.shape.count == 1 ? [1] + a.shape : a.shape
        let b2 = b.shape.count == 1 ? b.shape + [1] : b.shape
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw GraphError(source: source, place: context.place, message: "multiplies \(a.shape) by \(b.shape): the inner dimensions \(a2[a2.count - 1]) and \(b2[b2.count - 2]) differ")
        }
        var shape = try broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2)), context) + [a2[a2.count - 2], b2[b2.count - 1]]
        if a.shape.count == 1 { shape.remove(at: shape.count - 2) }
        if b.shape.count == 1 { shape.removeLast() }
        try emit(.matMul, context, inputs: [aName, bName], shape: shape, dtype: a.dtype)
    }

    mutating func lowerGemm(_ context: inout NodeContext) throws(GraphError) {
        let aName = try context.input(0), bName = try context.input(1)
        let a = try entry(aName, context.node, context.position), b = try entry(bName, context.node, context.position)
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw GraphError(source: source, place: context.place, message: "needs 2-D inputs, got \(a.shape) and \(b.shape)")
        }
        let transA = (context.int("transA") ?? 0) != 0, transB = (context.int("transB") ?? 0) != 0
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else {
            throw GraphError(source: source, place: context.place, message: "multiplies \(a.shape) by \(b.shape) (transA \(transA), transB \(transB)): inner dimensions \(k) and \(kb) differ")
        }
        var left = try tensorID(aName, context.node, context.position)
        if transA {
            left = try emitInternal(.transpose, context, suffix: "transA", inputs: [left], shape: [m, k], dtype: a.dtype, attributes: ["perm": .ints([1, 0])], origin: "Gemm")
        }
        // The weight stays as stored: transB only changes the order it is read in.
        let weight = try tensorID(bName, context.node, context.position)
        let output = try context.output(0)
        if context.node.input.count > 2, !context.node.input[2].isEmpty {
            let product = try emitInternal(.matMul, context, suffix: "matmul", inputs: [left, weight], shape: [m, n], dtype: a.dtype, origin: "Gemm")
            let cName = context.node.input[2]
            let c = try entry(cName, context.node, context.position)
            _ = try broadcast([m, n], c.shape, context)
            let id = try builder.op(.add, context.path, [product, try tensorID(cName, context.node, context.position)], shape: [m, n], dtype: a.dtype,
                                    origin: "Gemm", outputName: output)
            entries[output] = Entry(id: id, shape: [m, n], dtype: a.dtype, value: nil)
        } else {
            let id = try builder.op(.matMul, context.path, [left, weight], shape: [m, n], dtype: a.dtype, origin: "Gemm", outputName: output)
            entries[output] = Entry(id: id, shape: [m, n], dtype: a.dtype, value: nil)
        }
    }

    mutating func lowerReshape(_ context: inout NodeContext) throws(GraphError) {
        let dataName = try context.input(0)
        let data = try entry(dataName, context.node, context.position)
        let target: [Int]
        if let shapeName = context.node.input.count > 1 ? context.node.input[1] : nil {
            guard let value = try entry(shapeName, context.node, context.position).value?.ints else {
                throw GraphError(source: source, place: context.place, message: "takes its target shape from '\(shapeName)', which could not be computed at import time")
            }
            target = value
        } else {
            target = context.ints("shape") ?? []
        }
        let allowZero = (context.int("allowzero") ?? 0) != 0
        let shape = try reshaped(data.shape, to: target, allowZero: allowZero, context)
        let value = data.value.map { FoldedValue(shape: shape, storage: $0.storage) }
        try emit(.reshape, context, inputs: [dataName], shape: shape, dtype: data.dtype, value: value)
    }

    mutating func lowerTranspose(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let data = try entry(name, context.node, context.position)
        let rank = data.shape.count
        let perm = context.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else {
            throw GraphError(source: source, place: context.place, message: "perm \(perm) is not a permutation of \(rank) axes")
        }
        try emit(.transpose, context, inputs: [name], shape: perm.map { data.shape[$0] }, dtype: data.dtype, attributes: ["perm": .ints(perm)])
    }

    /// Unsqueeze, Squeeze and Flatten only reinterpret a buffer: lowered to a reshape.
    mutating func lowerView(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let data = try entry(name, context.node, context.position)
        var axes = context.ints("axes")
        if axes == nil, context.node.input.count > 1, !context.node.input[1].isEmpty {
            guard let value = try entry(context.node.input[1], context.node, context.position).value?.ints else {
                throw GraphError(source: source, place: context.place, message: "takes its axes from '\(context.node.input[1])', which could not be computed at import time")
            }
            axes = value
        }
        var shape = data.shape
        switch context.node.opType {
        case "Unsqueeze":
            guard let axes, !axes.isEmpty else { throw GraphError(source: source, place: context.place, message: "has no axes") }
            let rank = shape.count + axes.count
            let normalized = try axes.map { axis throws(GraphError) in try context.axis(axis, rank: rank) }.sorted()
            guard Set(normalized).count == normalized.count else { throw GraphError(source: source, place: context.place, message: "repeats an axis in \(axes)") }
            for axis in normalized { shape.insert(1, at: axis) }
        case "Squeeze":
            if let axes {
                let normalized = try Set(axes.map { axis throws(GraphError) in try context.axis(axis, rank: shape.count) })
                for axis in normalized where shape[axis] != 1 {
                    throw GraphError(source: source, place: context.place, message: "squeezes axis \(axis) of size \(shape[axis]); only size-1 axes can be squeezed")
                }
                shape = shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
            } else {
                shape = shape.filter { $0 != 1 }
            }
        default: // Flatten
            let axis = try context.axis(context.int("axis") ?? 1, rank: shape.count + 1)
            guard let rows = checkedElementCount(shape[..<axis]), let columns = checkedElementCount(shape[axis...]) else {
                throw GraphError(source: source, place: context.place, message: "flattens a shape too large to count: \(shape)")
            }
            shape = [rows, columns]
        }
        let value = data.value.map { FoldedValue(shape: shape, storage: $0.storage) }
        try emit(.reshape, context, inputs: [name], shape: shape, dtype: data.dtype, value: value)
    }

    mutating func lowerConcat(_ context: inout NodeContext) throws(GraphError) {
        let names = context.node.input.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw GraphError(source: source, place: context.place, message: "has no inputs") }
        var parts: [Entry] = []
        for name in names { parts.append(try entry(name, context.node, context.position)) }
        let rank = parts[0].shape.count
        let axis = try context.axis(context.int("axis") ?? 0, rank: rank)
        var shape = parts[0].shape
        shape[axis] = 0
        for part in parts {
            guard part.shape.count == rank, part.shape.enumerated().allSatisfy({ $0.offset == axis || $0.element == parts[0].shape[$0.offset] }) else {
                throw GraphError(source: source, place: context.place, message: "joins tensors of shapes \(parts.map(\.shape)) that differ off axis \(axis)")
            }
            shape[axis] += part.shape[axis]
        }
        var value: FoldedValue?
        if rank == 1 {
            var all: [Int] = []
            var complete = true
            for part in parts { if let v = part.value?.ints { all += v } else { complete = false } }
            if complete { value = .ints(all, shape: shape) }
        }
        try emit(.concat, context, inputs: names, shape: shape, dtype: parts[0].dtype, value: value, attributes: ["axis": .int(axis)])
    }

    mutating func lowerSlice(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let data = try entry(name, context.node, context.position)
        func values(_ index: Int, attribute: String) throws(GraphError) -> [Int]? {
            if let fromAttribute = context.ints(attribute) { return fromAttribute }
            guard context.node.input.count > index, !context.node.input[index].isEmpty else { return nil }
            guard let v = try entry(context.node.input[index], context.node, context.position).value?.ints else {
                throw GraphError(source: source, place: context.place, message: "takes '\(attribute)' from '\(context.node.input[index])', which could not be computed at import time")
            }
            return v
        }
        guard let starts = try values(1, attribute: "starts"), let ends = try values(2, attribute: "ends") else {
            throw GraphError(source: source, place: context.place, message: "has no starts or ends")
        }
        let axes = try values(3, attribute: "axes") ?? Array(0..<starts.count)
        let steps = try values(4, attribute: "steps") ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw GraphError(source: source, place: context.place, message: "has starts, ends, axes and steps of different lengths")
        }
        var shape = data.shape
        var ranges: [Int: (Int, Int, Int)] = [:]
        for i in 0..<starts.count {
            let axis = try context.axis(axes[i], rank: shape.count)
            let size = data.shape[axis], step = steps[i]
            guard step != 0 else { throw GraphError(source: source, place: context.place, message: "has step 0") }
            func clamp(_ v: Int, _ low: Int, _ high: Int) -> Int { min(max(v, low), high) }
            var start = starts[i] < 0 ? starts[i] &+ size : starts[i]
            var end = ends[i] < 0 ? ends[i] &+ size : ends[i]
            if step > 0 { start = clamp(start, 0, size); end = clamp(end, 0, size) } else { start = clamp(start, -1, size - 1); end = clamp(end, -1, size - 1) }
            let length = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end + (-step) - 1) / (-step))
            shape[axis] = length
            ranges[axis] = (start, end, step)
        }
        guard !shape.contains(0) else {
            throw GraphError(source: source, place: context.place, message: "selects an empty tensor of shape \(shape); empty tensors are not supported")
        }
        var value: FoldedValue?
        if data.shape.count == 1, let v = data.value?.ints, let (start, _, step) = ranges[0] {
            value = .ints((0..<shape[0]).map { v[start + $0 * step] }, shape: shape)
        } else if let v = data.value?.ints, data.shape.count == 2, ranges[0] == nil, let (start, _, step) = ranges[1] {
            // The position-id buffer [1, max_positions] sliced to the sequence.
            let columns = data.shape[1]
            value = .ints((0..<shape[0]).flatMap { row in (0..<shape[1]).map { v[row * columns + start + $0 * step] } }, shape: shape)
        }
        try emit(.slice, context, inputs: [name], shape: shape, dtype: data.dtype, value: value)
    }

    mutating func lowerConstantOfShape(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        guard let dims = try entry(name, context.node, context.position).value?.ints else {
            throw GraphError(source: source, place: context.place, message: "takes its shape from '\(name)', which could not be computed at import time")
        }
        guard dims.allSatisfy({ $0 > 0 && $0 <= Int(Int32.max) }) else {
            throw GraphError(source: source, place: context.place, message: "shape \(dims) has a dimension outside 1…2^31")
        }
        var dtype = DType.fp32
        var fill = FoldedValue(shape: [], storage: .floats([0]))
        if let attribute = context.node.attribute.first(where: { $0.name == "value" }) {
            dtype = try Self.dtype(attribute.t.dataType, place: context.place, source: source)
            fill = Self.foldedValue(of: attribute.t, shape: [1], dtype: dtype) ?? fill
        }
        let count = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        var value: FoldedValue?
        if count <= FoldedValue.maximumElements {
            value = fill.isFloat ? FoldedValue(shape: dims, storage: .floats(Array(repeating: fill.doubles.first ?? 0, count: count)))
                                 : .ints(Array(repeating: fill.ints?.first ?? 0, count: count), shape: dims)
        }
        try emit(.constantOfShape, context, inputs: [name], shape: dims, dtype: dtype, value: value)
    }

    mutating func lowerRange(_ context: inout NodeContext) throws(GraphError) {
        let names = [try context.input(0), try context.input(1), try context.input(2)]
        var values: [Double] = []
        var dtype = DType.int64
        for name in names {
            let e = try entry(name, context.node, context.position)
            guard let v = e.value?.doubles.first else {
                throw GraphError(source: source, place: context.place, message: "takes '\(name)' which could not be computed at import time")
            }
            dtype = e.dtype
            values.append(v)
        }
        guard values[2] != 0 else { throw GraphError(source: source, place: context.place, message: "has delta 0") }
        let length = max(0, Int(((values[1] - values[0]) / values[2]).rounded(.up)))
        guard length > 0, length <= Int(Int32.max) else {
            throw GraphError(source: source, place: context.place, message: "produces \(length) elements; ranges must have 1 to 2^31 elements")
        }
        var value: FoldedValue?
        if length <= FoldedValue.maximumElements {
            value = dtype.isFloatingPoint
                ? FoldedValue(shape: [length], storage: .floats((0..<length).map { values[0] + Double($0) * values[2] }))
                : .ints((0..<length).map { Int(values[0]) + $0 * Int(values[2]) }, shape: [length])
        }
        try emit(.range, context, inputs: names, shape: [length], dtype: dtype, value: value)
    }

    mutating func lowerExpand(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0), shapeName = try context.input(1)
        let data = try entry(name, context.node, context.position)
        guard let target = try entry(shapeName, context.node, context.position).value?.ints else {
            throw GraphError(source: source, place: context.place, message: "takes its shape from '\(shapeName)', which could not be computed at import time")
        }
        let shape = try broadcast(data.shape, target, context)
        var value: FoldedValue?
        if let v = data.value { value = FoldedValue.broadcast(v, .ints([0], shape: []), shape: shape, ints: { x, _ in x }, floats: { x, _ in x }) }
        try emit(.expand, context, inputs: [name, shapeName], shape: shape, dtype: data.dtype, value: value)
    }

    mutating func lowerReduce(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let data = try entry(name, context.node, context.position)
        var axes = context.ints("axes")
        if axes == nil, context.node.input.count > 1, !context.node.input[1].isEmpty {
            axes = try entry(context.node.input[1], context.node, context.position).value?.ints
        }
        let keep = (context.int("keepdims") ?? 1) != 0
        let rank = data.shape.count
        let reduced = try Set((axes ?? Array(0..<rank)).map { axis throws(GraphError) in try context.axis(axis, rank: rank) })
        var shape: [Int] = []
        for (axis, size) in data.shape.enumerated() {
            if reduced.contains(axis) { if keep { shape.append(1) } } else { shape.append(size) }
        }
        try emit(context.node.opType == "ReduceSum" ? .reduceSum : .reduceMean, context, inputs: [name], shape: shape, dtype: data.dtype)
    }

    mutating func lowerSoftmax(_ context: inout NodeContext) throws(GraphError) {
        let name = try context.input(0)
        let data = try entry(name, context.node, context.position)
        let axis = try context.axis(context.int("axis") ?? -1, rank: data.shape.count)
        try emit(.softmax, context, inputs: [name], shape: data.shape, dtype: data.dtype, attributes: ["axis": .int(axis)])
    }

    mutating func lowerLayerNorm(_ context: inout NodeContext, origin: String?, inputs override: [TensorID]?) throws(GraphError) {
        let name = try context.input(0)
        let data = try entry(name, context.node, context.position)
        let epsilon = context.float("epsilon") ?? 1e-5
        var ids: [TensorID] = []
        for input in context.node.input.prefix(3) where !input.isEmpty { ids.append(try tensorID(input, context.node, context.position)) }
        let output = try context.output(0)
        let id = try builder.op(.layerNorm, context.path, ids, shape: data.shape, dtype: data.dtype,
                                attributes: ["axis": .int(-1), "epsilon": .float(epsilon)], origin: origin, outputName: output)
        entries[output] = Entry(id: id, shape: data.shape, dtype: data.dtype, value: nil)
    }

    // MARK: Shape arithmetic

    func broadcast(_ a: [Int], _ b: [Int], _ context: NodeContext) throws(GraphError) -> [Int] {
        let rank = max(a.count, b.count)
        var out: [Int] = []
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw GraphError(source: source, place: context.place, message: "cannot broadcast shapes \(a) and \(b)")
            }
            // A size-1 axis takes the other's size, even 0 (an empty tensor stays empty).
            out.append(x == 1 ? y : x)
        }
        return out
    }

    func reshaped(_ shape: [Int], to target: [Int], allowZero: Bool, _ context: NodeContext) throws(GraphError) -> [Int] {
        guard let total = checkedElementCount(shape) else {
            throw GraphError(source: source, place: context.place, message: "reshapes a shape too large to count: \(shape)")
        }
        var out: [Int] = []
        var inferred: Int?
        for (axis, raw) in target.enumerated() {
            switch raw {
            case 0 where !allowZero:
                guard axis < shape.count else { throw GraphError(source: source, place: context.place, message: "copies dimension \(axis) of a rank-\(shape.count) tensor") }
                out.append(shape[axis])
            case -1:
                guard inferred == nil else { throw GraphError(source: source, place: context.place, message: "target \(target) has more than one -1") }
                inferred = axis
                out.append(1)
            case let size where size > 0 && size <= Int(Int32.max):
                out.append(size)
            default:
                throw GraphError(source: source, place: context.place, message: "target \(target) has dimension \(raw)")
            }
        }
        let known = out.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        if let axis = inferred {
            guard known > 0, total % known == 0 else {
                throw GraphError(source: source, place: context.place, message: "cannot reshape \(shape) to \(target)")
            }
            out[axis] = total / known
        } else if known != total {
            throw GraphError(source: source, place: context.place, message: "cannot reshape \(shape) (\(total) elements) to \(target)")
        }
        return out
    }
}

/// A node being lowered, with checked access to its inputs, outputs and attributes.
struct NodeContext {
    let node: Onnx_NodeProto
    let position: Int
    let place: String
    let source: String

    var path: String { node.name.isEmpty ? "\(node.opType)_\(position)" : node.name }

    func input(_ index: Int) throws(GraphError) -> String {
        guard index < node.input.count, !node.input[index].isEmpty else {
            throw GraphError(source: source, place: place, message: "needs input \(index), which is missing")
        }
        return node.input[index]
    }

    func output(_ index: Int) throws(GraphError) -> String {
        guard index < node.output.count, !node.output[index].isEmpty else {
            throw GraphError(source: source, place: place, message: "needs output \(index), which is missing")
        }
        return node.output[index]
    }

    func attribute(_ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }
    func int(_ name: String) -> Int? { attribute(name).map { Int($0.i) } }
    func float(_ name: String) -> Double? { attribute(name).map { Double($0.f) } }
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }

    /// A possibly negative axis, checked against the rank.
    func axis(_ axis: Int, rank: Int) throws(GraphError) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0 && normalized < max(rank, 1) else {
            throw GraphError(source: source, place: place, message: "axis \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }
}
