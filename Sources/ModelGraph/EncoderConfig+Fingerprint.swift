import Support

extension EncoderConfig {
    /// A fingerprint of every field that shapes the graph, so a preset's provenance can be
    /// checked like a config file's: the same figures give the same fingerprint.
    public var fingerprint: String {
        let fields =
            "name=\(name) hidden=\(hiddenSize) layers=\(layerCount) heads=\(headCount) intermediate=\(intermediateSize) "
            + "vocab=\(vocabSize) positions=\(maxPositionEmbeddings) type_vocab=\(typeVocabSize) act=\(hiddenActivation.rawValue) eps=\(layerNormEpsilon)"
        return contentFingerprint(fields.utf8)
    }
}
