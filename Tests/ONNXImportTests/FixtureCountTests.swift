import Support
import Foundation
import Testing
import TestFixtures
import AddAnalysis
import KPUModel
import ConfigFrontend
import ModelGraph
@testable import ONNXImport

/// The real exports in Tests/Fixtures/onnx (torch 2.15, transformers 5.24, onnxruntime).
enum Fixtures {
    static let graphOnly = ["bert-tiny.legacy14.onnx", "bert-tiny.legacy17dyn.onnx", "bert-tiny.dynamo18.onnx", "bert-tiny.ortfused.onnx"]

    static func path(_ name: String) -> String { Fixture.path(name.contains("/") ? name : "onnx/\(name)") }

    static func load(_ name: String, options: ONNXImportOptions = ONNXImportOptions(batch: 1, sequenceLength: 128)) throws -> ONNXModel {
        try ONNXImporter.read(path: path(name), options: options)
    }

    static func analysis(_ model: ONNXModel) -> AddAnalysis {
        AddAnalysis(graph: model.graph, cost: WorkloadCost(graph: model.graph))
    }

    static func explicitCounts(_ analysis: AddAnalysis) -> [AddCategory: Int] {
        analysis.categories.reduce(into: [:]) { if $1.explicit > 0 { $0[$1.category] = $1.explicit } }
    }

    static func allCounts(_ analysis: AddAnalysis) -> [AddCategory: Int] {
        analysis.categories.reduce(into: [:]) { if $1.count > 0 { $0[$1.category] = $1.count } }
    }
}

/// Explicit Add nodes per category, as listed in Tests/Fixtures/README.md.
@Suite struct FixtureCountTests {
    @Test(arguments: [
        (
            "bert-tiny.legacy14.onnx",
            [
                AddCategory.embedding: 2, .bias: 12, .attentionMask: 2, .attentionResidual: 2, .ffnResidual: 2,
                .activation: 2, .maskPrep: 1, .layernorm: 10
            ], 33
        ),
        (
            "bert-tiny.legacy17dyn.onnx",
            [
                .embedding: 2, .bias: 12, .attentionMask: 2, .attentionResidual: 2, .ffnResidual: 2,
                .activation: 2, .maskPrep: 1
            ], 23
        ),
        ("bert-tiny.dynamo18.onnx", [.embedding: 2, .bias: 12, .attentionMask: 2, .attentionResidual: 2, .ffnResidual: 2, .activation: 2], 22),
        ("bert-tiny.ortfused.onnx", [.embedding: 2], 2)
    ])
    func explicitAddsMatchTheFixtureTable(file: String, expected: [AddCategory: Int], total: Int) throws {
        let model = try Fixtures.load(file)
        let analysis = Fixtures.analysis(model)
        #expect(model.explicitAddNodes == total)
        #expect(Fixtures.explicitCounts(analysis) == expected)
    }

    /// Other families, counted from the exporters' provenance of each node (Tests/Fixtures/README.md).
    @Test(arguments: [
        (
            "onnx-transformers/roberta-base.legacy14.onnx",
            [
                AddCategory.embedding: 2, .bias: 72, .attentionMask: 12, .attentionResidual: 12,
                .ffnResidual: 12, .activation: 12, .maskPrep: 2, .layernorm: 50
            ], 174
        ),
        // Pre-LN decoder; Conv1D exported as Gemm (its 16 biases are inside the Gemms); gelu_new.
        ("onnx-transformers/gpt2-4l.dynamo18.onnx", [.embedding: 1, .attentionMask: 4, .attentionResidual: 4, .ffnResidual: 4, .activation: 8], 21),
        // Pre-LN encoder over patches: the position table added to the patch embeddings.
        (
            "onnx-transformers/vit-base-4l.legacy14.onnx",
            [
                .embedding: 1, .bias: 24, .attentionResidual: 4, .ffnResidual: 4, .activation: 4,
                .layernorm: 18
            ], 55
        ),
        // RMSNorm, rotary position embedding, SwiGLU, no biases.
        ("onnx-transformers/llama-tiny.dynamo18.onnx", [.attentionMask: 4, .attentionResidual: 4, .ffnResidual: 4, .layernorm: 9, .rotary: 8], 29),
        // Relative position buckets and the position bias added to every layer's scores.
        (
            "onnx-transformers/t5-small-encoder.legacy14.onnx",
            [
                .attentionMask: 6, .attentionResidual: 6, .ffnResidual: 6, .maskPrep: 1,
                .layernorm: 13, .relativePosition: 8
            ], 40
        )
    ])
    func otherFamiliesExplicitAddsMatchTheirProvenance(file: String, expected: [AddCategory: Int], total: Int) throws {
        let model = try Fixtures.load(file)
        let analysis = Fixtures.analysis(model)
        #expect(model.explicitAddNodes == total)
        #expect(Fixtures.explicitCounts(analysis) == expected)
    }

