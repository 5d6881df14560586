import Support
import ModelGraph

/// onnxruntime's fused operators, lowered to the primitive ops the BERT builder produces so the
/// KPU model and the report treat them alike. Every op they expand to carries the fused op's
/// name as its `origin`, which the add taxonomy reports as `fused_in`.
extension OpRule {
    static let attention = OpRule { lowering, context throws(InputError) in try lowering.lowerAttention(context) }
    static let fusedGelu = OpRule { lowering, context throws(InputError) in try lowering.lowerGelu(context) }
    static let embedLayerNorm = OpRule { lowering, context throws(InputError) in try lowering.lowerEmbedLayerNorm(context) }
    /// SkipLayerNormalization (LayerNorm) and SkipSimplifiedLayerNormalization (RMSNorm).
    static func skipLayerNorm(_ kind: OpKind) -> OpRule {
        OpRule { lowering, context throws(InputError) in try lowering.lowerSkipLayerNorm(context, kind: kind) }
    }
}

extension Lowering {
    /// SkipLayerNormalization(input, skip, gamma, beta?, bias?): (input + bias) + skip, then
    /// LayerNorm. SkipSimplifiedLayerNormalization(input, skip, gamma, bias?): the same with RMSNorm.
    mutating func lowerSkipLayerNorm(_ context: NodeContext, kind: OpKind) throws(InputError) {
        let origin = context.opType
        let inputName = try context.input(0), skipName = try context.input(1), gammaName = try context.input(2)
        let input = try entry(inputName, context)
        let skip = try entry(skipName, context)
        let shape = try ShapeArithmetic.broadcast(input.shape, skip.shape, context)
        let (betaIndex, biasIndex) = kind == .rmsNorm ? (Int?.none, 3) : (Int?.some(3), 4)
        var current = try tensorID(inputName, context)
        if context.hasInput(biasIndex) {
            let bias = try tensorID(context.node.input[biasIndex], context)
            current = try emitInternal(.add, context, suffix: "bias", inputs: [current, bias], shape: input.shape, dtype: input.dtype, origin: origin)
        }
        let sum = try emitInternal(
            .add, context, suffix: "residual", inputs: [current, try tensorID(skipName, context)],
            shape: shape, dtype: input.dtype, origin: origin)
        var normInputs = [sum, try tensorID(gammaName, context)]
        if let betaIndex, context.hasInput(betaIndex) { normInputs.append(try tensorID(context.node.input[betaIndex], context)) }
        try emitOutput(
            kind, context, inputs: normInputs, shape: shape, dtype: input.dtype,
            attributes: ["axis": .int(-1), "epsilon": .float(context.float("epsilon") ?? 1e-12)], origin: origin)
        // Output 3 is input + skip (+ bias), when a later node reads it.
        if context.node.output.count > 3, !context.node.output[3].isEmpty {
            try define(context.node.output[3], Entry(id: sum, shape: shape, dtype: input.dtype, value: nil), context)
        }
    }

    /// BiasGelu(x, bias), FastGelu(x, bias?), Gelu(x): an optional bias add, then the GELU, whose
    /// `1 + erf(…)` (or `1 + tanh(…)`) is recorded as an add inside the GELU.
    mutating func lowerGelu(_ context: NodeContext) throws(InputError) {
        let origin = context.node.opType
        let inputName = try context.input(0)
        let input = try entry(inputName, context)
        var current = try tensorID(inputName, context)
        if context.node.input.count > 1, !context.node.input[1].isEmpty {
            let biasName = context.node.input[1]
            _ = try ShapeArithmetic.broadcast(input.shape, try entry(biasName, context).shape, context)
            current = try emitInternal(
                .add, context, suffix: "bias", inputs: [current, try tensorID(biasName, context)],
                shape: input.shape, dtype: input.dtype, origin: origin)
        }
        let approximate = origin == "FastGelu" || context.string("approximate") == "tanh" ? "tanh" : "none"
        let id = try emitOutput(
            .gelu, context, inputs: [current], shape: input.shape, dtype: input.dtype,
            attributes: ["approximate": .string(approximate)], origin: origin)
        builder.embeddedAdd(in: id, origin: origin, role: .activationInternal)
    }

