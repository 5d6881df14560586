import Testing
import ConfigFrontend
import ModelGraph
@testable import AddAnalysis

@Suite struct AddClassificationTests {
    static func analysis(_ preset: String, options: GraphOptions = .init()) throws -> AddAnalysis {
        let graph = try EncoderGraphBuilder(config: #require(EncoderConfig.preset(named: preset)), options: options).build()
        return AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph))
    }

    static func counts(_ analysis: AddAnalysis) -> [AddCategory: Int] {
        analysis.categories.reduce(into: [:]) { if $1.count > 0 { $0[$1.category] = $1.count } }
    }

    @Test func bertBaseHasTheExpectedAddsPerCategory() throws {
        // 2 embedding sums; 6 linear biases per layer × 12 + the pooler's; one mask add and
        // two residuals per layer. Nothing else in BertModel's eager graph is an Add.
        #expect(
            Self.counts(try Self.analysis("bert-base-uncased")) == [
                .embedding: 2, .bias: 73, .attentionMask: 12, .attentionResidual: 12, .ffnResidual: 12
            ])
    }

    @Test(arguments: ["bert-tiny", "bert-mini", "bert-small", "bert-medium", "bert-large-uncased", "all-MiniLM-L6-v2"])
    func everyPresetFollowsThePerLayerPattern(preset: String) throws {
        let layers = try #require(EncoderConfig.preset(named: preset)).layerCount
        #expect(
            Self.counts(try Self.analysis(preset)) == [
                .embedding: 2, .bias: 6 * layers + 1, .attentionMask: layers, .attentionResidual: layers, .ffnResidual: layers
            ])
    }

    @Test(arguments: [
        // RoBERTa: position ids counted from the token ids add the padding index (mask preparation).
        ("roberta-base", [AddCategory.embedding: 2, .bias: 73, .attentionMask: 12, .attentionResidual: 12, .ffnResidual: 12, .maskPrep: 1]),
        ("xlm-roberta-base", [.embedding: 2, .bias: 73, .attentionMask: 12, .attentionResidual: 12, .ffnResidual: 12, .maskPrep: 1]),
        // DistilBERT: word + position only, 6 layers, no pooler.
        ("distilbert-base-uncased", [.embedding: 1, .bias: 36, .attentionMask: 6, .attentionResidual: 6, .ffnResidual: 6]),
        // ALBERT: the embedding projection's bias, 12 runs of one layer, the pooler's bias.
        ("albert-base-v2", [.embedding: 2, .bias: 1 + 72 + 1, .attentionMask: 12, .attentionResidual: 12, .ffnResidual: 12]),
        // ELECTRA: the projection's bias, no pooler; the first residual's skip is the projection.
        ("electra-small-discriminator", [.embedding: 2, .bias: 1 + 72, .attentionMask: 12, .attentionResidual: 12, .ffnResidual: 12])
    ])
    func everyCousinHasItsOwnPattern(preset: String, expected: [AddCategory: Int]) throws {
        #expect(Self.counts(try Self.analysis(preset)) == expected)
    }

    @Test func classificationIgnoresNames() throws {
        // The residuals are found by walking back to a softmax or an activation, not by path.
        let analysis = try Self.analysis("bert-tiny")
        for record in analysis.records where record.category == .attentionResidual {
            #expect(record.name.hasSuffix("attention.output.residual"))
        }
        for record in analysis.records where record.category == .ffnResidual {
            #expect(record.name.hasSuffix(".output.residual") && !record.name.contains("attention"))
        }
    }

    @Test func hiddenStateAggregationAddsAreTheirOwnCategory() throws {
        let summed = try Self.analysis("bert-base-uncased", options: .init(aggregation: .lastSum(4)))
        #expect(summed.summary(for: .hiddenStateAggregation)?.count == 3)
        let mean = try Self.analysis("bert-base-uncased", options: .init(aggregation: .allMean))
        #expect(mean.summary(for: .hiddenStateAggregation)?.count == 12)
        #expect(mean.summary(for: .attentionResidual)?.count == 12)
    }

    @Test func attentionResidualMovesTwoInputsAndOneOutput() throws {
        // fp32 [1, 128, 768]: read 2 × 98,304 × 4 B, write 98,304 × 4 B.
        let analysis = try Self.analysis("bert-base-uncased")
        let residual = try #require(analysis.records.first { $0.category == .attentionResidual })
        #expect(residual.shape == [1, 128, 768])
        #expect(residual.elements == 98_304)
        #expect(residual.minimalReadBytes == 786_432)
        #expect(residual.minimalWriteBytes == 393_216)
    }

    @Test func biasAddReadsTheVectorOnce() throws {
        // FFN1 bias on [1, 128, 3072] in bf16: activation 393,216 × 2 B + bias 3,072 × 2 B read, 786,432 B written.
        let analysis = try Self.analysis("bert-base-uncased", options: .init(precision: .bf16))
        let bias = try #require(analysis.records.first { $0.name == "encoder.layer.0.intermediate.dense.add_bias" })
        #expect(bias.category == .bias)
        #expect(bias.minimalReadBytes == 786_432 + 6_144)
        #expect(bias.minimalWriteBytes == 786_432)
    }

    @Test func maskAddReadsTheBroadcastMaskOnce() throws {
        // Scores [1, 12, 128, 128] fp32 = 786,432 B; mask [1, 1, 128, 128] = 65,536 B, shared by the 12 heads.
        let analysis = try Self.analysis("bert-base-uncased")
        let mask = try #require(analysis.records.first { $0.category == .attentionMask })
        #expect(mask.minimalReadBytes == 786_432 + 65_536)
        #expect(mask.minimalWriteBytes == 786_432)
    }

    @Test func categoryTotalsAddUpToTheRecords() throws {
        let analysis = try Self.analysis("bert-base-uncased", options: .init(batch: 2, sequenceLength: 384, aggregation: .lastSum(4)))
        #expect(analysis.categories.reduce(0) { $0 + $1.count } == analysis.records.count)
        #expect(analysis.categories.reduce(0) { $0 + $1.minimalBytes } == analysis.totalMinimalBytes)
        #expect(analysis.categories.reduce(0) { $0 + $1.flops } == analysis.totalFLOPs)
        // Embedding: 2 adds on [2, 384, 768] → 2 × 589,824 FLOPs.
        #expect(analysis.summary(for: .embedding)?.flops == 1_179_648)
    }
}
