import Testing
import ConfigFrontend
@testable import ModelGraph

@Suite struct WorkloadCostTests {
    static func bertBase() throws -> (Graph, WorkloadCost) {
        let graph = try EncoderGraphBuilder(config: #require(EncoderConfig.preset(named: "bert-base-uncased")), options: .init()).build()
        return (graph, WorkloadCost(graph: graph))
    }

    @Test func macsAgreeWithTheGraph() throws {
        let (graph, cost) = try Self.bertBase()
        #expect(cost.totalMACs == 11_174_215_680)
        #expect(cost.totalMACs == graph.macCount)
    }

    @Test func ffn1ReadsActivationAndWeightOnce() throws {
        // 128×768 · 768×3072 in fp32: A 393,216 B + B 9,437,184 B read, C 1,572,864 B written.
        let (graph, cost) = try Self.bertBase()
        let op = try #require(graph.ops.first { $0.path == "encoder.layer.0.intermediate.dense.matmul" })
        #expect(cost.operators[op.index].compulsoryReadBytes == 393_216 + 9_437_184)
        #expect(cost.operators[op.index].compulsoryWriteBytes == 1_572_864)
        #expect(cost.operators[op.index].macs == 128 * 768 * 3072)
    }

    @Test func aReductionWorksOnEveryInputElement() throws {
        // A mean over 768 features for each of 128 tokens: 98,304 additions, not 128.
        var builder = GraphBuilder(name: "mean", source: "test")
        let x = try builder.input("x", shape: [1, 128, 768], dtype: .fp32)
        let mean = try builder.op(.reduceMean, "mean", [x], shape: [1, 128, 1], dtype: .fp32)
        let graph = try builder.finish(outputs: [mean])
        #expect(WorkloadCost(graph: graph).operators[0].vectorOps == 128 * 768)
    }

    @Test func gatherFetchesOnlyTheSelectedRows() throws {
        // 128 rows of 768 fp32 + 128 int64 ids, not the 93.8 MB table.
        let (graph, cost) = try Self.bertBase()
        let op = try #require(graph.ops.first { $0.path == "embeddings.word_embeddings" })
        #expect(cost.operators[op.index].compulsoryReadBytes == 393_216 + 1_024)
    }

    @Test func viewsMoveNothing() throws {
        let (graph, cost) = try Self.bertBase()
        for op in graph.ops where op.kind == .reshape {
            #expect(cost.operators[op.index].compulsoryBytes == 0)
        }
    }
}
