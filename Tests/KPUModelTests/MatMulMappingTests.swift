import ConfigFrontend
import Foundation
import ModelGraph
import Support
import Testing

@testable import KPUModel

/// One choice per matmul, everything from it: the tile split sets the clocks and the on-chip
/// bytes alike. Figures are closed forms for bert-base at bf16, batch 1, S = 128 on KPU-T256
/// (256 tiles of 32×32 PEs, 32 KiB of L2 each), the configuration ZigZag was given.
@Suite struct MatMulMappingTests {
    static func mapping(_ path: String, multicast: Bool = true, sku: String = "kpu-t256")
        throws -> (tiling: MatMulTiling, evaluation: OperatorEvaluation, hardware: KPUHardware)
    {
        let graph = try bertGraph("bert-base-uncased", precision: .bf16)
        let evaluation = try evaluate(graph, sku: sku, precision: .bf16, fusion: .none) { $0.l3Multicast = multicast }
        let op = try #require(graph.ops.first { $0.path == path })
        let tiling = try #require(evaluation.mapping[op.index].tiling)
        return (tiling, evaluation.operators[op.index], evaluation.hardware)
    }

    @Test func theQueryProjectionPutsOneArraySizedBlockOnEachOf96Tiles() throws {
        let (t, op, hardware) = try Self.mapping("encoder.layer.0.attention.self.query.matmul")
        #expect(t.tileBlock == (32, 32) && t.blocks == 96 && t.tilesUsed == 96 && t.rounds == 1)
        // A 128×768 and B 768×768 at 2 B; 96 blocks each need a 32×768 A panel and a 768×32 B panel.
        let (a, b, c) = (128 * 768 * 2, 768 * 768 * 2, 128 * 768 * 2)
        let panels = 96 * (32 * 768 * 2 + 768 * 32 * 2)
        #expect(op.traffic.dram.total == a + b + c)
        // L3: A and B written from DRAM, read once under multicast; C written and read on its way out.
        #expect(op.traffic.l3.total == 2 * (a + b) + 2 * c)  // 3,145,728 B: ZigZag's 3.15 MB
        // L2: every block's panels written and read; C drained through.
        #expect(op.traffic.l2.total == 2 * panels + 2 * c)  // 19,267,584 B: ZigZag's 19.27 MB
        // L1: the panels written and read once each (a block as wide as the array).
        #expect(op.traffic.l1.total == 2 * panels)  // 18,874,368 B: ZigZag's 18.87 MB
        // Clocks: one round of 768 MACs per output at 512 MACs per clock on 1,024 PEs, plus
        // 32 + 32 fill and drain, derated by the 30 W profile's bf16 tile utilisation.
        let utilization = hardware.tileUtilization(.bf16)
        #expect(op.computeCycles == Int((Double(768 * 1024 / 512 + 64) / utilization).rounded(.up)))
    }

    @Test func withoutMulticastEachTileReadsItsOwnCopyFromL3() throws {
        let (_, op, _) = try Self.mapping("encoder.layer.0.attention.self.query.matmul", multicast: false)
        let (a, b, c) = (128 * 768 * 2, 768 * 768 * 2, 128 * 768 * 2)
        let panels = 96 * (32 * 768 * 2 + 768 * 32 * 2)
        #expect(op.traffic.l3.total == (a + b) + panels + 2 * c)  // 11,206,656 B: ZigZag's 11.21 MB
    }

    @Test func ffn1TakesWholeRoundsAndItsArrayReReadsTheNarrowOperand() throws {
        let (t, op, hardware) = try Self.mapping("encoder.layer.0.intermediate.dense.matmul")
        // 128×3072 of output: 384 blocks of 32×32 would need 2 rounds on 256 tiles (not 1.5);
        // the mapper takes 192 blocks of twice that in one round instead, at the same clocks.
        let perPass = 768 * 1024 / 512 + 64
        let utilization = hardware.tileUtilization(.bf16)
        #expect(t.blocks * t.tileBlock.m * t.tileBlock.n == 128 * 3072)
        let passes = (t.tileBlock.m / 32) * (t.tileBlock.n / 32)
        #expect(op.computeCycles == Int((Double(t.rounds * passes * perPass) / utilization).rounded(.up)))
        #expect(t.rounds * passes == 2)
        // L1 reads: each operand's streamed bytes × the array passes across the other's dimension.
        #expect(t.l1ReadBytesByOperand.a == t.deliveredBytesByOperand.a * (t.tileBlock.n / 32))
        #expect(t.l1ReadBytesByOperand.b == t.deliveredBytesByOperand.b * (t.tileBlock.m / 32))
    }

    @Test func theSplitIsTheFastestThatFitsL2() throws {
        // Every candidate's clocks are at least the chosen one's: searched, not assumed.
        for path in ["encoder.layer.0.attention.self.query.matmul", "encoder.layer.0.attention.self.scores",
                     "encoder.layer.0.attention.self.context", "encoder.layer.0.intermediate.dense.matmul", "encoder.layer.0.output.dense.matmul"] {
            let (t, _, hardware) = try Self.mapping(path)
            let l2 = 2 * (t.l2Block.m * t.l2Block.k * 2 + t.l2Block.k * t.l2Block.n * 2) + t.l2Block.m * t.l2Block.n * 2
            #expect(l2 <= hardware.l2BytesPerTile, "\(path)")
            #expect(t.tilesUsed <= 256 && t.rounds == (t.blocks + t.tilesUsed - 1) / t.tilesUsed, "\(path)")
        }
    }
}
