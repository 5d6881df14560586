import Support
import Testing
import ConfigFrontend
@testable import ModelGraph

/// Parameter and MAC counts pinned to PyTorch: measured with torch 2.15 / transformers 5.24 on
/// `BertModel(config)` — `sum(p.numel() for p in model.parameters())`, and the MACs of every
/// matmul at batch 1 (Q/K/V/output/FFN projections, QKᵀ, probabilities·V, pooler).
@Suite struct EncoderGraphCountsTests {
    static func graph(_ preset: String, seq: Int = 128, batch: Int = 1) throws -> Graph {
        let config = try #require(EncoderConfig.preset(named: preset))
        return try EncoderGraphBuilder(config: config, options: GraphOptions(batch: batch, sequenceLength: seq)).build()
    }

    @Test(arguments: [
        ("bert-tiny", 4_385_920),
        ("bert-mini", 11_170_560),
        ("all-MiniLM-L6-v2", 22_713_216),
        ("bert-base-uncased", 109_482_240),
        ("bert-large-uncased", 335_141_888)
    ])
    func parameterCountMatchesPyTorch(preset: String, expected: Int) throws {
        #expect(try Self.graph(preset).parameterCount == expected)
    }

    @Test(arguments: [
        ("bert-base-uncased", 128, 11_174_215_680),
        ("bert-base-uncased", 512, 48_318_971_904),
        ("bert-large-uncased", 128, 39_461_060_608),
        ("bert-tiny", 128, 58_736_640)
    ])
    func macCountMatchesPyTorch(preset: String, seq: Int, expected: Int) throws {
        #expect(try Self.graph(preset, seq: seq).macCount == expected)
    }

    @Test func macsScaleLinearlyWithBatch() throws {
        // Every matmul's M grows with the batch, the pooler's too (one row per sequence).
        #expect(try Self.graph("bert-base-uncased", batch: 4).macCount == 4 * 11_174_215_680)
    }

    @Test func precisionChangesBytesNotCounts() throws {
        let config = try #require(EncoderConfig.preset(named: "bert-base-uncased"))
        let fp32 = try EncoderGraphBuilder(config: config, options: .init(precision: .fp32)).build()
        let bf16 = try EncoderGraphBuilder(config: config, options: .init(precision: .bf16)).build()
        #expect(fp32.parameterCount == bf16.parameterCount)
        let word = { (g: Graph) in g.tensors.first { $0.name == "embeddings.word_embeddings.weight" }!.byteCount }
        // 30522 × 768 elements at 4 and at 2 bytes.
        #expect(word(fp32) == 93_763_584)
        #expect(word(bf16) == 46_881_792)
    }

    @Test func graphFollowsBertModelStructure() throws {
        let graph = try Self.graph("bert-base-uncased")
        let counts = graph.opCountsByKind
        // Per layer 6 linears plus QKᵀ and ·V; plus the pooler.
        #expect(counts[.matMul] == 12 * 8 + 1)
        // 2 embedding sums + per layer (6 biases, mask, 2 residuals) + pooler bias.
        #expect(counts[.add] == 2 + 12 * 9 + 1)
        #expect(counts[.layerNorm] == 1 + 12 * 2)
        #expect(counts[.softmax] == 12)
        #expect(counts[.gelu] == 12)
        #expect(counts[.gather] == 3)
        #expect(counts[.tanh] == 1)
    }

    @Test func everyOpComesAfterItsProducers() throws {
        let graph = try Self.graph("bert-tiny")
        var seen = Set<Int>()
        for op in graph.topologicalOrder {
            for input in op.inputs {
                if let producer = graph.producer(of: input) { #expect(seen.contains(producer.index)) }
            }
            seen.insert(op.index)
        }
        #expect(seen.count == graph.ops.count)
    }

    @Test func producersAndConsumersAnswerByTensor() throws {
        let graph = try Self.graph("bert-tiny")
        let hidden = try #require(graph.ops.first { $0.path == "embeddings.LayerNorm" })
        let readers = graph.consumers(of: hidden.outputs[0]).map(\.path)
        // The embedding output feeds Q, K, V and the first attention residual.
        #expect(
            readers == [
                "encoder.layer.0.attention.self.query.matmul",
                "encoder.layer.0.attention.self.key.matmul",
                "encoder.layer.0.attention.self.value.matmul",
                "encoder.layer.0.attention.output.residual"
            ])
        #expect(graph.producer(of: hidden.outputs[0])?.path == "embeddings.LayerNorm")
        #expect(graph.producer(of: graph.inputs[0]) == nil)
    }

    @Test func lastKSumAddsKMinusOneAdds() throws {
        let config = try #require(EncoderConfig.preset(named: "bert-base-uncased"))
        let plain = try EncoderGraphBuilder(config: config, options: .init()).build()
        let summed = try EncoderGraphBuilder(config: config, options: .init(aggregation: .lastSum(4))).build()
        let mean = try EncoderGraphBuilder(config: config, options: .init(aggregation: .allMean)).build()
        #expect(summed.opCountsByKind[.add]! - plain.opCountsByKind[.add]! == 3)
        // Mean over 13 hidden states: 12 adds, one division.
        #expect(mean.opCountsByKind[.add]! - plain.opCountsByKind[.add]! == 12)
        #expect(mean.opCountsByKind[.div] == 1)
        #expect(summed.outputs.count == 3)
    }
}

@Suite struct GraphValidationTests {
    @Test func cycleIsRejectedNamingAnOp() throws {
        // x feeds "a", "a" feeds "b", and "b" feeds "a" back.
        let tensors = ["x", "a", "b"].enumerated().map { i, name in
            Tensor(id: TensorID(i), name: name, shape: [2], dtype: .fp32, role: i == 0 ? .graphInput : .activation, elementCount: 2)
        }
        let ops = [
            Op(index: 0, kind: .add, path: "a", inputs: [TensorID(0), TensorID(2)], outputs: [TensorID(1)], attributes: [:]),
            Op(index: 1, kind: .add, path: "b", inputs: [TensorID(0), TensorID(1)], outputs: [TensorID(2)], attributes: [:])
        ]
        #expect(throws: InputError(source: "test", place: "a", message: "is part of a cycle; a dataflow graph must be acyclic")) {
            try Graph(name: "loop", tensors: tensors, ops: ops, inputs: [TensorID(0)], outputs: [TensorID(2)], source: "test")
        }
    }

    @Test func zeroDimensionIsRejected() {
        var b = GraphBuilder(name: "bad", source: "test")
        #expect(throws: InputError(source: "test", place: "x", message: "has dimension 0 in shape [2, 0]; every dimension must be at least 1")) {
            _ = try b.input("x", shape: [2, 0], dtype: .fp32)
        }
    }

    @Test func overflowingShapeIsRejectedNotWrapped() {
        var b = GraphBuilder(name: "huge", source: "test")
        #expect(throws: InputError.self) {
            _ = try b.input("x", shape: [1 << 31, 1 << 31, 1 << 4], dtype: .fp32)
        }
    }
}
