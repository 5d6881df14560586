import Foundation
import TestFixtures
import Testing
import AddAnalysis
import ModelGraph
@testable import ONNXImport

/// Thirty exports of twelve transformer families (Tests/Fixtures/onnx-families): both torch
/// exporters, onnxruntime's fused graphs, sdpa attention, dynamic shapes. Their expected counts
/// were made by scripts/reference/count_adds.py from the exporters' own provenance of every
/// Add node (module, class and transformers source line), never from graph structure.
@Suite struct FamilyExportTests {
    struct Expected: Decodable {
        let family: String
        let exporter: String
        let explicit: [String: Int]
        let totalAddNodes: Int
        let fusedOps: [String: Int]?
    }

    static let expected: [String: Expected] = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode([String: Expected].self, from: try! Fixture.data("onnx-families/expected-counts.json"))
    }()

    static let files: [String] = expected.keys.sorted()

    /// PyTorch's MACs for the same model as exported (scripts/reference/measure-export-macs.py).
    static let pytorchMACs: [String: Int] = try! JSONDecoder().decode([String: Int].self, from: try! Fixture.data("onnx-families/pytorch-macs.json"))

    @Test func everyFamilyAndExporterIsHere() {
        #expect(Self.files.count == 30)
        let families = Set(Self.expected.values.map(\.family))
        #expect(families == ["albert", "bert", "deberta_v2", "distilbert", "electra", "gpt2", "llama", "mpnet", "roberta", "t5", "vit", "xlm_roberta"])
    }

    @Test(arguments: files)
    func explicitAddsMatchTheirProvenance(file: String) throws {
        let expected = try #require(Self.expected[file])
        let model = try Fixtures.load("onnx-families/\(file)")
        let analysis = Fixtures.analysis(model)
        #expect(model.explicitAddNodes == expected.totalAddNodes)
        let counts = Fixtures.explicitCounts(analysis).reduce(into: [String: Int]()) { $0[$1.key.id] = $1.value }
        #expect(counts == expected.explicit.filter { $0.value > 0 })
        // Nothing is left unexplained.
        #expect(analysis.summary(for: .other)?.count == 0)
        // Every contraction read, convolutions and rotary tables included.
        #expect(model.graph.macCount == Self.pytorchMACs[file])
    }

    @Test(arguments: files.filter { $0.contains("ortfused") })
    func fusedOpsCarryTheirAdds(file: String) throws {
        let expected = try #require(Self.expected[file])
        let analysis = Fixtures.analysis(try Fixtures.load("onnx-families/\(file)"))
        let fusedIn = Set(analysis.records.compactMap(\.fusedIn))
        for op in (expected.fusedOps ?? [:]).keys where ["Attention", "SkipLayerNormalization", "BiasGelu"].contains(op) {
            #expect(fusedIn.contains(op), "\(op) holds adds")
        }
    }
}
