import ModelGraph
import Support
import Foundation

extension EncoderConfig {
    /// Reads a Hugging Face `config.json` of a BERT-family encoder (`model_type` bert, roberta,
    /// xlm-roberta, distilbert, albert or electra; bert when absent). The four size fields are
    /// required; the rest take the family's transformers defaults when absent. A field that
    /// changes the computation in a way this tool does not model is refused, never ignored:
    /// relative position embeddings, decoders, cross-attention, an unknown activation.
    ///
    /// - Parameter source: the file's path, used in error messages.
    public init(huggingFaceJSON data: Data, source: String) throws(InputError) {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw InputError(
                source: source, place: Self.jsonErrorPlace(error, data: data),
                message: "is not valid JSON; fix the syntax there (a Hugging Face config.json is one JSON object)")
        }
        guard case .object(let fields) = document else {
            throw InputError(
                source: source, place: "top level",
                message: "is \(document.summary), not a JSON object; a Hugging Face config.json is one object of fields such as \"hidden_size\"")
        }
        let family: EncoderFamily
        switch fields["model_type"] {
        case nil: family = .bert
        case .string(let type)? where EncoderFamily(rawValue: type) != nil: family = EncoderFamily(rawValue: type)!
        case let other?:
            let known = EncoderFamily.allCases.map(\.modelType).joined(separator: ", ")
            throw InputError(
                source: source, place: "model_type",
                message: "is \(other.summary); this tool reads configs of \(known) encoders; for another transformer, export it to ONNX and pass --onnx")
        }
        let keys = ConfigKeys(family)
        // The family's best-known model, for "add it" hints.
        let reference = Self.presets.first { $0.family == family && ($0.family != .bert || $0.name == "bert-base-uncased") } ?? Self.presets[0]

        func integer(_ key: String, default fallback: Int?) throws(InputError) -> Int {
            guard let raw = fields[key] else {
                if let fallback { return fallback }
                throw InputError(source: source, place: key, message: "is missing; add it (\(reference.name) has \(keys.referenceValue(key, in: reference)))")
            }
            guard case .integer(let value) = raw else {
                throw InputError(source: source, place: key, message: "is \(raw.summary); it must be a whole number")
            }
            return value
        }

