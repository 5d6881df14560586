import ModelGraph

/// Why an Add exists in a transformer's graph. Every Add gets exactly one category.
public enum AddCategory: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case embedding
    case attentionResidual = "attention_residual"
    case ffnResidual = "ffn_residual"
    case hiddenStateAggregation = "hidden_state_aggregation"
    case bias
    case attentionMask = "attention_mask"
    case maskPrep = "mask_prep"
    case layernorm
    case activation
    case rotary
    case relativePosition = "relative_position"
    case other

    /// The stable identifier used in JSON, CSV and page anchors.
    public var id: String { rawValue }

    public var title: String {
        switch self {
        case .embedding: "Embedding sum"
        case .attentionResidual: "Attention residual"
        case .ffnResidual: "FFN residual"
        case .hiddenStateAggregation: "Layer-output aggregation"
        case .bias: "Linear bias"
        case .attentionMask: "Attention mask"
        case .maskPrep: "Mask preparation"
        case .layernorm: "Norm internals"
        case .activation: "Activation internals"
        case .rotary: "Rotary position embedding"
        case .relativePosition: "Relative position"
        case .other: "Other"
        }
    }

    /// One sentence saying what the adds of this category do.
    public var explanation: String {
        switch self {
        case .embedding:
            "Token embeddings are summed with position (and token-type) embeddings, or image patches with a position table, before the first layer."
        case .attentionResidual:
            "The attention block's output is added back to its input (the skip connection): before the norm in post-LN models such as BERT, after it in pre-LN ones such as GPT-2, Llama, ViT and T5."
        case .ffnResidual: "The feed-forward block's output is added back to its input (the skip connection)."
        case .hiddenStateAggregation: "Hidden states of several layers are summed to pool features across depth."
        case .bias: "Every linear (or convolution) layer adds its bias vector, broadcast over all tokens."
        case .attentionMask:
            "The additive mask (0 or a large negative number) is added to the attention scores so padding, and in decoders future tokens, get no weight."
        case .maskPrep: "Arithmetic on the inputs that builds the additive mask or the position ids (RoBERTa's cumsum(ids ≠ pad) · mask + pad)."
        case .layernorm: "A LayerNorm or RMSNorm written as primitive ops adds its epsilon, and LayerNorm its beta shift."
        case .activation: "Adds inside an activation written as primitive ops: GELU's 1 + erf, or gelu_new's x + 0.044715·x³ and 1 + tanh."
        case .rotary: "Rotary position embedding turns queries and keys by their position: q·cos + rotate_half(q)·sin, and the same for k."
        case .relativePosition:
            "Relative-position attention: the bucket and index arithmetic, and the position bias or relative scores added to the attention scores (T5, MPNet, DeBERTa)."
        case .other: "Adds that match none of the patterns above."
        }
    }

    public static func < (a: AddCategory, b: AddCategory) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The four ways BERT's adds are usually explained, each a union of categories.
public enum AddGroup: String, Sendable, CaseIterable {
    case residualConnections = "residual_connections"
    case embeddingSummation = "embedding_summation"
    case layerOutputAggregation = "layer_output_aggregation"
    case multiHeadAttentionOutput = "multi_head_attention_output"

    public var title: String {
        switch self {
        case .residualConnections: "Residual connections"
        case .embeddingSummation: "Embedding summation"
        case .layerOutputAggregation: "Layer-output aggregation"
        case .multiHeadAttentionOutput: "Multi-head attention output"
        }
    }

    /// The categories whose adds this explanation covers.
    public var categories: [AddCategory] {
        switch self {
        case .residualConnections: [.attentionResidual, .ffnResidual]
        case .embeddingSummation: [.embedding]
        case .layerOutputAggregation: [.hiddenStateAggregation]
        // The heads are concatenated and projected by a matmul; the add that merges them back
        // into the stream is the attention residual.
        case .multiHeadAttentionOutput: [.attentionResidual]
        }
    }

    public var explanation: String {
        switch self {
        case .residualConnections:
            "Each encoder layer adds its attention block's and its feed-forward block's output back to their inputs, two skip connections per layer that keep gradients and information flowing through depth."
        case .embeddingSummation:
            "The token, segment (token type) and position embeddings are looked up separately and summed element-wise into one input vector per token."
        case .layerOutputAggregation:
            "Feature extractors often pool the hidden states of several layers, for example summing the last four, which adds one tensor per extra layer pooled."
        case .multiHeadAttentionOutput:
            "The attention heads are concatenated and projected by the output dense layer; that projection is added back to the layer's input through the attention residual (counted there too)."
        }
    }
}

extension AddCategory {
    /// The category of an add inside a fused kernel.
    init(_ role: EmbeddedAdd.Role) {
        switch role {
        case .activationInternal: self = .activation
        }
    }
}
