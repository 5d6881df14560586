/// Why an Add exists in a BERT graph. Every Add gets exactly one category.
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
        case .layernorm: "LayerNorm internals"
        case .activation: "Activation internals"
        case .other: "Other"
        }
    }

    /// One sentence saying what the adds of this category do.
    public var explanation: String {
        switch self {
        case .embedding: "Word, token-type and position embeddings are summed element-wise before the first LayerNorm."
        case .attentionResidual: "The attention block's output is added back to its input (the skip connection) before LayerNorm."
        case .ffnResidual: "The feed-forward block's output is added back to its input before LayerNorm."
        case .hiddenStateAggregation: "Hidden states of several layers are summed to pool features across depth."
        case .bias: "Every linear layer adds its bias vector, broadcast over all tokens."
        case .attentionMask: "The additive mask (0 or a large negative number) is added to the attention scores so padding gets no weight."
        case .maskPrep: "Arithmetic on the raw 0/1 mask that turns it into the additive form."
        case .layernorm: "A LayerNorm written as primitive ops adds its epsilon and its beta shift."
        case .activation: "A GELU written as primitive ops adds one to erf or tanh."
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
