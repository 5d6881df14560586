import ModelGraph
import Support

/// Builds the graph that transformers' base model of a BERT-family encoder (`BertModel`,
/// `RobertaModel`, `XLMRobertaModel`, `DistilBertModel`, `AlbertModel`, `ElectraModel`; eager
/// attention, inference) executes for one configuration, op by op, so that parameter and MAC
/// counts match PyTorch exactly.
///
/// Dropout is the identity at inference and is left out. Weights are stored as the matrix the
/// MatMul reads ([in, out]); PyTorch keeps the transpose, which changes no count. ALBERT's shared
/// layer weights are one set of parameters read by every layer that runs them.
///
/// ```swift
/// let graph = try EncoderGraphBuilder(config: EncoderConfig.preset(named: "bert-base-uncased")!,
///                                  options: GraphOptions(sequenceLength: 128)).build()
/// let parameters = graph.parameterCount // 109_482_240
/// ```
public struct EncoderGraphBuilder: Sendable {
    public let config: EncoderConfig
    public let options: GraphOptions
    /// Names the model's origin (preset name or config path) in errors.
    public let source: String

    public init(config: EncoderConfig, options: GraphOptions, source: String? = nil) {
        self.config = config
        self.options = options
        self.source = source ?? config.name
    }

    /// The weights of one encoder layer.
    struct LayerWeights {
        let query: Linear, key: Linear, value: Linear, attentionOutput: Linear
        let attentionNorm: Norm
        let intermediate: Linear, output: Linear
        let outputNorm: Norm
    }

    struct Linear { let weight: TensorID, bias: TensorID, inFeatures: Int, outFeatures: Int }
    struct Norm { let gamma: TensorID, beta: TensorID }