    /// Attention(input, packed QKV weight, packed bias, mask_index?): Q, K and V projections with
    /// their biases, heads split, QKᵀ, scale, additive mask, softmax, ·V, heads merged.
    mutating func lowerAttention(_ context: NodeContext) throws(InputError) {
        let origin = "Attention"
        let inputName = try context.input(0), weightName = try context.input(1)
        let input = try entry(inputName, context)
        guard input.shape.count == 3 else {
            throw context.fail("input has shape \(input.shape); Attention expects [batch, sequence, hidden]")
        }
        let (b, s) = (input.shape[0], input.shape[1])
        guard let heads = context.int("num_heads"), heads > 0 else {
            throw context.fail("has no positive num_heads attribute")
        }
        guard let weights = splitParameters[weightName], weights.count == 3 else {
            throw context.fail("weight '\(weightName)' is not an initializer of shape [hidden, 3 × hidden]")
        }
        let hidden = builder.shape(of: weights[0]).last ?? 0
        guard hidden % heads == 0 else {
            throw context.fail("hidden size \(hidden) is not divisible by num_heads \(heads)")
        }
        let d = hidden / heads
        let dtype = input.dtype
        let biases = context.node.input.count > 2 ? splitParameters[context.node.input[2]] : nil
        let x = try tensorID(inputName, context)
        var projected: [TensorID] = []
        for (index, name) in ["query", "key", "value"].enumerated() {
            var t = try emitInternal(
                .matMul, context, suffix: "\(name)/matmul", inputs: [x, weights[index]], shape: [b, s, hidden], dtype: dtype, origin: origin)
            if let biases, biases.count == 3 {
                t = try emitInternal(.add, context, suffix: "\(name)/bias", inputs: [t, biases[index]], shape: [b, s, hidden], dtype: dtype, origin: origin)
            }
            let split = try emitInternal(.reshape, context, suffix: "\(name)/split_heads", inputs: [t], shape: [b, s, heads, d], dtype: dtype, origin: origin)
            let transposed =
                index == 1
                ? try emitInternal(
                    .transpose, context, suffix: "\(name)/transpose", inputs: [split], shape: [b, heads, d, s], dtype: dtype,
                    attributes: ["perm": .ints([0, 2, 3, 1])], origin: origin)
                : try emitInternal(
                    .transpose, context, suffix: "\(name)/transpose", inputs: [split], shape: [b, heads, s, d], dtype: dtype,
                    attributes: ["perm": .ints([0, 2, 1, 3])], origin: origin)
            projected.append(transposed)
        }
        let scores = try emitInternal(
            .matMul, context, suffix: "scores", inputs: [projected[0], projected[1]], shape: [b, heads, s, s], dtype: dtype, origin: origin)
        let scale = try builder.constant("\(context.path)/scale", shape: [], dtype: dtype)
        var logits = try emitInternal(.mul, context, suffix: "scale", inputs: [scores, scale], shape: [b, heads, s, s], dtype: dtype, origin: origin)
        if context.node.input.count > 3, !context.node.input[3].isEmpty {
            // mask_index: a raw [B, S] 0/1 mask, or per-sequence lengths [B] that the kernel
            // compares with key positions. Either becomes the additive [B, 1, S, S] mask the
            // unfused graph builds, so fused and unfused exports are costed alike.
            let mask = try tensorID(context.node.input[3], context)
            let maskElements = checkedElementCount(builder.shape(of: mask)) ?? 0
            let rows =
                maskElements == b * s
                ? try emitInternal(.reshape, context, suffix: "mask/view", inputs: [mask], shape: [b, 1, 1, s], dtype: builder.dtype(of: mask), origin: origin)
                : try emitInternal(.greaterOrEqual, context, suffix: "mask/from_lengths", inputs: [mask], shape: [b, 1, 1, s], dtype: .bool, origin: origin)
            let expanded = try emitInternal(
                .expand, context, suffix: "mask/expand", inputs: [rows], shape: [b, 1, s, s], dtype: builder.dtype(of: rows), origin: origin)
            let cast = try emitInternal(.cast, context, suffix: "mask/cast", inputs: [expanded], shape: [b, 1, s, s], dtype: dtype, origin: origin)
            let one = try builder.constant("\(context.path)/mask/one", shape: [], dtype: dtype)
            let inverted = try emitInternal(.sub, context, suffix: "mask/invert", inputs: [one, cast], shape: [b, 1, s, s], dtype: dtype, origin: origin)
            let minimum = try builder.constant("\(context.path)/mask/min", shape: [], dtype: dtype)
            let additive = try emitInternal(.mul, context, suffix: "mask/scale", inputs: [inverted, minimum], shape: [b, 1, s, s], dtype: dtype, origin: origin)
            logits = try emitInternal(.add, context, suffix: "mask", inputs: [logits, additive], shape: [b, heads, s, s], dtype: dtype, origin: origin)
        }
        let probabilities = try emitInternal(
            .softmax, context, suffix: "softmax", inputs: [logits], shape: [b, heads, s, s], dtype: dtype, attributes: ["axis": .int(-1)], origin: origin)
        let attended = try emitInternal(
            .matMul, context, suffix: "context", inputs: [probabilities, projected[2]], shape: [b, heads, s, d], dtype: dtype, origin: origin)
        let merged = try emitInternal(
            .transpose, context, suffix: "merge_heads/transpose", inputs: [attended], shape: [b, s, heads, d], dtype: dtype,
            attributes: ["perm": .ints([0, 2, 1, 3])], origin: origin)
        try emitOutput(.reshape, context, inputs: [merged], shape: [b, s, hidden], dtype: dtype, origin: origin)
    }

