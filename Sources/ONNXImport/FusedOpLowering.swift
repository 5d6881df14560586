import ModelGraph

/// onnxruntime's fused operators, lowered to the primitive ops the BERT builder produces so the
/// KPU model and the report treat them alike. Every op they expand to carries the fused op's
/// name as its `origin`, which the add taxonomy reports as `fused_in`.
extension Lowering {
    /// SkipLayerNormalization(input, skip, gamma, beta?, bias?): (input + bias) + skip, then LayerNorm.
    mutating func lowerSkipLayerNorm(_ context: inout NodeContext) throws(GraphError) {
        let origin = "SkipLayerNormalization"
        let inputName = try context.input(0), skipName = try context.input(1), gammaName = try context.input(2)
        let input = try entry(inputName, context.node, context.position)
        let skip = try entry(skipName, context.node, context.position)
        let shape = try broadcast(input.shape, skip.shape, context)
        var current = try tensorID(inputName, context.node, context.position)
        if context.node.input.count > 4, !context.node.input[4].isEmpty {
            let bias = try tensorID(context.node.input[4], context.node, context.position)
            current = try emitInternal(.add, context, suffix: "bias", inputs: [current, bias], shape: input.shape, dtype: input.dtype, origin: origin)
        }
        let sum = try emitInternal(.add, context, suffix: "residual", inputs: [current, try tensorID(skipName, context.node, context.position)],
                                   shape: shape, dtype: input.dtype, origin: origin)
        var normInputs = [sum, try tensorID(gammaName, context.node, context.position)]
        if context.node.input.count > 3, !context.node.input[3].isEmpty { normInputs.append(try tensorID(context.node.input[3], context.node, context.position)) }
        let output = try context.output(0)
        let id = try builder.op(.layerNorm, context.path, normInputs, shape: shape, dtype: input.dtype,
                                attributes: ["axis": .int(-1), "epsilon": .float(context.float("epsilon") ?? 1e-12)], origin: origin, outputName: output)
        entries[output] = Entry(id: id, shape: shape, dtype: input.dtype, value: nil)
        // Output 3 is input + skip (+ bias), when a later node reads it.
        if context.node.output.count > 3, !context.node.output[3].isEmpty {
            entries[context.node.output[3]] = Entry(id: sum, shape: shape, dtype: input.dtype, value: nil)
        }
    }

    /// BiasGelu(x, bias), FastGelu(x, bias?), Gelu(x): an optional bias add, then the GELU, whose
    /// `1 + erf(…)` (or `1 + tanh(…)`) is recorded as an add inside the GELU.
    mutating func lowerGelu(_ context: inout NodeContext) throws(GraphError) {
        let origin = context.node.opType
        let inputName = try context.input(0)
        let input = try entry(inputName, context.node, context.position)
        var current = try tensorID(inputName, context.node, context.position)
        if context.node.input.count > 1, !context.node.input[1].isEmpty {
            let biasName = context.node.input[1]
            _ = try broadcast(input.shape, try entry(biasName, context.node, context.position).shape, context)
            current = try emitInternal(.add, context, suffix: "bias", inputs: [current, try tensorID(biasName, context.node, context.position)],
                                       shape: input.shape, dtype: input.dtype, origin: origin)
        }
        let output = try context.output(0)
        let approximate = origin == "FastGelu" ? "tanh" : "none"
        let id = try builder.op(.gelu, context.path, [current], shape: input.shape, dtype: input.dtype,
                                attributes: ["approximate": .string(approximate)], origin: origin, outputName: output)
        builder.embeddedAdd(in: id, origin: origin, role: "activation")
        entries[output] = Entry(id: id, shape: input.shape, dtype: input.dtype, value: nil)
    }