    public func build() throws(InputError) -> Graph {
        try config.validate(source: source)
        try validateOptions()

        let B = options.batch, S = options.sequenceLength, H = config.hiddenSize, E = config.embeddingSize
        let dtype = options.precision.dtype
        var g = GraphBuilder(name: config.name, source: source)

        // Inputs, as the model's forward receives them (DistilBERT takes no token types).
        let inputIDs = try g.input("input_ids", shape: [B, S], dtype: .int64)
        let tokenTypeIDs = config.typeVocabSize > 0 ? try g.input("token_type_ids", shape: [B, S], dtype: .int64) : nil
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

        // Embeddings: word (+ token type) + position, LayerNorm, at the embedding width.
        let wordTable = try g.parameter("embeddings.word_embeddings.weight", shape: [config.vocabSize, E], dtype: dtype)
        let positionTable = try g.parameter("embeddings.position_embeddings.weight", shape: [config.maxPositionEmbeddings, E], dtype: dtype)
        let positionIDs = try self.positionIDs(&g, inputIDs: inputIDs)
        var embedded = try g.op(.gather, "embeddings.word_embeddings", [wordTable, inputIDs], shape: [B, S, E], dtype: dtype)
        if let tokenTypeIDs {
            let typeTable = try g.parameter("embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, E], dtype: dtype)
            let types = try g.op(.gather, "embeddings.token_type_embeddings", [typeTable, tokenTypeIDs], shape: [B, S, E], dtype: dtype)
            embedded = try g.op(.add, "embeddings.add_token_type", [embedded, types], shape: [B, S, E], dtype: dtype)
        }
        let positionRows = g.shape(of: positionIDs)[0]
        let positions = try g.op(.gather, "embeddings.position_embeddings", [positionTable, positionIDs], shape: [positionRows, S, E], dtype: dtype)
        let summed = try g.op(.add, "embeddings.add_position", [embedded, positions], shape: [B, S, E], dtype: dtype)
        var hidden = try layerNorm(
            &g, try norm(&g, "embeddings.LayerNorm", width: E, dtype: dtype), "embeddings.LayerNorm", summed, shape: [B, S, E], dtype: dtype)
        if config.projectsEmbeddings {
            // ALBERT's embedding_hidden_mapping_in, ELECTRA's embeddings_project: E → H.
            let name = config.family == .albert ? "encoder.embedding_hidden_mapping_in" : "embeddings_project"
            hidden = try apply(&g, try linear(&g, name, inFeatures: E, outFeatures: H, dtype: dtype), name, hidden, rows: [B, S], dtype: dtype)
        }
        var hiddenStates = [hidden]

        // Encoder layers; ALBERT's share their weights by group.
        var weightSets: [Int: LayerWeights] = [:]
        for layer in 0..<config.layerCount {
            let group = layer * config.hiddenGroups / config.layerCount
            for inner in 0..<config.innerGroupLayers {
                let set = group * config.innerGroupLayers + inner
                if weightSets[set] == nil {
                    weightSets[set] = try layerWeights(&g, prefix: weightPrefix(group: group, inner: inner, layer: layer), dtype: dtype)
                }
                let executed = layer * config.innerGroupLayers + inner
                hidden = try encoderLayer(&g, "encoder.layer.\(executed)", hidden, weights: weightSets[set]!, mask: additiveMask, dtype: dtype)
            }
            hiddenStates.append(hidden)
        }

        var outputs = [hidden]
        if config.family.hasPooler {
            // Pooler: first token, dense + bias, tanh.
            let firstToken = try g.op(
                .slice, "pooler.first_token", [hidden], shape: [B, H], dtype: dtype,
                attributes: ["axis": .int(1), "start": .int(0), "end": .int(1)])
            let pooler = config.family == .albert ? "pooler" : "pooler.dense"
            let pooledDense = try apply(&g, try linear(&g, pooler, inFeatures: H, outFeatures: H, dtype: dtype), pooler, firstToken, rows: [B], dtype: dtype)
            outputs.append(try g.op(.tanh, "pooler.activation", [pooledDense], shape: [B, H], dtype: dtype))
        }
        if let aggregated = try aggregate(&g, hiddenStates, shape: [B, S, H], dtype: dtype) {
            outputs.append(aggregated)
        }
        return try g.finish(outputs: outputs)
    }

    /// Position ids: 0…S−1 sliced from a registered buffer, or, for RoBERTa and XLM-RoBERTa,
    /// counted from the token ids so padding keeps the padding position:
    /// `cumsum(ids ≠ pad) · (ids ≠ pad) + pad` (one add; the exporters drop the `+ 0` of an
    /// empty cache).
    private func positionIDs(_ g: inout GraphBuilder, inputIDs: TensorID) throws(InputError) -> TensorID {
        let (B, S) = (options.batch, options.sequenceLength)
        guard config.family.positionsFromTokenIDs else {
            let buffer = try g.constant("embeddings.position_ids", shape: [1, config.maxPositionEmbeddings], dtype: .int64)
            return try g.op(
                .slice, "embeddings.position_ids.slice", [buffer], shape: [1, S], dtype: .int64,
                attributes: ["axis": .int(1), "start": .int(0), "end": .int(S)])
        }
        let pad = try g.constant("embeddings.padding_idx", shape: [], dtype: .int64)
        let isPad = try g.op(.equal, "embeddings.position_ids.is_pad", [inputIDs, pad], shape: [B, S], dtype: .bool)
        let notPad = try g.op(.not, "embeddings.position_ids.not_pad", [isPad], shape: [B, S], dtype: .bool)
        let mask = try g.op(.cast, "embeddings.position_ids.mask", [notPad], shape: [B, S], dtype: .int32)
        let counted = try g.op(.cumSum, "embeddings.position_ids.cumsum", [mask], shape: [B, S], dtype: .int32, attributes: ["axis": .int(1)])
        let kept = try g.op(.mul, "embeddings.position_ids.keep_tokens", [counted, mask], shape: [B, S], dtype: .int32)
        let wide = try g.op(.cast, "embeddings.position_ids.long", [kept], shape: [B, S], dtype: .int64)
        return try g.op(.add, "embeddings.position_ids.add_padding_idx", [wide, pad], shape: [B, S], dtype: .int64)
    }

    /// Where a layer's weights are named in the model's state dict.
    private func weightPrefix(group: Int, inner: Int, layer: Int) -> String {
        switch config.family {
        case .albert: "encoder.albert_layer_groups.\(group).albert_layers.\(inner)"
        case .distilbert: "transformer.layer.\(layer)"
        default: "encoder.layer.\(layer)"
        }
    }

    private func layerWeights(_ g: inout GraphBuilder, prefix p: String, dtype: DType) throws(InputError) -> LayerWeights {
        let (H, I) = (config.hiddenSize, config.intermediateSize)
        return LayerWeights(
            query: try linear(&g, "\(p).attention.self.query", inFeatures: H, outFeatures: H, dtype: dtype),
            key: try linear(&g, "\(p).attention.self.key", inFeatures: H, outFeatures: H, dtype: dtype),
            value: try linear(&g, "\(p).attention.self.value", inFeatures: H, outFeatures: H, dtype: dtype),
            attentionOutput: try linear(&g, "\(p).attention.output.dense", inFeatures: H, outFeatures: H, dtype: dtype),
            attentionNorm: try norm(&g, "\(p).attention.output.LayerNorm", width: H, dtype: dtype),
            intermediate: try linear(&g, "\(p).intermediate.dense", inFeatures: H, outFeatures: I, dtype: dtype),
            output: try linear(&g, "\(p).output.dense", inFeatures: I, outFeatures: H, dtype: dtype),
            outputNorm: try norm(&g, "\(p).output.LayerNorm", width: H, dtype: dtype))
    }

    /// One post-LN encoder layer: self-attention, residual, LayerNorm, feed-forward, residual, LayerNorm.
    private func encoderLayer(
        _ g: inout GraphBuilder, _ p: String, _ hidden: TensorID, weights w: LayerWeights, mask additiveMask: TensorID,
        dtype: DType
    ) throws(InputError) -> TensorID {
        let B = options.batch, S = options.sequenceLength, H = config.hiddenSize
        let A = config.headCount, D = config.headSize, I = config.intermediateSize
        // Self-attention: Q, K, V projections, heads split out.
        func heads(_ name: String, _ weights: Linear, keyTransposed: Bool) throws(InputError) -> TensorID {
            let projected = try apply(&g, weights, "\(p).attention.self.\(name)", hidden, rows: [B, S], dtype: dtype)
            let split = try g.op(.reshape, "\(p).attention.self.\(name).split_heads", [projected], shape: [B, S, A, D], dtype: dtype)
            // K goes straight to [B, A, D, S]: transpose_for_scores then .transpose(-1, -2).
            return keyTransposed
                ? try g.op(
                    .transpose, "\(p).attention.self.\(name).transpose", [split], shape: [B, A, D, S], dtype: dtype, attributes: ["perm": .ints([0, 2, 3, 1])])
                : try g.op(
                    .transpose, "\(p).attention.self.\(name).transpose", [split], shape: [B, A, S, D], dtype: dtype, attributes: ["perm": .ints([0, 2, 1, 3])])
        }
        let query = try heads("query", w.query, keyTransposed: false)
        let keyT = try heads("key", w.key, keyTransposed: true)
        let value = try heads("value", w.value, keyTransposed: false)
        let scores = try g.op(.matMul, "\(p).attention.self.scores", [query, keyT], shape: [B, A, S, S], dtype: dtype)
        let scale = try g.constant("\(p).attention.self.scaling", shape: [], dtype: dtype)
        let scaled = try g.op(.mul, "\(p).attention.self.scale", [scores, scale], shape: [B, A, S, S], dtype: dtype)
        let masked = try g.op(.add, "\(p).attention.self.mask", [scaled, additiveMask], shape: [B, A, S, S], dtype: dtype)
        let probabilities = try g.op(.softmax, "\(p).attention.self.softmax", [masked], shape: [B, A, S, S], dtype: dtype, attributes: ["axis": .int(-1)])
        let context = try g.op(.matMul, "\(p).attention.self.context", [probabilities, value], shape: [B, A, S, D], dtype: dtype)
        let merged = try g.op(
            .transpose, "\(p).attention.self.merge_heads.transpose", [context], shape: [B, S, A, D], dtype: dtype, attributes: ["perm": .ints([0, 2, 1, 3])])
        let contextFlat = try g.op(.reshape, "\(p).attention.self.merge_heads", [merged], shape: [B, S, H], dtype: dtype)

        // Attention output: dense + bias, residual, LayerNorm.
        let attentionDense = try apply(&g, w.attentionOutput, "\(p).attention.output.dense", contextFlat, rows: [B, S], dtype: dtype)
        let attentionSum = try g.op(.add, "\(p).attention.output.residual", [attentionDense, hidden], shape: [B, S, H], dtype: dtype)
        let attentionOut = try layerNorm(&g, w.attentionNorm, "\(p).attention.output.LayerNorm", attentionSum, shape: [B, S, H], dtype: dtype)

        // Feed-forward: intermediate dense + bias, activation, output dense + bias, residual, LayerNorm.
        let intermediate = try apply(&g, w.intermediate, "\(p).intermediate.dense", attentionOut, rows: [B, S], dtype: dtype)
        let activated = try activation(&g, "\(p).intermediate.intermediate_act_fn", intermediate, shape: [B, S, I], dtype: dtype)
        let ffnDense = try apply(&g, w.output, "\(p).output.dense", activated, rows: [B, S], dtype: dtype)
        let ffnSum = try g.op(.add, "\(p).output.residual", [ffnDense, attentionOut], shape: [B, S, H], dtype: dtype)
        return try layerNorm(&g, w.outputNorm, "\(p).output.LayerNorm", ffnSum, shape: [B, S, H], dtype: dtype)
    }

    private func validateOptions() throws(InputError) {
        if options.batch < 1 {
            throw InputError(source: source, place: "batch", message: "is \(options.batch); it must be at least 1")
        }
        if options.sequenceLength < 1 || options.sequenceLength > config.maxSequenceLength {
            let why =
                config.family.positionsFromTokenIDs
                ? "max_position_embeddings \(config.maxPositionEmbeddings), less the \(config.paddingIndex + 1) positions up to the padding index"
                : "max_position_embeddings"
            throw InputError(
                source: source, place: "sequence length",
                message: "is \(options.sequenceLength); \(config.name) takes 1 to \(config.maxSequenceLength) tokens (\(why))")
        }
        if case .lastSum(let k) = options.aggregation, !(1...(config.layerCount + 1)).contains(k) {
            throw InputError(
                source: source, place: "hidden-state aggregation",
                message: "last-\(k)-sum needs 1 ≤ K ≤ \(config.layerCount + 1) (the embedding output and \(config.layerCount) layer outputs)")
        }
    }

    /// A linear layer's weight [in, out] and bias [out].
    private func linear(_ g: inout GraphBuilder, _ path: String, inFeatures: Int, outFeatures: Int, dtype: DType) throws(InputError) -> Linear {
        Linear(
            weight: try g.parameter("\(path).weight", shape: [inFeatures, outFeatures], dtype: dtype),
            bias: try g.parameter("\(path).bias", shape: [outFeatures], dtype: dtype), inFeatures: inFeatures, outFeatures: outFeatures)
    }

    /// `x · W + b`: a MatMul with the weight, then the bias Add (as nn.Linear's addmm is exported).
    private func apply(_ g: inout GraphBuilder, _ weights: Linear, _ path: String, _ input: TensorID, rows: [Int], dtype: DType) throws(InputError) -> TensorID
    {
        let product = try g.op(.matMul, "\(path).matmul", [input, weights.weight], shape: rows + [weights.outFeatures], dtype: dtype)
        return try g.op(.add, "\(path).add_bias", [product, weights.bias], shape: rows + [weights.outFeatures], dtype: dtype)
    }

    private func norm(_ g: inout GraphBuilder, _ path: String, width: Int, dtype: DType) throws(InputError) -> Norm {
        Norm(gamma: try g.parameter("\(path).weight", shape: [width], dtype: dtype), beta: try g.parameter("\(path).bias", shape: [width], dtype: dtype))
    }

    private func layerNorm(_ g: inout GraphBuilder, _ weights: Norm, _ path: String, _ input: TensorID, shape: [Int], dtype: DType) throws(InputError)
        -> TensorID
    {
        try g.op(
            .layerNorm, path, [input, weights.gamma, weights.beta], shape: shape, dtype: dtype,
            attributes: ["axis": .int(-1), "epsilon": .float(config.layerNormEpsilon)])
    }

    private func activation(_ g: inout GraphBuilder, _ path: String, _ input: TensorID, shape: [Int], dtype: DType) throws(InputError) -> TensorID {
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
    private func aggregate(_ g: inout GraphBuilder, _ states: [TensorID], shape: [Int], dtype: DType) throws(InputError) -> TensorID? {
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
