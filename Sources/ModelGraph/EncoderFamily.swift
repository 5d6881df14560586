/// The encoder families whose `config.json` the tool reads: BERT and the cousins that share its
/// layer (post-LN self-attention and feed-forward blocks) but differ around it — how position ids
/// are made, whether token types, an embedding projection, shared layers or a pooler exist.
public enum EncoderFamily: String, Sendable, Hashable, Codable, CaseIterable {
    case bert
    case roberta
    case xlmRoberta = "xlm-roberta"
    case distilbert
    case albert
    case electra

    /// The `model_type` a Hugging Face config.json gives.
    public var modelType: String { rawValue }

    /// The family as its authors write it.
    public var displayName: String {
        switch self {
        case .bert: "BERT"
        case .roberta: "RoBERTa"
        case .xlmRoberta: "XLM-RoBERTa"
        case .distilbert: "DistilBERT"
        case .albert: "ALBERT"
        case .electra: "ELECTRA"
        }
    }

    /// The base model class transformers builds (`RobertaModel`), whose counts the tests pin.
    public var modelClass: String {
        switch self {
        case .bert: "BertModel"
        case .roberta: "RobertaModel"
        case .xlmRoberta: "XLMRobertaModel"
        case .distilbert: "DistilBertModel"
        case .albert: "AlbertModel"
        case .electra: "ElectraModel"
        }
    }

    /// True when the model ends with a pooler (a dense layer and tanh on the first token).
    public var hasPooler: Bool {
        switch self {
        case .bert, .roberta, .xlmRoberta, .albert: true
        case .distilbert, .electra: false
        }
    }

    /// True when position ids are computed from the token ids, skipping padding
    /// (`cumsum(ids ≠ pad) · (ids ≠ pad) + pad`), rather than counted 0, 1, 2, ….
    public var positionsFromTokenIDs: Bool { self == .roberta || self == .xlmRoberta }
}