        try Self.refuseUnmodelledFields(fields, family: family, source: source)
        let defaults = ConfigKeys.defaults(family)
        let sourceName: String
        if case .string(let declared)? = fields["_name_or_path"], !declared.isEmpty {
            sourceName = declared
        } else {
            let url = URL(fileURLWithPath: source)
            sourceName =
                url.lastPathComponent == "config.json"
                ? url.deletingLastPathComponent().lastPathComponent
                : url.deletingPathExtension().lastPathComponent
        }
        let hidden = try integer(keys.hidden, default: nil)
        self.init(
            name: sourceName, family: family,
            hiddenSize: hidden,
            layerCount: try integer(keys.layers, default: nil),
            headCount: try integer(keys.heads, default: nil),
            intermediateSize: try integer(keys.intermediate, default: nil),
            vocabSize: try integer("vocab_size", default: defaults.vocabSize),
            maxPositionEmbeddings: try integer("max_position_embeddings", default: defaults.maxPositionEmbeddings),
            typeVocabSize: family == .distilbert ? 0 : try integer("type_vocab_size", default: defaults.typeVocabSize),
            hiddenActivation: defaults.hiddenActivation,
            layerNormEpsilon: defaults.layerNormEpsilon,
            embeddingSize: family == .albert || family == .electra ? try integer("embedding_size", default: defaults.embeddingSize) : hidden,
            hiddenGroups: family == .albert ? try integer("num_hidden_groups", default: 1) : nil,
            innerGroupLayers: family == .albert ? try integer("inner_group_num", default: 1) : 1,
            paddingIndex: try integer("pad_token_id", default: defaults.paddingIndex)
        )
        if let raw = fields[keys.activation] {
            guard case .string(let text) = raw, let activation = HiddenActivation(rawValue: text) else {
                let known = HiddenActivation.allCases.map(\.rawValue).joined(separator: ", ")
                throw InputError(source: source, place: keys.activation, message: "is \(raw.summary); this tool models the activations \(known)")
            }
            hiddenActivation = activation
        }
        // DistilBERT's LayerNorm epsilon is fixed in its code (1e-12); the others read it.
        if family != .distilbert {
            switch fields["layer_norm_eps"] {
            case nil: break
            case .integer(let value)?: layerNormEpsilon = Double(value)
            case .number(let value)?: layerNormEpsilon = value
            case let other?:
                throw InputError(source: source, place: "layer_norm_eps", message: "is \(other.summary); it must be a number such as 1e-12")
            }
        }
        try validate(source: source)
    }

    /// Fields whose other values change what the model computes in ways this tool does not
    /// model: refused with the value found and what is modelled, so a run never reports the
    /// numbers of another model.
    static func refuseUnmodelledFields(_ fields: [String: JSONValue], family: EncoderFamily, source: String) throws(InputError) {
        if let raw = fields["position_embedding_type"], raw != .string("absolute") {
            throw InputError(
                source: source, place: "position_embedding_type",
                message:
                    "is \(raw.summary); this tool models \"absolute\" position embeddings only (relative_key and relative_key_query add a distance embedding to every attention layer); export the model to ONNX and pass --onnx"
            )
        }
        if let raw = fields["is_decoder"], raw != .bool(false) {
            throw InputError(
                source: source, place: "is_decoder",
                message:
                    "is \(raw.summary); this tool models encoders (false): a decoder's causal self-attention is not modelled from a config; export it to ONNX and pass --onnx"
            )
        }
        if let raw = fields["add_cross_attention"], raw != .bool(false) {
            throw InputError(
                source: source, place: "add_cross_attention", message: "is \(raw.summary); this tool models encoders without cross-attention blocks (false)")
        }
    }

    /// Finds where the JSON breaks. JSONDecoder only says the data is invalid; JSONSerialization
    /// names the offending byte ("around character N"), which is turned into a line and column.
    private static func jsonErrorPlace(_ error: Error, data: Data) -> String {
        if data.isEmpty { return "line 1, column 1 (the file is empty)" }
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let text = "\((error as NSError).userInfo)"
            if let range = text.range(of: #"character \d+"#, options: .regularExpression),
                let offset = Int(text[range].dropFirst("character ".count))
            {
                return position(ofByte: offset, in: data)
            }
        }
        return "top level"
    }

    private static func position(ofByte offset: Int, in data: Data) -> String {
        var line = 1, column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return "line \(line), column \(column)"
    }
}

/// Where a family's config.json keeps each field, and the transformers defaults of the optional ones.
struct ConfigKeys {
    let hidden: String, layers: String, heads: String, intermediate: String, activation: String

    init(_ family: EncoderFamily) {
        if family == .distilbert {
            (hidden, layers, heads, intermediate, activation) = ("dim", "n_layers", "n_heads", "hidden_dim", "activation")
        } else {
            (hidden, layers, heads, intermediate, activation) = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act")
        }
    }

    /// The value a required field has in the family's reference preset, for "add it" hints.
    func referenceValue(_ key: String, in preset: EncoderConfig) -> Int {
        switch key {
        case hidden: preset.hiddenSize
        case layers: preset.layerCount
        case heads: preset.headCount
        default: preset.intermediateSize
        }
    }

    /// The defaults of each family's config class in transformers, for fields a file leaves out.
    static func defaults(_ family: EncoderFamily) -> EncoderConfig {
        let base = EncoderConfig(name: "", family: family, hiddenSize: 768, layerCount: 12, headCount: 12, intermediateSize: 3072)
        var config = base
        switch family {
        case .bert, .electra: break
        case .roberta: config.vocabSize = 50265; config.paddingIndex = 1
        case .xlmRoberta: config.paddingIndex = 1
        case .distilbert: config.typeVocabSize = 0
        case .albert: config.vocabSize = 30000; config.hiddenActivation = .geluNew
        }
        if family == .albert || family == .electra { config.embeddingSize = 128 }
        return config
    }
}