    /// EmbedLayerNormalization(input_ids, segment_ids?, word, position, segment?, gamma, beta, mask?, position_ids?):
    /// the three gathers, the two embedding sums, LayerNorm; output 1 is the mask index [B].
    mutating func lowerEmbedLayerNorm(_ context: NodeContext) throws(InputError) {
        let origin = "EmbedLayerNormalization"
        let idsName = try context.input(0)
        let ids = try entry(idsName, context)
        guard ids.shape.count == 2 else {
            throw context.fail("input_ids has shape \(ids.shape); expected [batch, sequence]")
        }
        let (b, s) = (ids.shape[0], ids.shape[1])
        let word = try entry(try context.input(2), context)
        guard word.shape.count == 2 else { throw context.fail("word embedding table has shape \(word.shape)") }
        let hidden = word.shape[1]
        let dtype = word.dtype
        let idsID = try tensorID(idsName, context)
        let words = try emitInternal(
            .gather, context, suffix: "word", inputs: [try tensorID(try context.input(2), context), idsID], shape: [b, s, hidden], dtype: dtype, origin: origin)
        var sum = words
        if context.node.input.count > 4, !context.node.input[4].isEmpty, context.node.input.count > 1, !context.node.input[1].isEmpty {
            let segments = try emitInternal(
                .gather, context, suffix: "segment", inputs: [try tensorID(context.node.input[4], context), try tensorID(context.node.input[1], context)],
                shape: [b, s, hidden], dtype: dtype, origin: origin)
            sum = try emitInternal(.add, context, suffix: "add_segment", inputs: [sum, segments], shape: [b, s, hidden], dtype: dtype, origin: origin)
        }
        let positionIDs: TensorID
        if context.node.input.count > 8, !context.node.input[8].isEmpty {
            positionIDs = try tensorID(context.node.input[8], context)
        } else {
            positionIDs = try builder.constant("\(context.path)/position_ids", shape: [1, s], dtype: .int64)
        }
        let positions = try emitInternal(
            .gather, context, suffix: "position", inputs: [try tensorID(try context.input(3), context), positionIDs], shape: [1, s, hidden], dtype: dtype,
            origin: origin)
        sum = try emitInternal(.add, context, suffix: "add_position", inputs: [sum, positions], shape: [b, s, hidden], dtype: dtype, origin: origin)
        try emitOutput(
            .layerNorm, context, inputs: [sum, try tensorID(try context.input(5), context), try tensorID(try context.input(6), context)],
            shape: [b, s, hidden], dtype: dtype, attributes: ["axis": .int(-1), "epsilon": .float(context.float("epsilon") ?? 1e-12)],
            origin: origin)
        if context.node.output.count > 1, !context.node.output[1].isEmpty {
            let maskInputs: [TensorID] =
                context.node.input.count > 7 && !context.node.input[7].isEmpty ? [try tensorID(context.node.input[7], context)] : [idsID]
            try emitOutput(.reduceSum, context, inputs: maskInputs, shape: [b], dtype: .int32, output: 1, origin: origin)
        }
    }
}
