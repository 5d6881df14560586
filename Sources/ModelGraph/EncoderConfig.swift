import Support
import Foundation

/// The hyper-parameters that fix the graph of a BERT-family encoder (BERT, RoBERTa,
/// XLM-RoBERTa, DistilBERT, ALBERT, ELECTRA), as a Hugging Face `config.json` spells them.
///
/// ```swift
/// let base = EncoderConfig.preset(named: "bert-base-uncased")!
/// let mine = try EncoderConfig(huggingFaceJSON: data, source: "models/my-roberta/config.json")
/// ```
public struct EncoderConfig: Sendable, Hashable, Codable {
    public var name: String
    public var family: EncoderFamily
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var maxPositionEmbeddings: Int
    /// Rows of the token-type table; 0 when the family has none (DistilBERT).
    public var typeVocabSize: Int
    public var hiddenActivation: HiddenActivation
    public var layerNormEpsilon: Double
    /// Width of the embedding tables: the hidden size, except ALBERT's and ELECTRA's smaller
    /// tables, projected up to the hidden size by a linear layer.
    public var embeddingSize: Int
    /// Distinct sets of layer weights (ALBERT's `num_hidden_groups`): layer i runs the weights of
    /// group ⌊i / (layers / groups)⌋. Every other family has one set per layer.
    public var hiddenGroups: Int
    /// Layers run in sequence inside each group (ALBERT's `inner_group_num`), 1 elsewhere.
    public var innerGroupLayers: Int
    /// The padding token's id: RoBERTa's position ids count up from it.
    public var paddingIndex: Int

    public init(
        name: String, family: EncoderFamily = .bert, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
        vocabSize: Int = 30522, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
        hiddenActivation: HiddenActivation = .gelu, layerNormEpsilon: Double = 1e-12,
        embeddingSize: Int? = nil, hiddenGroups: Int? = nil, innerGroupLayers: Int = 1, paddingIndex: Int = 0
    ) {
        self.name = name
        self.family = family
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.hiddenActivation = hiddenActivation
        self.layerNormEpsilon = layerNormEpsilon
        self.embeddingSize = embeddingSize ?? hiddenSize
        self.hiddenGroups = hiddenGroups ?? layerCount
        self.innerGroupLayers = innerGroupLayers
        self.paddingIndex = paddingIndex
    }

    /// Size of one attention head: hidden size / head count.
    public var headSize: Int { hiddenSize / headCount }

    /// True when a linear layer projects the embeddings to the hidden size: ALBERT always,
    /// ELECTRA when its tables are narrower than the hidden size.
    public var projectsEmbeddings: Bool { family == .albert || embeddingSize != hiddenSize }

    /// Layer weight sets the model holds: ALBERT shares them across layers.
    public var distinctLayers: Int { family == .albert ? hiddenGroups * innerGroupLayers : layerCount }

    /// Layers a forward pass runs: ALBERT runs every group's inner layers at each of its layers.
    public var executedLayers: Int { family == .albert ? layerCount * innerGroupLayers : layerCount }

    /// The longest sequence the position table serves: RoBERTa's positions start after the
    /// padding index, so 514 rows serve 512 tokens.
    public var maxSequenceLength: Int {
        family.positionsFromTokenIDs ? maxPositionEmbeddings - paddingIndex - 1 : maxPositionEmbeddings
    }

    /// The activation of the feed-forward block (`hidden_act`).
    public enum HiddenActivation: String, Sendable, Hashable, Codable, CaseIterable {
        /// Exact GELU, x·Φ(x) through erf.
        case gelu
        /// GELU's tanh approximation, under its three Hugging Face names. The model costs it as
        /// GELU: one vector-engine operation per element, like the exact form.
        case geluNew = "gelu_new"
        case geluPytorchTanh = "gelu_pytorch_tanh"
        case geluFast = "gelu_fast"
        case relu

        /// True for the approximations the model costs exactly like GELU.
        public var isCostedAsGELU: Bool { self == .geluNew || self == .geluPytorchTanh || self == .geluFast }
    }

    /// Checks the values against each other, so a bad config fails here with a clear message
    /// instead of producing an impossible graph later.
    public func validate(source: String) throws(InputError) {
        let positive: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("num_hidden_layers", layerCount), ("num_attention_heads", headCount),
            ("intermediate_size", intermediateSize), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings), ("embedding_size", embeddingSize),
            ("num_hidden_groups", hiddenGroups), ("inner_group_num", innerGroupLayers)
        ]
        for (field, value) in positive where value < 1 {
            throw InputError(source: source, place: field, message: "is \(value); it must be at least 1")
        }
        if typeVocabSize < 0 {
            throw InputError(source: source, place: "type_vocab_size", message: "is \(typeVocabSize); it must be 0 or more")
        }
        if hiddenSize % headCount != 0 {
            throw InputError(
                source: source, place: "hidden_size",
                message: "\(hiddenSize) is not divisible by num_attention_heads \(headCount); each head needs hidden_size / num_attention_heads features")
        }
        if hiddenGroups > layerCount {
            throw InputError(
                source: source, place: "num_hidden_groups",
                message: "is \(hiddenGroups), more than the \(layerCount) layers; each group serves at least one layer")
        }
        if paddingIndex < 0 || paddingIndex >= vocabSize {
            throw InputError(source: source, place: "pad_token_id", message: "is \(paddingIndex); it must be a token id below vocab_size \(vocabSize)")
        }
        if maxSequenceLength < 1 {
            throw InputError(
                source: source, place: "max_position_embeddings",
                message:
                    "is \(maxPositionEmbeddings); \(family.displayName) positions start after pad_token_id \(paddingIndex), so it must be at least \(paddingIndex + 2)"
            )
        }
        if !(layerNormEpsilon > 0) || !layerNormEpsilon.isFinite {
            throw InputError(source: source, place: "layer_norm_eps", message: "is \(layerNormEpsilon); it must be a small positive number such as 1e-12")
        }
    }
}
