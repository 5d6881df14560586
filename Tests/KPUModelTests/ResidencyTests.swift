import Support
import Foundation
import Testing
import ModelGraph
@testable import KPUModel

/// Residency (issue 19): activations kept in L3 between producer and consumers, and the
/// overlapping schedule. DRAM bytes, floors and the lanes' bookings are checked as properties.
@Suite struct ResidencyTests {
    /// Bytes every mapping reads from or writes to DRAM whatever the residency: each weight read
    /// by a matmul, a drain or a vector op once, the rows a gather takes from its table, and
    /// the graph's inputs and outputs.
    static func unavoidableDRAMBytes(_ graph: Graph) -> Int {
        var weights = Set<TensorID>()
        var bytes = 0
        let workload = WorkloadCost(graph: graph)
        for op in graph.ops where !op.folded {
            if op.kind == .gather {
                bytes += workload.operators[op.index].compulsoryReadBytes
                continue
            }
            for input in op.inputs where graph[input].role == .parameter { weights.insert(input) }
        }
        bytes += weights.reduce(0) { $0 + graph[$1].byteCount }
        bytes += graph.outputs.reduce(0) { $0 + graph[$1].byteCount }
        return bytes
    }

    /// The weights' bytes alone, each read once.
    static func weightBytes(_ graph: Graph) -> Int {
        Set(graph.ops.filter { !$0.folded && $0.kind != .gather }.flatMap { op in op.inputs.filter { graph[$0].role == .parameter } })
            .reduce(0) { $0 + graph[$1].byteCount }
    }

    /// DRAM residency is the model as it was before residency existed: the same DRAM bytes, to
    /// the byte, as the tool wrote for these runs (report.json of commit 29e56de).
    @Test(arguments: [
        ("bert-base-uncased", 128, Precision.fp32, "kpu-t256", FusionPolicy.none, 698_674_232),
        ("bert-base-uncased", 128, .fp32, "kpu-t256", .vectorEngine, 575_978_552),
        ("bert-base-uncased", 128, .fp32, "kpu-t256", .epilogue, 528_792_632),
        ("bert-base-uncased", 128, .bf16, "kpu-t768", .flashAttention, 226_781_700),
        ("bert-large-uncased", 512, .bf16, "kpu-t768", .vectorEngine, 3_056_752_692),
        ("bert-large-uncased", 512, .bf16, "kpu-t256", .flashAttention, 1_194_481_668)
    ])
    func dramResidencyReproducesTheEarlierDRAMBytes(preset: String, seq: Int, precision: Precision, sku: String, fusion: FusionPolicy, dram: Int)
        throws
    {
        let graph = try bertGraph(preset, seq: seq, precision: precision)
        let evaluation = try evaluate(graph, sku: sku, precision: precision, fusion: fusion, residency: .dram)
        #expect(evaluation.totalTraffic.dram.total == dram)
    }

    @Test(arguments: ["kpu-t64", "kpu-t256", "kpu-t768"])
    func l3DRAMBytesLieBetweenTheUnavoidableAndDRAMResidencys(sku: String) throws {
        let graph = try bertGraph("bert-base-uncased", precision: .bf16)
        let floor = Self.unavoidableDRAMBytes(graph)
        for fusion in FusionPolicy.allCases {
            let l3 = try evaluate(graph, sku: sku, precision: .bf16, fusion: fusion, residency: .l3)
            let dram = try evaluate(graph, sku: sku, precision: .bf16, fusion: fusion, residency: .dram)
            #expect(l3.totalTraffic.dram.total >= floor, "\(sku) \(fusion)")
            #expect(l3.totalTraffic.dram.total <= dram.totalTraffic.dram.total, "\(sku) \(fusion)")
        }
    }

