import Support
import ModelGraph

/// Normalisations: LayerNorm and its RMS form (RMSNormalization, onnxruntime's
/// SimplifiedLayerNormalization), group, instance and batch norms. Each is one IR op over the
/// data with its scale and shift; extra outputs (mean, inverse deviation) are per-row statistics.
extension OpRule {
    static func normalization(_ kind: OpKind) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            try lowering.lowerNormalization(kind, context, inputs: nil, origin: nil)
        }
    }
}

extension Lowering {
    /// The normalisation of input 0 (or of `inputs[0]` when a fused op supplies its own), with
    /// inputs 1 and 2 (LayerNorm's gamma and beta; BatchNorm's scale, bias, mean and variance).
    mutating func lowerNormalization(_ kind: OpKind, _ context: NodeContext, inputs override: [TensorID]?, origin: String?) throws(InputError) {
        let data = try input(0, context)
        let rank = data.shape.count
        let defaultAxis = kind == .batchNorm || kind == .instanceNorm || kind == .groupNorm ? 1 : -1
        let axis = try context.axis(context.int("axis") ?? defaultAxis, rank: rank)
        let epsilon = context.float("epsilon") ?? 1e-5
        var ids: [TensorID] = override ?? []
        if override == nil {
            let parameters = kind == .batchNorm ? 5 : 3
            for name in context.node.input.prefix(parameters) where !name.isEmpty { ids.append(try tensorID(name, context)) }
        }
        try emitOutput(
            kind, context, inputs: ids, shape: data.shape, dtype: data.dtype,
            attributes: ["axis": .int(axis), "epsilon": .float(epsilon)], origin: origin)
        // LayerNormalization's optional Mean and InvStdDev: one value per normalised row.
        for index in 1..<context.node.output.count where !context.node.output[index].isEmpty && kind != .batchNorm {
            let statistics = data.shape.enumerated().map { $0.offset < axis ? $0.element : 1 }
            try emitOutput(.reduceMean, context, inputs: [ids[0]], shape: statistics, dtype: data.dtype, output: index, origin: context.opType)
        }
    }
}
