import ConfigFrontend
import Foundation
import ModelGraph
import Support
import Testing

@testable import KPUModel

/// The flash-attention policy: each attention block one kernel, the scores never in DRAM.
@Suite struct FlashAttentionTests {
    static let configurations: [(preset: String, seq: Int)] = [
        ("bert-base-uncased", 128), ("bert-base-uncased", 512), ("bert-large-uncased", 128), ("bert-large-uncased", 512)
    ]

    @Test(arguments: ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"])
    func theScoresNeverReachDRAMAndNothingCostsMoreThanUnderEpilogue(sku: String) throws {
        for (preset, seq) in Self.configurations {
            let graph = try bertGraph(preset, seq: seq, precision: .bf16)
            let flash = try evaluate(graph, sku: sku, precision: .bf16, fusion: .flashAttention)
            let epilogue = try evaluate(graph, sku: sku, precision: .bf16, fusion: .epilogue)
            let label = "\(preset) S=\(seq) on \(sku)"
            // MACs are the same under every policy.
            #expect(flash.operators.reduce(0) { $0 + $1.macs } == epilogue.operators.reduce(0) { $0 + $1.macs }, "\(label)")
            guard flash.mapping.attentionFallbacks.isEmpty else {
                Issue.record("\(label): \(flash.mapping.attentionFallbacks[0])")
                continue
            }
            // The mask add moves only the mask: [1, 1, S, S] at bf16, read once from DRAM.
            for op in graph.ops where op.path.hasSuffix("attention.self.mask") {
                #expect(flash.operators[op.index].traffic.dram.total == seq * seq * 2, "\(label) \(op.path)")
                guard case .insideAttention = flash.mapping[op.index].placement else {
                    Issue.record("\(label): \(op.path) is not inside an attention kernel")
                    continue
                }
            }
            #expect(flash.totalEnergy.total <= epilogue.totalEnergy.total, "\(label): energy")
            #expect(flash.makespan <= epilogue.makespan, "\(label): latency")
        }
    }

    @Test func theSavingGrowsWithTheSequence() throws {
        func saving(_ seq: Int) throws -> Double {
            let graph = try bertGraph("bert-base-uncased", seq: seq, precision: .bf16)
            let flash = try evaluate(graph, precision: .bf16, fusion: .flashAttention)
            let epilogue = try evaluate(graph, precision: .bf16, fusion: .epilogue)
            return 1 - Double(flash.totalEnergy.total.femtojoules) / Double(epilogue.totalEnergy.total.femtojoules)
        }
        #expect(try saving(512) > saving(128))
    }

    @Test func theOnlineSoftmaxIsCostedOnTheVectorEngines() throws {
        // bert-base S=512 on T256 at bf16: the K/V tiles after the first each rescale the
        // running output (32 rows × 64) and two row statistics, per block of 32 query rows.
        let graph = try bertGraph("bert-base-uncased", seq: 512, precision: .bf16)
        let flash = try evaluate(graph, precision: .bf16, fusion: .flashAttention)
        let softmax = try #require(graph.ops.first { $0.path == "encoder.layer.0.attention.self.softmax" })
        guard case .insideAttention(let kernel, _) = flash.mapping[softmax.index].placement else {
            Issue.record("softmax is not inside the kernel")
            return
        }
        let blocks = 12 * 512 / 32
        #expect(kernel.blocks == blocks)
        #expect(kernel.rescaleOps == blocks * (kernel.kvTiles - 1) * (32 * 64 + 2 * 32))
        // Softmax's own four passes over the scores plus the rescaling.
        #expect(flash.operators[softmax.index].vectorOps == 12 * 512 * 512 * 4 + kernel.rescaleOps)
    }

    @Test func aTileTooSmallForAnyKVTileFallsBackToEpilogue() throws {
        let graph = try bertGraph("bert-tiny", precision: .bf16)
        let flash = try evaluate(graph, precision: .bf16, fusion: .flashAttention) { $0.l2BytesPerTile = 4 * 1024 }
        #expect(flash.mapping.attentionFallbacks.count == 2)
        #expect(flash.mapping.attentionFallbacks[0].contains("no K/V tile fits"))
        let epilogue = try evaluate(graph, precision: .bf16, fusion: .epilogue) { $0.l2BytesPerTile = 4 * 1024 }
        #expect(flash.totalEnergy == epilogue.totalEnergy)
    }
}