    @Test func fusedOpsContributeTheirAdds() throws {
        // 4 SkipLayerNormalization (2 residuals per layer, each with its dense bias), 2 Attention
        // (Q, K, V biases and the mask), 2 BiasGelu (bias and the GELU's 1 + erf), the pooler Gemm's C.
        let analysis = Fixtures.analysis(try Fixtures.load("bert-tiny.ortfused.onnx"))
        #expect(
            Fixtures.allCounts(analysis) == [
                .embedding: 2, .bias: 6 + 4 + 2 + 1, .attentionMask: 2,
                .attentionResidual: 2, .ffnResidual: 2, .activation: 2
            ])
        let fusedIn = Dictionary(grouping: analysis.records.compactMap(\.fusedIn), by: { $0 }).mapValues(\.count)
        #expect(fusedIn == ["Attention": 8, "SkipLayerNormalization": 8, "BiasGelu": 4, "Gemm": 1])
        #expect(analysis.records.filter(\.embedded).allSatisfy { $0.category == .activation && $0.fusedIn == "BiasGelu" })
    }

    @Test func symbolicDimensionsBindFromBatchAndSequence() throws {
        let model = try Fixtures.load("bert-tiny.legacy17dyn.onnx", options: ONNXImportOptions(batch: 2, sequenceLength: 64))
        #expect(model.boundDimensions == ["batch": 2, "sequence": 64])
        let analysis = Fixtures.analysis(model)
        let residual = try #require(analysis.records.first { $0.category == .attentionResidual })
        #expect(residual.shape == [2, 64, 128])
        // Same graph at another size: the per-layer pattern holds.
        #expect(Fixtures.explicitCounts(analysis)[.bias] == 12)
        // MACs at B=2, S=64: per layer 4·128·128·128 + 2·128·128·512 + 2·2·64·64·64 per sequence pair… checked against the builder.
        let builder = try EncoderGraphBuilder(config: EncoderConfig.preset(named: "bert-tiny")!, options: .init(batch: 2, sequenceLength: 64)).build()
        #expect(model.graph.macCount == builder.macCount)
    }

    @Test func unboundSymbolIsNamed() throws {
        #expect(
            throws: InputError(
                source: Fixtures.path("bert-tiny.legacy17dyn.onnx"), place: "graph.input[0] 'input_ids' dimension 0",
                message: "symbolic dimension 'batch' is not bound; pass --dim batch=VALUE (or --batch / --seq for batch and sequence dimensions)")
        ) {
            try Fixtures.load("bert-tiny.legacy17dyn.onnx", options: ONNXImportOptions())
        }
        // --dim wins over the batch/sequence guesses.
        let model = try Fixtures.load("bert-tiny.legacy17dyn.onnx", options: ONNXImportOptions(batch: 8, dimensions: ["batch": 3, "sequence": 32]))
        #expect(model.boundDimensions == ["batch": 3, "sequence": 32])
    }

    @Test func embeddedWeightsAreSkippedButGiveTheSameGraph() throws {
        // The graph-only file with every external initializer's bytes written into the file
        // (17 MB, as torch's exporter writes them when no external data is asked for).
        let heavyFile = FileManager.default.temporaryDirectory.appendingPathComponent("bert-tiny.with-weights-\(getpid()).onnx")
        defer { try? FileManager.default.removeItem(at: heavyFile) }
        try Self.embeddingWeights(of: Fixtures.path("bert-tiny.legacy14.onnx")).write(to: heavyFile)
        let light = try Fixtures.load("bert-tiny.legacy14.onnx")
        let heavy = try ONNXImporter.read(path: heavyFile.path, options: ONNXImportOptions(batch: 1, sequenceLength: 128))
        #expect(try FileManager.default.attributesOfItem(atPath: heavyFile.path)[.size] as? Int ?? 0 > 17_000_000)
        #expect(heavy.graph.ops.count == light.graph.ops.count)
        #expect(heavy.graph.macCount == light.graph.macCount)
        #expect(Fixtures.explicitCounts(Fixtures.analysis(heavy)) == Fixtures.explicitCounts(Fixtures.analysis(light)))
    }

    /// The export at `path` with generated bytes in place of each initializer kept in an external file.
    static func embeddingWeights(of path: String) throws -> Data {
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        var seed: UInt8 = 1
        for index in model.graph.initializer.indices where model.graph.initializer[index].dataLocation == .external {
            var tensor = model.graph.initializer[index]
            let elements = tensor.dims.reduce(1) { $0 * Int($1) }
            let width = tensor.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) ? 4 : 8
            tensor.rawData = Data((0..<(elements * width)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
            tensor.externalData = []
            tensor.dataLocation = .default
            model.graph.initializer[index] = tensor
            seed &+= 1
        }
        return try model.serializedData()
    }

    @Test func precisionAndProducerAreRead() throws {
        let model = try Fixtures.load("bert-tiny.dynamo18.onnx")
        #expect(model.precision == .fp32)
        #expect(model.opsetVersion == 18)
        #expect(model.producer.lowercased().contains("pytorch"))
    }
}

