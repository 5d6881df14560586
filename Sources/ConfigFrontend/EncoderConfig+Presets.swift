import ModelGraph
extension EncoderConfig {
    /// The built-in models, by the names Hugging Face publishes them under, with the
    /// hyper-parameters of their published config.json files.
    public static let presets: [EncoderConfig] = [
        EncoderConfig(name: "bert-tiny", hiddenSize: 128, layerCount: 2, headCount: 2, intermediateSize: 512),
        EncoderConfig(name: "bert-mini", hiddenSize: 256, layerCount: 4, headCount: 4, intermediateSize: 1024),
        EncoderConfig(name: "bert-small", hiddenSize: 512, layerCount: 4, headCount: 8, intermediateSize: 2048),
        EncoderConfig(name: "bert-medium", hiddenSize: 512, layerCount: 8, headCount: 8, intermediateSize: 2048),
        EncoderConfig(name: "bert-base-uncased", hiddenSize: 768, layerCount: 12, headCount: 12, intermediateSize: 3072),
        EncoderConfig(name: "bert-large-uncased", hiddenSize: 1024, layerCount: 24, headCount: 16, intermediateSize: 4096),
        EncoderConfig(name: "all-MiniLM-L6-v2", hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536),
        EncoderConfig(
            name: "roberta-base", family: .roberta, hiddenSize: 768, layerCount: 12, headCount: 12, intermediateSize: 3072,
            vocabSize: 50265, maxPositionEmbeddings: 514, typeVocabSize: 1, layerNormEpsilon: 1e-5, paddingIndex: 1),
        EncoderConfig(
            name: "xlm-roberta-base", family: .xlmRoberta, hiddenSize: 768, layerCount: 12, headCount: 12, intermediateSize: 3072,
            vocabSize: 250_002, maxPositionEmbeddings: 514, typeVocabSize: 1, layerNormEpsilon: 1e-5, paddingIndex: 1),
        EncoderConfig(
            name: "distilbert-base-uncased", family: .distilbert, hiddenSize: 768, layerCount: 6, headCount: 12, intermediateSize: 3072,
            typeVocabSize: 0),
        EncoderConfig(
            name: "albert-base-v2", family: .albert, hiddenSize: 768, layerCount: 12, headCount: 12, intermediateSize: 3072,
            vocabSize: 30000, hiddenActivation: .geluNew, embeddingSize: 128, hiddenGroups: 1),
        EncoderConfig(
            name: "electra-small-discriminator", family: .electra, hiddenSize: 256, layerCount: 12, headCount: 4, intermediateSize: 1024,
            embeddingSize: 128)
    ]

    public static var presetNames: [String] { presets.map(\.name) }

    public static func preset(named name: String) -> EncoderConfig? {
        presets.first { $0.name == name }
    }
}
