import Support
import Foundation
import Testing
import ConfigFrontend
@testable import ModelGraph

@Suite struct EncoderConfigTests {
    /// The config.json Hugging Face publishes for bert-base-uncased (fields that matter here).
    static let bertBaseJSON = """
        {
          "architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
          "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768,
          "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
          "num_hidden_layers": 12, "pad_token_id": 0, "type_vocab_size": 2, "vocab_size": 30522
        }
        """

    @Test func readsHuggingFaceConfigLikeThePreset() throws {
        let config = try EncoderConfig(huggingFaceJSON: Data(Self.bertBaseJSON.utf8), source: "models/bert-base-uncased/config.json")
        var preset = try #require(EncoderConfig.preset(named: "bert-base-uncased"))
        #expect(config.name == "bert-base-uncased")  // from the folder holding config.json
        preset.name = config.name
        #expect(config == preset)
    }

    @Test func missingFieldIsNamed() {
        let json = #"{"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12}"#
        #expect(throws: InputError(source: "c.json", place: "intermediate_size", message: "is missing; add it (bert-base-uncased has 3072)")) {
            try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json")
        }
    }

    @Test func hiddenNotDivisibleByHeadsIsRejected() {
        let json = #"{"hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 400}"#
        #expect(
            throws: InputError(
                source: "c.json", place: "hidden_size",
                message: "100 is not divisible by num_attention_heads 3; each head needs hidden_size / num_attention_heads features")
        ) {
            try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json")
        }
    }

    @Test func zeroLayersIsRejected() {
        let json = #"{"hidden_size": 128, "num_hidden_layers": 0, "num_attention_heads": 2, "intermediate_size": 512}"#
        #expect(throws: InputError(source: "c.json", place: "num_hidden_layers", message: "is 0; it must be at least 1")) {
            try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json")
        }
    }

    @Test func wrongTypesAreReportedNotCoerced() {
        let boolean = #"{"hidden_size": true, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 512}"#
        #expect(throws: InputError(source: "c.json", place: "hidden_size", message: "is true; it must be a whole number")) {
            try EncoderConfig(huggingFaceJSON: Data(boolean.utf8), source: "c.json")
        }
        let fraction = #"{"hidden_size": 128.5, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 512}"#
        #expect(throws: InputError.self) { try EncoderConfig(huggingFaceJSON: Data(fraction.utf8), source: "c.json") }
    }

    @Test func malformedJSONNamesLineAndColumn() throws {
        let json = "{\n  \"hidden_size\": 768,\n  \"num_hidden_layers\": 12,,\n}"
        do {
            _ = try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json")
            Issue.record("malformed JSON was accepted")
        } catch {
            #expect(error.source == "c.json")
            #expect(error.place.hasPrefix("line 3"), "place was \(error.place)")
        }
    }

    @Test func otherModelTypesAreRefused() {
        let json = #"{"model_type": "gpt2", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}"#
        #expect(throws: InputError.self) { try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json") }
    }

    @Test func sequenceLongerThanPositionsIsRejected() throws {
        let config = try #require(EncoderConfig.preset(named: "bert-tiny"))
        #expect(throws: InputError(source: "bert-tiny", place: "sequence length", message: "is 513; bert-tiny takes 1 to 512 tokens (max_position_embeddings)"))
        {
            try EncoderGraphBuilder(config: config, options: .init(sequenceLength: 513)).build()
        }
        #expect(throws: InputError.self) { try EncoderGraphBuilder(config: config, options: .init(batch: 0)).build() }
        #expect(throws: InputError.self) { try EncoderGraphBuilder(config: config, options: .init(aggregation: .lastSum(4))).build() }
    }

    @Test func aggregationSpellings() {
        #expect(HiddenStateAggregation(argument: "last-4-sum") == .lastSum(4))
        #expect(HiddenStateAggregation(argument: "all-mean") == .allMean)
        #expect(HiddenStateAggregation(argument: "none") == HiddenStateAggregation.none)
        #expect(HiddenStateAggregation(argument: "last-four-sum") == nil)
        #expect(HiddenStateAggregation.lastSum(4).description == "last-4-sum")
    }
}
