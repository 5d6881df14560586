import Foundation

/// The hyper-parameters that fix a BERT encoder's graph, as a Hugging Face `config.json` spells them.
///
/// ```swift
/// let base = BertConfig.preset(named: "bert-base-uncased")!
/// let mine = try BertConfig(huggingFaceJSON: data, source: "models/my-bert/config.json")
/// ```
public struct BertConfig: Sendable, Hashable, Codable {
    public var name: String
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var vocabSize: Int = 30522
    public var maxPositionEmbeddings: Int = 512
    public var typeVocabSize: Int = 2
    public var hiddenActivation: HiddenActivation = .gelu
    public var layerNormEpsilon: Double = 1e-12

    public init(name: String, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                vocabSize: Int = 30522, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
                hiddenActivation: HiddenActivation = .gelu, layerNormEpsilon: Double = 1e-12) {
        self.name = name
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.hiddenActivation = hiddenActivation
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Size of one attention head: hidden size / head count.
    public var headSize: Int { hiddenSize / headCount }

    /// The activation of the feed-forward block (`hidden_act`).
    public enum HiddenActivation: String, Sendable, Hashable, Codable, CaseIterable {
        /// Exact GELU, x·Φ(x) through erf.
        case gelu
        /// GELU's tanh approximation, under its three Hugging Face names.
        case geluNew = "gelu_new"
        case geluPytorchTanh = "gelu_pytorch_tanh"
        case geluFast = "gelu_fast"
        case relu
    }

    /// Checks the values against each other, so a bad config fails here with a clear message
    /// instead of producing an impossible graph later.
    public func validate(source: String) throws(GraphError) {
        let positive: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("num_hidden_layers", layerCount), ("num_attention_heads", headCount),
            ("intermediate_size", intermediateSize), ("vocab_size", vocabSize),
            ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize),
        ]
        for (field, value) in positive where value < 1 {
            throw GraphError(source: source, place: field, message: "is \(value); it must be at least 1")
        }
        if hiddenSize % headCount != 0 {
            throw GraphError(source: source, place: "hidden_size", message: "\(hiddenSize) is not divisible by num_attention_heads \(headCount); each head needs hidden_size / num_attention_heads features")
        }
        if !(layerNormEpsilon > 0) || !layerNormEpsilon.isFinite {
            throw GraphError(source: source, place: "layer_norm_eps", message: "is \(layerNormEpsilon); it must be a small positive number such as 1e-12")
        }
    }
}

// MARK: - Presets

extension BertConfig {
    /// The built-in models, by the names Hugging Face publishes them under.
    public static let presets: [BertConfig] = [
        BertConfig(name: "bert-tiny", hiddenSize: 128, layerCount: 2, headCount: 2, intermediateSize: 512),
        BertConfig(name: "bert-mini", hiddenSize: 256, layerCount: 4, headCount: 4, intermediateSize: 1024),
        BertConfig(name: "bert-small", hiddenSize: 512, layerCount: 4, headCount: 8, intermediateSize: 2048),
        BertConfig(name: "bert-medium", hiddenSize: 512, layerCount: 8, headCount: 8, intermediateSize: 2048),
        BertConfig(name: "bert-base-uncased", hiddenSize: 768, layerCount: 12, headCount: 12, intermediateSize: 3072),
        BertConfig(name: "bert-large-uncased", hiddenSize: 1024, layerCount: 24, headCount: 16, intermediateSize: 4096),
        BertConfig(name: "all-MiniLM-L6-v2", hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536),
    ]

    public static var presetNames: [String] { presets.map(\.name) }

    public static func preset(named name: String) -> BertConfig? {
        presets.first { $0.name == name }
    }
}

// MARK: - Hugging Face config.json

extension BertConfig {
    /// Reads a Hugging Face `config.json`. The four size fields are required; the rest take
    /// BertConfig's defaults when absent. Unknown fields are ignored.
    ///
    /// - Parameter source: the file's path, used in error messages.
    public init(huggingFaceJSON data: Data, source: String) throws(GraphError) {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw GraphError(source: source, place: Self.jsonErrorPlace(error, data: data), message: "is not valid JSON; fix the syntax there (a Hugging Face config.json is one JSON object)")
        }
        guard case .object(let fields) = document else {
            throw GraphError(source: source, place: "top level", message: "is \(document.summary), not a JSON object; a Hugging Face config.json is one object of fields such as \"hidden_size\"")
        }
        if let modelType = fields["model_type"], modelType != .string("bert") {
            throw GraphError(source: source, place: "model_type", message: "is \(modelType.summary), not \"bert\"; this tool models BertModel encoders")
        }

        func integer(_ key: String, default fallback: Int?) throws(GraphError) -> Int {
            guard let raw = fields[key] else {
                if let fallback { return fallback }
                throw GraphError(source: source, place: key, message: "is missing; add it (bert-base-uncased has \(Self.baseValue(key)))")
            }
            guard case .integer(let value) = raw else {
                throw GraphError(source: source, place: key, message: "is \(raw.summary); it must be a whole number")
            }
            return value
        }

        let sourceName: String
        if case .string(let declared)? = fields["_name_or_path"], !declared.isEmpty {
            sourceName = declared
        } else {
            let url = URL(fileURLWithPath: source)
            sourceName = url.lastPathComponent == "config.json"
                ? url.deletingLastPathComponent().lastPathComponent
                : url.deletingPathExtension().lastPathComponent
        }
        self.init(
            name: sourceName,
            hiddenSize: try integer("hidden_size", default: nil),
            layerCount: try integer("num_hidden_layers", default: nil),
            headCount: try integer("num_attention_heads", default: nil),
            intermediateSize: try integer("intermediate_size", default: nil),
            vocabSize: try integer("vocab_size", default: 30522),
            maxPositionEmbeddings: try integer("max_position_embeddings", default: 512),
            typeVocabSize: try integer("type_vocab_size", default: 2)
        )
        if let raw = fields["hidden_act"] {
            guard case .string(let text) = raw, let activation = HiddenActivation(rawValue: text) else {
                let known = HiddenActivation.allCases.map(\.rawValue).joined(separator: ", ")
                throw GraphError(source: source, place: "hidden_act", message: "is \(raw.summary); supported activations are \(known)")
            }
            hiddenActivation = activation
        }
        switch fields["layer_norm_eps"] {
        case nil: break
        case .integer(let value)?: layerNormEpsilon = Double(value)
        case .number(let value)?: layerNormEpsilon = value
        case let other?:
            throw GraphError(source: source, place: "layer_norm_eps", message: "is \(other.summary); it must be a number such as 1e-12")
        }
        try validate(source: source)
    }

    private static func baseValue(_ key: String) -> String {
        ["hidden_size": "768", "num_hidden_layers": "12", "num_attention_heads": "12", "intermediate_size": "3072"][key] ?? "?"
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
               let offset = Int(text[range].dropFirst("character ".count)) {
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

/// A parsed JSON value, keeping whole numbers apart from fractions and booleans apart from numbers,
/// so a config's `"hidden_size": true` or `768.5` is reported rather than coerced.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), integer(Int), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// A short description for error messages.
    var summary: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