    /// Attention(input, packed QKV weight, packed bias, mask_index?): Q, K and V projections with
    /// their biases, heads split, QKᵀ, scale, additive mask, softmax, ·V, heads merged.
    mutating func lowerAttention(_ context: inout NodeContext) throws(GraphError) {
        let origin = "Attention"
        let inputName = try context.input(0), weightName = try context.input(1)
        let input = try entry(inputName, context.node, context.position)
        guard input.shape.count == 3 else {
            throw GraphError(source: source, place: context.place, message: "input has shape \(input.shape); Attention expects [batch, sequence, hidden]")
        }
        let (b, s) = (input.shape[0], input.shape[1])
        guard let heads = context.int("num_heads"), heads > 0 else {
            throw GraphError(source: source, place: context.place, message: "has no positive num_heads attribute")
        }
        guard let weights = splitParameters[weightName], weights.count == 3 else {
            throw GraphError(source: source, place: context.place, message: "weight '\(weightName)' is not an initializer of shape [hidden, 3 × hidden]")
        }
        let hidden = builder.shape(of: weights[0]).last ?? 0
        guard hidden % heads == 0 else {
            throw GraphError(source: source, place: context.place, message: "hidden size \(hidden) is not divisible by num_heads \(heads)")
        }
        let d = hidden / heads
        let dtype = input.dtype
        let biases = context.node.input.count > 2 ? splitParameters[context.node.input[2]] : nil
        let x = try tensorID(inputName, context.node, context.position)
        var projected: [TensorID] = []
        for (index, name) in ["query", "key", "value"].enumerated() {
            var t = try emitInternal(.matMul, context, suffix: "\(name)/matmul", inputs: [x, weights[index]], shape: [b, s, hidden], dtype: dtype, origin: origin)
            if let biases, biases.count == 3 {
                t = try emitInternal(.add, context, suffix: "\(name)/bias", inputs: [t, biases[index]], shape: [b, s, hidden], dtype: dtype, origin: origin)
            }
            let split = try emitInternal(.reshape, context, suffix: "\(name)/split_heads", inputs: [t], shape: [b, s, heads, d], dtype: dtype, origin: origin)
            let transposed = index == 1
                ? try emitInternal(.transpose, context, suffix: "\(name)/transpose", inputs: [split], shape: [b, heads, d, s], dtype: dtype, attributes: ["perm": .ints([0, 2, 3, 1])], origin: origin)
                : try emitInternal(.transpose, context, suffix: "\(name)/transpose", inputs: [split], shape: [b, heads, s, d], dtype: dtype, attributes: ["perm": .ints([0, 2, 1, 3])], origin: origin)
            projected.append(transposed)
        }
        let scores = try emitInternal(.matMul, context, suffix: "scores", inputs: [projected[0], projected[1]], shape: [b, heads, s, s], dtype: dtype, origin: origin)
        let scale = try builder.constant("\(context.path)/scale", shape: [], dtype: dtype)
        var logits = try emitInternal(.mul, context, suffix: "scale", inputs: [scores, scale], shape: [b, heads, s, s], dtype: dtype, origin: origin)
        if context.node.input.count > 3, !context.node.input[3].isEmpty {
            // mask_index: a raw [B, S] 0/1 mask, or per-sequence lengths [B] that the kernel
            // compares with key positions. Either becomes the additive [B, 1, S, S] mask the
            // unfused graph builds, so fused and unfused exports are costed alike.
            let mask = try tensorID(context.node.input[3], context.node, context.position)
            let maskElements = checkedElementCount(builder.shape(of: mask)) ?? 0
            let rows = maskElements == b * s
                ? try emitInternal(.reshape, context, suffix: "mask/view", inputs: [mask], shape: [b, 1, 1, s], dtype: builder.dtype(of: mask), origin: origin)
                : try emitInternal(.greaterOrEqual, context, suffix: "mask/from_lengths", inputs: [mask], shape: [b, 1, 1, s], dtype: .bool, origin: origin)
            let expanded = try emitInternal(.expand, context, suffix: "mask/expand", inputs: [rows], shape: [b, 1, s, s], dtype: builder.dtype(of: rows), origin: origin)
            let cast = try emitInternal(.cast, context, suffix: "mask/cast", inputs: [expanded], shape: [b, 1, s, s], dtype: dtype, origin: origin)
            let one = try builder.constant("\(context.path)/mask/one", shape: [], dtype: dtype)
            let inverted = try emitInternal(.sub, context, suffix: "mask/invert", inputs: [one, cast], shape: [b, 1, s, s], dtype: dtype, origin: origin)
            let minimum = try builder.constant("\(context.path)/mask/min", shape: [], dtype: dtype)
            let additive = try emitInternal(.mul, context, suffix: "mask/scale", inputs: [inverted, minimum], shape: [b, 1, s, s], dtype: dtype, origin: origin)
            logits = try emitInternal(.add, context, suffix: "mask", inputs: [logits, additive], shape: [b, heads, s, s], dtype: dtype, origin: origin)
        }
        let probabilities = try emitInternal(.softmax, context, suffix: "softmax", inputs: [logits], shape: [b, heads, s, s], dtype: dtype, attributes: ["axis": .int(-1)], origin: origin)
        let attended = try emitInternal(.matMul, context, suffix: "context", inputs: [probabilities, projected[2]], shape: [b, heads, s, d], dtype: dtype, origin: origin)
        let merged = try emitInternal(.transpose, context, suffix: "merge_heads/transpose", inputs: [attended], shape: [b, s, heads, d], dtype: dtype, attributes: ["perm": .ints([0, 2, 1, 3])], origin: origin)
        let output = try context.output(0)
        let id = try builder.op(.reshape, context.path, [merged], shape: [b, s, hidden], dtype: dtype, origin: origin, outputName: output)
        entries[output] = Entry(id: id, shape: [b, s, hidden], dtype: dtype, value: nil)
    }

