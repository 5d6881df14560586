/// Builds the graph that transformers' `BertModel` (eager attention, inference) executes for one
/// configuration, op by op, so that parameter and MAC counts match PyTorch exactly.
///
/// Dropout is the identity at inference and is left out. Weights are stored as the matrix the
/// MatMul reads ([in, out]); PyTorch keeps the transpose, which changes no count.
///
/// ```swift
/// let graph = try BertGraphBuilder(config: BertConfig.preset(named: "bert-base-uncased")!,
///                                  options: BertGraphOptions(sequenceLength: 128)).build()
/// graph.parameterCount // 109_482_240
/// ```
public struct BertGraphBuilder: Sendable {
    public let config: BertConfig
    public let options: BertGraphOptions
    /// Names the model's origin (preset name or config path) in errors.
    public let source: String

    public init(config: BertConfig, options: BertGraphOptions, source: String? = nil) {
        self.config = config
        self.options = options
        self.source = source ?? config.name
    }

    public func build() throws(GraphError) -> Graph {
        try config.validate(source: source)
        try validateOptions()

        let B = options.batch, S = options.sequenceLength, H = config.hiddenSize
        let A = config.headCount, D = config.headSize, I = config.intermediateSize
        let dtype = options.precision.dtype
        var g = GraphBuilder(name: config.name, source: source)

        // Inputs, as BertModel.forward receives them.
        let inputIDs = try g.input("input_ids", shape: [B, S], dtype: .int64)
        let tokenTypeIDs = try g.input("token_type_ids", shape: [B, S], dtype: .int64)
        let attentionMask = try g.input("attention_mask", shape: [B, S], dtype: .int64)

        // Additive mask, shared by every layer. transformers 5 builds a 4-D [B, 1, S, S] mask
        // (query × key positions; the exports show it) and turns it into 0 / dtype.min.
        let maskView = try g.op(.reshape, "extended_attention_mask.unsqueeze", [attentionMask], shape: [B, 1, 1, S], dtype: .int64)
        let maskExpanded = try g.op(.expand, "extended_attention_mask.expand", [maskView], shape: [B, 1, S, S], dtype: .int64)
        let maskCast = try g.op(.cast, "extended_attention_mask.cast", [maskExpanded], shape: [B, 1, S, S], dtype: dtype)
        let one = try g.constant("extended_attention_mask.one", shape: [], dtype: dtype)
        let inverted = try g.op(.sub, "extended_attention_mask.invert", [one, maskCast], shape: [B, 1, S, S], dtype: dtype)
        let minimum = try g.constant("extended_attention_mask.dtype_min", shape: [], dtype: dtype)
        let additiveMask = try g.op(.mul, "extended_attention_mask.scale", [inverted, minimum], shape: [B, 1, S, S], dtype: dtype)

        // Embeddings: word + token type, then + position (a registered buffer, sliced to S), LayerNorm.
        let wordTable = try g.parameter("embeddings.word_embeddings.weight", shape: [config.vocabSize, H], dtype: dtype)
        let positionTable = try g.parameter("embeddings.position_embeddings.weight", shape: [config.maxPositionEmbeddings, H], dtype: dtype)
        let typeTable = try g.parameter("embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, H], dtype: dtype)
        let positionBuffer = try g.constant("embeddings.position_ids", shape: [1, config.maxPositionEmbeddings], dtype: .int64)
        let positionIDs = try g.op(.slice, "embeddings.position_ids.slice", [positionBuffer], shape: [1, S], dtype: .int64,
                                   attributes: ["axis": .int(1), "start": .int(0), "end": .int(S)])
        let words = try g.op(.gather, "embeddings.word_embeddings", [wordTable, inputIDs], shape: [B, S, H], dtype: dtype)
        let types = try g.op(.gather, "embeddings.token_type_embeddings", [typeTable, tokenTypeIDs], shape: [B, S, H], dtype: dtype)
        let positions = try g.op(.gather, "embeddings.position_embeddings", [positionTable, positionIDs], shape: [1, S, H], dtype: dtype)
        let wordsAndTypes = try g.op(.add, "embeddings.add_token_type", [words, types], shape: [B, S, H], dtype: dtype)
        let summed = try g.op(.add, "embeddings.add_position", [wordsAndTypes, positions], shape: [B, S, H], dtype: dtype)
        var hidden = try layerNorm(&g, "embeddings.LayerNorm", summed, shape: [B, S, H], dtype: dtype)
        var hiddenStates = [hidden]

        for layer in 0..<config.layerCount {
            let p = "encoder.layer.\(layer)"
            // Self-attention: Q, K, V projections, heads split out.
            func heads(_ name: String, keyTransposed: Bool) throws(GraphError) -> TensorID {
                let projected = try linear(&g, "\(p).attention.self.\(name)", hidden, rows: [B, S], inFeatures: H, outFeatures: H, dtype: dtype)
                let split = try g.op(.reshape, "\(p).attention.self.\(name).split_heads", [projected], shape: [B, S, A, D], dtype: dtype)
                // K goes straight to [B, A, D, S]: transpose_for_scores then .transpose(-1, -2).
                return keyTransposed
                    ? try g.op(.transpose, "\(p).attention.self.\(name).transpose", [split], shape: [B, A, D, S], dtype: dtype, attributes: ["perm": .ints([0, 2, 3, 1])])
                    : try g.op(.transpose, "\(p).attention.self.\(name).transpose", [split], shape: [B, A, S, D], dtype: dtype, attributes: ["perm": .ints([0, 2, 1, 3])])
            }
            let query = try heads("query", keyTransposed: false)
            let keyT = try heads("key", keyTransposed: true)
            let value = try heads("value", keyTransposed: false)
            let scores = try g.op(.matMul, "\(p).attention.self.scores", [query, keyT], shape: [B, A, S, S], dtype: dtype)
            let scale = try g.constant("\(p).attention.self.scaling", shape: [], dtype: dtype)
            let scaled = try g.op(.mul, "\(p).attention.self.scale", [scores, scale], shape: [B, A, S, S], dtype: dtype)
            let masked = try g.op(.add, "\(p).attention.self.mask", [scaled, additiveMask], shape: [B, A, S, S], dtype: dtype)
            let probabilities = try g.op(.softmax, "\(p).attention.self.softmax", [masked], shape: [B, A, S, S], dtype: dtype, attributes: ["axis": .int(-1)])
            let context = try g.op(.matMul, "\(p).attention.self.context", [probabilities, value], shape: [B, A, S, D], dtype: dtype)
            let merged = try g.op(.transpose, "\(p).attention.self.merge_heads.transpose", [context], shape: [B, S, A, D], dtype: dtype, attributes: ["perm": .ints([0, 2, 1, 3])])
            let contextFlat = try g.op(.reshape, "\(p).attention.self.merge_heads", [merged], shape: [B, S, H], dtype: dtype)

            // Attention output: dense + bias, residual, LayerNorm.
            let attentionDense = try linear(&g, "\(p).attention.output.dense", contextFlat, rows: [B, S], inFeatures: H, outFeatures: H, dtype: dtype)
            let attentionSum = try g.op(.add, "\(p).attention.output.residual", [attentionDense, hidden], shape: [B, S, H], dtype: dtype)
            let attentionOut = try layerNorm(&g, "\(p).attention.output.LayerNorm", attentionSum, shape: [B, S, H], dtype: dtype)

            // Feed-forward: intermediate dense + bias, activation, output dense + bias, residual, LayerNorm.
            let intermediate = try linear(&g, "\(p).intermediate.dense", attentionOut, rows: [B, S], inFeatures: H, outFeatures: I, dtype: dtype)
            let activated = try activation(&g, "\(p).intermediate.intermediate_act_fn", intermediate, shape: [B, S, I], dtype: dtype)
            let ffnDense = try linear(&g, "\(p).output.dense", activated, rows: [B, S], inFeatures: I, outFeatures: H, dtype: dtype)
            let ffnSum = try g.op(.add, "\(p).output.residual", [ffnDense, attentionOut], shape: [B, S, H], dtype: dtype)
            hidden = try layerNorm(&g, "\(p).output.LayerNorm", ffnSum, shape: [B, S, H], dtype: dtype)
            hiddenStates.append(hidden)
        }

        // Pooler: first token, dense + bias, tanh.
        let firstToken = try g.op(.slice, "pooler.first_token", [hidden], shape: [B, H], dtype: dtype,
                                  attributes: ["axis": .int(1), "start": .int(0), "end": .int(1)])
        let pooledDense = try linear(&g, "pooler.dense", firstToken, rows: [B], inFeatures: H, outFeatures: H, dtype: dtype)
        let pooled = try g.op(.tanh, "pooler.activation", [pooledDense], shape: [B, H], dtype: dtype)

        var outputs = [hidden, pooled]
        if let aggregated = try aggregate(&g, hiddenStates, shape: [B, S, H], dtype: dtype) {
            outputs.append(aggregated)
        }
        return try g.finish(outputs: outputs)
    }

    private func validateOptions() throws(GraphError) {
        if options.batch < 1 {
            throw GraphError(source: source, place: "batch", message: "is \(options.batch); it must be at least 1")
        }
        if options.sequenceLength < 1 || options.sequenceLength > config.maxPositionEmbeddings {
            throw GraphError(source: source, place: "sequence length", message: "is \(options.sequenceLength); \(config.name) takes 1 to \(config.maxPositionEmbeddings) tokens (max_position_embeddings)")
        }
        if case .lastSum(let k) = options.aggregation, !(1...(config.layerCount + 1)).contains(k) {
            throw GraphError(source: source, place: "hidden-state aggregation", message: "last-\(k)-sum needs 1 ≤ K ≤ \(config.layerCount + 1) (the embedding output and \(config.layerCount) layer outputs)")
        }
    }

    /// `x · W + b`: a MatMul with the weight, then the bias Add (as nn.Linear's addmm is exported).
    private func linear(_ g: inout GraphBuilder, _ path: String, _ input: TensorID, rows: [Int], inFeatures: Int, outFeatures: Int, dtype: DType) throws(GraphError) -> TensorID {
        let weight = try g.parameter("\(path).weight", shape: [inFeatures, outFeatures], dtype: dtype)
        let bias = try g.parameter("\(path).bias", shape: [outFeatures], dtype: dtype)
        let product = try g.op(.matMul, "\(path).matmul", [input, weight], shape: rows + [outFeatures], dtype: dtype)
        return try g.op(.add, "\(path).add_bias", [product, bias], shape: rows + [outFeatures], dtype: dtype)
    }

    private func layerNorm(_ g: inout GraphBuilder, _ path: String, _ input: TensorID, shape: [Int], dtype: DType) throws(GraphError) -> TensorID {
        let gamma = try g.parameter("\(path).weight", shape: [shape.last!], dtype: dtype)
        let beta = try g.parameter("\(path).bias", shape: [shape.last!], dtype: dtype)
        return try g.op(.layerNorm, path, [input, gamma, beta], shape: shape, dtype: dtype,
                        attributes: ["axis": .int(-1), "epsilon": .float(config.layerNormEpsilon)])
    }

    private func activation(_ g: inout GraphBuilder, _ path: String, _ input: TensorID, shape: [Int], dtype: DType) throws(GraphError) -> TensorID {
        switch config.hiddenActivation {
        case .gelu:
            try g.op(.gelu, path, [input], shape: shape, dtype: dtype, attributes: ["approximate": .string("none")])
        case .geluNew, .geluFast, .geluPytorchTanh:
            try g.op(.gelu, path, [input], shape: shape, dtype: dtype, attributes: ["approximate": .string("tanh")])
        case .relu:
            try g.op(.relu, path, [input], shape: shape, dtype: dtype)
        }
    }

    /// Adds the layer-output aggregation: a chain of Adds over hidden states (and a division for the mean).
    private func aggregate(_ g: inout GraphBuilder, _ states: [TensorID], shape: [Int], dtype: DType) throws(GraphError) -> TensorID? {
        let chosen: [TensorID]
        switch options.aggregation {
        case .none: return nil
        case .lastSum(let k): chosen = Array(states.suffix(k))
        case .allMean: chosen = states
        }
        var sum = chosen[0]
        for (step, state) in chosen.dropFirst().enumerated() {
            sum = try g.op(.add, "hidden_states.sum.\(step)", [sum, state], shape: shape, dtype: dtype)
        }
        if case .allMean = options.aggregation {
            let count = try g.constant("hidden_states.count", shape: [], dtype: dtype)
            sum = try g.op(.div, "hidden_states.mean", [sum, count], shape: shape, dtype: dtype)
        }
        return sum
    }
}