    @Test func bertLargeOnT768StreamsLittleMoreThanItsWeights() throws {
        let graph = try bertGraph("bert-large-uncased", seq: 512, precision: .bf16)
        let evaluation = try evaluate(graph, sku: "kpu-t768", precision: .bf16, fusion: .vectorEngine, residency: .l3)
        let plan = evaluation.mapping.residency
        // 192 MiB of L3 holds every live activation of a 512-token pass: nothing spills.
        #expect(plan.spills.isEmpty)
        #expect(plan.peakResidentBytes > 0 && plan.peakResidentBytes < evaluation.hardware.l3Bytes)
        let weights = Self.weightBytes(graph)
        // bert-large's encoder and pooler weights in bf16: 302,309,376 + 1,049,600 parameters.
        #expect(weights == 2 * (24 * 12_596_224 + 1_049_600 + 2 * 1024))
        let dram = evaluation.totalTraffic.dram.total
        #expect(Double(dram) <= 1.1 * Double(weights + 2 * plan.spilledBytes))
        #expect(dram >= weights)
    }

    @Test func aSmallL3SpillsTheActivationUsedFurthestAhead() throws {
        let graph = try bertGraph("bert-base-uncased", seq: 512, precision: .fp32)
        // 4 MiB of L3 in all: the FFN's 6 MiB intermediate cannot stay beside its weights.
        let evaluation = try evaluate(graph, sku: "kpu-t64", precision: .fp32, fusion: .vectorEngine, residency: .l3) { hardware in
            hardware.l3BytesPerTile = 65_536
        }
        let plan = evaluation.mapping.residency
        #expect(!plan.spills.isEmpty)
        // Every spill is an activation, and its DRAM write is in the totals: L3 residency
        // never moves more than DRAM residency.
        for spill in plan.spills { #expect(graph[spill.tensor].role == .activation) }
        let dram = try evaluate(graph, sku: "kpu-t64", precision: .fp32, fusion: .vectorEngine, residency: .dram) { hardware in
            hardware.l3BytesPerTile = 65_536
        }
        #expect(evaluation.totalTraffic.dram.total <= dram.totalTraffic.dram.total)
        #expect(evaluation.totalTraffic.dram.total >= Self.unavoidableDRAMBytes(graph) + plan.spilledBytes)
    }

    @Test(arguments: ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"])
    func makespanIsNeverBelowTheDRAMOrComputeFloor(sku: String) throws {
        for (preset, seq) in [("bert-base-uncased", 128), ("bert-large-uncased", 512)] {
            let graph = try bertGraph(preset, seq: seq, precision: .bf16)
            for fusion in FusionPolicy.allCases {
                for residency in Residency.allCases {
                    let evaluation = try evaluate(graph, sku: sku, precision: .bf16, fusion: fusion, residency: residency)
                    let label = "\(preset) \(sku) \(fusion) \(residency)"
                    #expect(evaluation.makespan >= evaluation.dramFloor, "\(label)")
                    #expect(evaluation.makespan >= evaluation.computeFloor, "\(label)")
                    // DRAM floor by hand: bytes ÷ the lesser of the memory's sustained and the DMA's bandwidth.
                    let hardware = evaluation.hardware
                    let seconds =
                        Double(evaluation.totalTraffic.dram.total) / min(hardware.memoryBandwidth * hardware.dramEfficiency, hardware.dma.aggregateBandwidth)
                    #expect(abs(evaluation.dramFloor.seconds - seconds) <= 1e-12, "\(label)")
                    // No lane is ever booked twice at once, back-filling or not.
                    for lane in Lane.allCases {
                        let booked = evaluation.events.filter { $0.lane == lane && $0.endPicoseconds > $0.startPicoseconds }
                            .sorted { $0.startPicoseconds < $1.startPicoseconds }
                        for (a, b) in zip(booked, booked.dropFirst()) { #expect(a.endPicoseconds <= b.startPicoseconds, "\(label) \(lane)") }
                    }
                }
            }
        }
    }

    @Test func weightsArePrefetchedWhileTheOpBeforeComputes() throws {
        let graph = try bertGraph("bert-base-uncased", precision: .bf16)
        let evaluation = try evaluate(graph, sku: "kpu-t256", precision: .bf16, fusion: .vectorEngine, residency: .l3)
        // The first FFN's weight load starts before the op feeding it (the attention output's
        // LayerNorm) has finished: the DMA fetches it while earlier ops run.
        let ffn1 = try #require(graph.ops.first { $0.path.hasSuffix("layer.0.intermediate.dense.matmul") })
        let norm = try #require(graph.producer(of: ffn1.inputs[0]))
        let load = try #require(evaluation.events.filter { $0.opIndex == ffn1.index && $0.stage == .load }.map(\.startPicoseconds).min())
        let normEnd = try #require(evaluation.events.filter { $0.opIndex == evaluation.operators[norm.index].groupHead }.map(\.endPicoseconds).max())
        #expect(load < normEnd)
        // Its compute waits for the norm.
        let compute = try #require(evaluation.events.filter { $0.opIndex == ffn1.index && $0.stage == .compute }.map(\.startPicoseconds).min())
        #expect(compute >= normEnd)
    }

    @Test func oneLayerNormAloneReadsOnlyItsParametersFromDRAMUnderL3Residency() throws {
        let hardware = try KPUHardware.builtIn("kpu-t256")
        let table = try EnergyTable.named("kpu-16nm", for: hardware)
        let l3 = try #require(
            FusedOpEstimate.evaluate(.layerNorm, shape: [1, 128, 768], dtype: .fp32, hardware: hardware, energy: table, precision: .fp32, residency: .l3))
        let dram = try #require(
            FusedOpEstimate.evaluate(.layerNorm, shape: [1, 128, 768], dtype: .fp32, hardware: hardware, energy: table, precision: .fp32, residency: .dram))
        #expect(l3.dramBytes == 2 * 768 * 4)
        #expect(dram.dramBytes == 2 * 128 * 768 * 4 + 2 * 768 * 4)
    }
}

@Suite struct StageTests {
    @Test func ordinalsAreThePlacesInAllCases() {
        #expect(Stage.allCases.map(\.ordinal) == Array(Stage.allCases.indices))
    }
}

@Suite struct DrainParameterTests {
    /// A fused bias comes into each tile that drains the matmul once per row of blocks, never
    /// once per output row: every linear bias of bert-base and bert-large moves at most
    /// (tiles used × its bytes) into L2, and the sum over the biases follows.
    @Test(arguments: [("bert-base-uncased", 128, "kpu-t256"), ("bert-large-uncased", 512, "kpu-t768")])
    func everyBiasMovesAtMostTilesUsedTimesItsBytesIntoL2(preset: String, seq: Int, sku: String) throws {
        let graph = try bertGraph(preset, seq: seq, precision: .bf16)
        let evaluation = try evaluate(graph, sku: sku, precision: .bf16, fusion: .vectorEngine, residency: .l3)
        var biases = 0, l2 = 0, bound = 0
        for op in graph.ops where evaluation.mapping.plan.roles[op.index] == .fusedBias {
            let bias = try #require(op.inputs.first { graph[$0].role == .parameter })
            let tiling = try #require(evaluation.mapping[evaluation.mapping.plan.groupOf[op.index]].tiling)
            let written = evaluation.operators[op.index].traffic.l2.written
            #expect(written <= tiling.tilesUsed * graph[bias].byteCount, "\(op.path)")
            biases += 1
            l2 += written
            bound += tiling.tilesUsed * graph[bias].byteCount
        }
        // Q, K, V, output, FFN1 and FFN2 biases of every layer, and the pooler's.
        let layers = preset == "bert-base-uncased" ? 12 : 24
        #expect(biases == 6 * layers + 1)
        #expect(l2 <= bound)
    }
}