/// The builder's bert-tiny and each export describe the same computation.
@Suite struct BuilderCrossCheckTests {
    static let builder: Graph = try! EncoderGraphBuilder(config: EncoderConfig.preset(named: "bert-tiny")!, options: .init()).build()

    /// (category, shape, least bytes) of the adds both sides have, sorted. The pooler's bias is
    /// left out: dynamo drops the pooler Gemm's all-zero C input.
    static func signature(_ analysis: AddAnalysis) -> [String] {
        let compared: Set<AddCategory> = [.attentionResidual, .ffnResidual, .embedding, .attentionMask, .bias]
        return analysis.records
            .filter { compared.contains($0.category) && $0.shape.count > 2 }
            .map { "\($0.category.id) \($0.shape) \($0.minimalBytes)" }
            .sorted()
    }

    @Test(arguments: Fixtures.graphOnly)
    func exportsAgreeWithTheBuilder(file: String) throws {
        let model = try Fixtures.load(file)
        // MACs: every matmul including QKᵀ, ·V and the pooler (58,736,640, the PyTorch figure).
        #expect(model.graph.macCount == Self.builder.macCount)
        #expect(model.graph.macCount == 58_736_640)
        let exported = Self.signature(Fixtures.analysis(model))
        let built = Self.signature(AddAnalysis(graph: Self.builder, cost: WorkloadCost(graph: Self.builder)))
        #expect(exported == built)
    }
}

/// The structure the report names, read from each export's graph.
@Suite struct ArchitectureSummaryTests {
    @Test(arguments: [
        (
            "onnx/bert-tiny.legacy14.onnx",
            "2 attention blocks, post-LN (the norm follows each residual sum), LayerNorm, summed token and position embeddings, over token ids"
        ),
        (
            "onnx-transformers/gpt2-4l.dynamo18.onnx",
            "4 attention blocks, pre-LN (the norm opens each block), LayerNorm, summed token and position embeddings, over token ids"
        ),
        (
            "onnx-transformers/llama-tiny.dynamo18.onnx",
            "4 attention blocks, pre-LN (the norm opens each block), RMSNorm, rotary position embeddings, a gated feed-forward, over token ids"
        ),
        (
            "onnx-transformers/t5-small-encoder.legacy14.onnx",
            "6 attention blocks, pre-LN (the norm opens each block), RMSNorm, relative-position attention, over token ids"
        ),
        (
            "onnx-transformers/vit-base-4l.legacy14.onnx",
            "4 attention blocks, pre-LN (the norm opens each block), LayerNorm, a learned position table added to the patches, over image patches"
        )
    ])
    func structureIsReadFromTheGraph(file: String, expected: String) throws {
        #expect(Fixtures.analysis(try Fixtures.load(file)).architecture.description == expected)
    }

    @Test func dynamoExportsRecordTheirModelClass() throws {
        #expect(try Fixtures.load("onnx-transformers/llama-tiny.dynamo18.onnx").exportedClass == "LlamaModel")
        #expect(try Fixtures.load("onnx/bert-tiny.dynamo18.onnx").exportedClass == "BertModel")
        // The legacy exporter records module paths only.
        #expect(try Fixtures.load("onnx/bert-tiny.legacy14.onnx").exportedClass == nil)
    }
}
