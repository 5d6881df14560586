import Support
import Foundation
import TestFixtures
import Testing
import ConfigFrontend
@testable import ModelGraph

/// BERT's cousins, pinned to PyTorch: torch 2.15 / transformers 5.25, each family's base model
/// class built from its config class with the published hyper-parameters (eval, eager
/// attention), `sum(p.numel() for p in model.parameters())` and FlopCounterMode's FLOPs / 2
/// (scripts/reference/measure-encoders.py).
@Suite struct EncoderFamilyTests {
    static func graph(_ config: EncoderConfig, batch: Int = 1, seq: Int = 128) throws -> Graph {
        try EncoderGraphBuilder(config: config, options: GraphOptions(batch: batch, sequenceLength: seq)).build()
    }

    @Test(arguments: [
        // (preset, parameters, MACs at 1×128, at 2×64, at 1×512)
        ("roberta-base", 124_645_632, 11_174_215_680, 11_023_810_560, 48_318_971_904),
        ("xlm-roberta-base", 278_043_648, 11_174_215_680, 11_023_810_560, 48_318_971_904),
        ("distilbert-base-uncased", 66_362_880, 5_586_812_928, 5_511_315_456, 24_159_191_040),
        // One layer's weights, run 12 times; the 128 → 768 embedding projection.
        ("albert-base-v2", 11_683_584, 11_186_798_592, 11_036_393_472, 48_369_303_552),
        // 128-wide embeddings projected to 256; no pooler.
        ("electra-small-discriminator", 13_483_008, 1_312_817_152, 1_262_485_504, 6_459_228_160)
    ])
    func presetCountsMatchPyTorch(preset: String, parameters: Int, macs128: Int, macs2x64: Int, macs512: Int) throws {
        let config = try #require(EncoderConfig.preset(named: preset))
        #expect(try Self.graph(config).parameterCount == parameters)
        #expect(try Self.graph(config).macCount == macs128)
        #expect(try Self.graph(config, batch: 2, seq: 64).macCount == macs2x64)
        #expect(try Self.graph(config, seq: 512).macCount == macs512)
    }

    @Test(arguments: ["roberta-base", "xlm-roberta-base", "distilbert-base-uncased", "albert-base-v2", "electra-small-discriminator"])
    func publishedConfigReadsLikeThePreset(name: String) throws {
        // The config.json transformers writes for each (Tests/Fixtures/configs).
        let path = Fixture.path("configs/\(name).json")
        var config = try EncoderConfig(huggingFaceJSON: try Fixture.data("configs/\(name).json"), source: path)
        let preset = try #require(EncoderConfig.preset(named: name))
        config.name = preset.name
        #expect(config == preset)
    }

    @Test func robertaCountsPositionsFromThePaddingIndex() throws {
        let config = try #require(EncoderConfig.preset(named: "roberta-base"))
        // 514 positions, the first two before any token: 512 tokens at most.
        #expect(config.maxSequenceLength == 512)
        #expect(
            throws: InputError(
                source: "roberta-base", place: "sequence length",
                message: "is 513; roberta-base takes 1 to 512 tokens (max_position_embeddings 514, less the 2 positions up to the padding index)")
        ) {
            try Self.graph(config, seq: 513)
        }
        let graph = try Self.graph(config)
        #expect(graph.ops.contains { $0.kind == .cumSum })
        #expect(graph.inputs.map { graph[$0].name } == ["input_ids", "token_type_ids", "attention_mask"])
    }

    @Test func distilbertHasNoTokenTypesAndNoPooler() throws {
        let graph = try Self.graph(try #require(EncoderConfig.preset(named: "distilbert-base-uncased")))
        #expect(graph.inputs.map { graph[$0].name } == ["input_ids", "attention_mask"])
        #expect(graph.outputs.count == 1)
    }

    @Test func albertSharesOneLayerAcrossTwelve() throws {
        let config = try #require(EncoderConfig.preset(named: "albert-base-v2"))
        let graph = try Self.graph(config)
        #expect(config.distinctLayers == 1)
        #expect(graph.ops.filter { $0.kind == .softmax }.count == 12)
        let query = try #require(graph.tensors.first { $0.name == "encoder.albert_layer_groups.0.albert_layers.0.attention.self.query.weight" })
        #expect(graph.consumers(of: query.id).count == 12)
    }

    @Test func albertGroupsSplitTheLayers() throws {
        // Two groups of two inner layers over 4 layers: layers 0–1 run group 0, 2–3 group 1,
        // each twice in a row: 8 layers run on 4 sets of weights.
        var config = try #require(EncoderConfig.preset(named: "albert-base-v2"))
        (config.layerCount, config.hiddenGroups, config.innerGroupLayers) = (4, 2, 2)
        let graph = try Self.graph(config)
        #expect(graph.ops.filter { $0.kind == .softmax }.count == 8)
        let layerWeights = 4 * 768 * 768 + 2 * 768 * 3072 + 3072 + 9 * 768
        #expect(graph.parameterCount == (30000 + 512 + 2) * 128 + 2 * 128 + 128 * 768 + 768 + 4 * layerWeights + 768 * 768 + 768)
    }

    @Test(arguments: [
        (
            "bert-base-uncased-relative-key.json", "position_embedding_type",
            "is \"relative_key\"; this tool models \"absolute\" position embeddings only (relative_key and relative_key_query add a distance embedding to every attention layer); export the model to ONNX and pass --onnx"
        ),
        (
            "bert-base-uncased-relative-key-query.json", "position_embedding_type",
            "is \"relative_key_query\"; this tool models \"absolute\" position embeddings only (relative_key and relative_key_query add a distance embedding to every attention layer); export the model to ONNX and pass --onnx"
        ),
        (
            "bert-base-uncased-is-decoder.json", "is_decoder",
            "is true; this tool models encoders (false): a decoder's causal self-attention is not modelled from a config; export it to ONNX and pass --onnx"
        ),
        (
            "bert-base-uncased-add-cross-attention.json", "add_cross_attention",
            "is true; this tool models encoders without cross-attention blocks (false)"
        ),
        (
            "bert-base-uncased-silu.json", "hidden_act",
            "is \"silu\"; this tool models the activations gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu"
        )
    ])
    func computationChangingFieldsAreRefused(file: String, field: String, message: String) throws {
        let path = Fixture.path("configs/\(file)")
        #expect(throws: InputError(source: path, place: field, message: message)) {
            try EncoderConfig(huggingFaceJSON: try Fixture.data("configs/\(file)"), source: path)
        }
    }

    @Test func otherModelTypesPointToONNX() {
        let json = #"{"model_type": "gpt2", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}"#
        #expect(
            throws: InputError(
                source: "c.json", place: "model_type",
                message:
                    "is \"gpt2\"; this tool reads configs of bert, roberta, xlm-roberta, distilbert, albert, electra encoders; for another transformer, export it to ONNX and pass --onnx"
            )
        ) {
            try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json")
        }
    }

    @Test func distilbertKeysAreItsOwn() {
        let json = #"{"model_type": "distilbert", "dim": 768, "n_layers": 6, "n_heads": 12}"#
        #expect(throws: InputError(source: "c.json", place: "hidden_dim", message: "is missing; add it (distilbert-base-uncased has 3072)")) {
            try EncoderConfig(huggingFaceJSON: Data(json.utf8), source: "c.json")
        }
    }
}
