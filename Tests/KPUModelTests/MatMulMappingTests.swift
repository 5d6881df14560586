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
        for path in [
            "encoder.layer.0.attention.self.query.matmul", "encoder.layer.0.attention.self.scores",
            "encoder.layer.0.attention.self.context", "encoder.layer.0.intermediate.dense.matmul", "encoder.layer.0.output.dense.matmul"
        ] {
            let (t, _, hardware) = try Self.mapping(path)
            let l2 = 2 * (t.l2Block.m * t.l2Block.k * 2 + t.l2Block.k * t.l2Block.n * 2) + t.l2Block.m * t.l2Block.n * 2
            #expect(l2 <= hardware.l2BytesPerTile, "\(path)")
            #expect(t.tilesUsed <= 256 && t.rounds == (t.blocks + t.tilesUsed - 1) / t.tilesUsed, "\(path)")
        }
    }
}

@Suite struct TileClassShareTests {
    /// KPU-T768 at bf16: 537 + 154 tiles of 16×8 arrays at 128 MACs per clock and 77 Matrix
    /// tiles of 8×8 at 2,048. A 512×1024×1024 projection in 2,048 blocks of 16×16: every block
    /// is placed, and no class alone, nor all classes sharing rounds equally, finishes sooner.
    @Test func blocksGoWhereTheyFinishSoonest() throws {
        let hardware = try KPUHardware.builtIn("kpu-t768")
        let classes = hardware.tileClasses(running: .bf16)
        let cycles = classes.map { MatMulTiling.blockCycles($0, block: (16, 16), k: 1024, precision: .bf16) }
        // 16×8 arrays: two passes of 1,024 × 128 / 128 + 32 cycles; 8×8 Matrix: four of 1,024 × 64 / 2,048 + 16.
        #expect(cycles == [2 * (1024 + 32), 2 * (1024 + 32), 4 * (32 + 16)])
        let shares = MatMulTiling.assign(2048, to: classes, blockCycles: cycles)
        #expect(shares.reduce(0) { $0 + $1.blocks } == 2048)
        let finish = zip(classes, cycles).compactMap { tile, time in shares.first { $0.name == tile.name }.map { $0.rounds * time } }.max()!
        // The Matrix tiles alone: ⌈2048 ÷ 77⌉ = 27 rounds of 192 cycles.
        #expect(finish <= 27 * 192)
        // One fewer round for the slowest class that works would leave blocks unplaced.
        for share in shares {
            let others = shares.filter { $0.name != share.name }.reduce(0) { $0 + $1.blocks }
            let tile = try #require(classes.first { $0.name == share.name })
            #expect(others + tile.count * (share.rounds - 1) < 2048 || share.rounds == 1)
        }
    }
}
