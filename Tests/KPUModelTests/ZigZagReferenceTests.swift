import ConfigFrontend
import Foundation
import ModelGraph
import Support
import TestFixtures
import Testing

@testable import KPUModel

/// The model's bytes held against an independent mapper: ZigZag's best mappings of bert-base's
/// five matmul shapes at bf16 on a KPU-T256-like hierarchy (`Tests/Fixtures/zigzag/`, made by
/// `scripts/reference/zigzag/make_fixture.py`). DRAM bytes must agree exactly (both are the
/// compulsory traffic); L3 (under multicast), L2 and L1 within 25 %.
@Suite struct ZigZagReferenceTests {
    struct Reference: Decodable {
        struct Shape: Decodable {
            var name: String
            var m: Int, n: Int, k: Int, batch: Int
            var levelTotals: [String: Int]
        }
        var shapes: [Shape]
    }

    static let opOfShape = [
        "qkv_out_proj": "encoder.layer.0.attention.self.query.matmul",
        "attention_scores": "encoder.layer.0.attention.self.scores",
        "attention_context": "encoder.layer.0.attention.self.context",
        "ffn1": "encoder.layer.0.intermediate.dense.matmul",
        "ffn2": "encoder.layer.0.output.dense.matmul"
    ]

    @Test func everyLevelOfEveryShapeIsWithinAQuarterOfZigZag() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let reference = try decoder.decode(Reference.self, from: Fixture.data("zigzag/bert-base-bf16-kpu-t256.json"))
        #expect(reference.shapes.count == 5)
        let graph = try bertGraph("bert-base-uncased", precision: .bf16)
        let evaluation = try evaluate(graph, precision: .bf16, fusion: .none)
        for shape in reference.shapes {
            let path = try #require(Self.opOfShape[shape.name], "\(shape.name) is not a shape this test knows")
            let op = try #require(graph.ops.first { $0.path == path })
            let tiling = try #require(evaluation.mapping[op.index].tiling)
            #expect((tiling.m, tiling.n, tiling.k, tiling.batch) == (shape.m, shape.n, shape.k, shape.batch), "\(shape.name)")
            let traffic = evaluation.operators[op.index].traffic
            #expect(traffic.dram.total == shape.levelTotals["dram"], "\(shape.name): DRAM")
            for level in [MemoryLevel.l3, .l2, .l1] {
                let zigzag = Double(try #require(shape.levelTotals[level.rawValue]))
                let model = Double(traffic[level].total)
                #expect(abs(model - zigzag) <= 0.25 * zigzag, "\(shape.name) \(level.rawValue): model \(Int(model)) B, ZigZag \(Int(zigzag)) B")
            }
        }
    }
}