    /// EmbedLayerNormalization(input_ids, segment_ids?, word, position, segment?, gamma, beta, mask?, position_ids?):
    /// the three gathers, the two embedding sums, LayerNorm; output 1 is the mask index [B].
    mutating func lowerEmbedLayerNorm(_ context: inout NodeContext) throws(GraphError) {
        let origin = "EmbedLayerNormalization"
        let idsName = try context.input(0)
        let ids = try entry(idsName, context.node, context.position)
        guard ids.shape.count == 2 else {
            throw GraphError(source: source, place: context.place, message: "input_ids has shape \(ids.shape); expected [batch, sequence]")
        }
        let (b, s) = (ids.shape[0], ids.shape[1])
        let word = try entry(try context.input(2), context.node, context.position)
        guard word.shape.count == 2 else { throw GraphError(source: source, place: context.place, message: "word embedding table has shape \(word.shape)") }
        let hidden = word.shape[1]
        let dtype = word.dtype
        let idsID = try tensorID(idsName, context.node, context.position)
        let words = try emitInternal(.gather, context, suffix: "word", inputs: [try tensorID(try context.input(2), context.node, context.position), idsID], shape: [b, s, hidden], dtype: dtype, origin: origin)
        var sum = words
        if context.node.input.count > 4, !context.node.input[4].isEmpty, context.node.input.count > 1, !context.node.input[1].isEmpty {
            let segments = try emitInternal(.gather, context, suffix: "segment", inputs: [try tensorID(context.node.input[4], context.node, context.position), try tensorID(context.node.input[1], context.node, context.position)], shape: [b, s, hidden], dtype: dtype, origin: origin)
            sum = try emitInternal(.add, context, suffix: "add_segment", inputs: [sum, segments], shape: [b, s, hidden], dtype: dtype, origin: origin)
        }
        let positionIDs: TensorID
        if context.node.input.count > 8, !context.node.input[8].isEmpty {
            positionIDs = try tensorID(context.node.input[8], context.node, context.position)
        } else {
            positionIDs = try builder.constant("\(context.path)/position_ids", shape: [1, s], dtype: .int64)
        }
        let positions = try emitInternal(.gather, context, suffix: "position", inputs: [try tensorID(try context.input(3), context.node, context.position), positionIDs], shape: [1, s, hidden], dtype: dtype, origin: origin)
        sum = try emitInternal(.add, context, suffix: "add_position", inputs: [sum, positions], shape: [b, s, hidden], dtype: dtype, origin: origin)
        let output = try context.output(0)
        let id = try builder.op(.layerNorm, context.path, [sum, try tensorID(try context.input(5), context.node, context.position), try tensorID(try context.input(6), context.node, context.position)],
                                shape: [b, s, hidden], dtype: dtype, attributes: ["axis": .int(-1), "epsilon": .float(context.float("epsilon") ?? 1e-12)],
                                origin: origin, outputName: output)
        entries[output] = Entry(id: id, shape: [b, s, hidden], dtype: dtype, value: nil)
        if context.node.output.count > 1, !context.node.output[1].isEmpty {
            let maskInputs: [TensorID] = context.node.input.count > 7 && !context.node.input[7].isEmpty ? [try tensorID(context.node.input[7], context.node, context.position)] : [idsID]
            let maskIndex = try builder.op(.reduceSum, "\(context.path):1", maskInputs, shape: [b], dtype: .int32, origin: origin, outputName: context.node.output[1])
            entries[context.node.output[1]] = Entry(id: maskIndex, shape: [b], dtype: .int32, value: nil)
        }
    }
}
