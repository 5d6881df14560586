import Support
import Foundation
import Testing
import ModelGraph
@testable import KPUModel

/// Loop nests come from the mapping value (issue 19): their trip counts multiply back to the
/// op's shape, loop by loop relative to the loop around it.
@Suite struct LoopNestTests {
    @Test(arguments: [
        ("bert-base-uncased", 128, Precision.fp32, "kpu-t256"), ("bert-large-uncased", 512, .bf16, "kpu-t768"),
        ("bert-base-uncased", 128, .bf16, "kpu-t64")
    ])
    func tripCountsMultiplyBackToEveryOpsShape(preset: String, seq: Int, precision: Precision, sku: String) throws {
        let graph = try bertGraph(preset, seq: seq, precision: precision)
        let hardware = try KPUHardware.builtIn(sku)
        for fusion in [FusionPolicy.none, .vectorEngine, .epilogue] {
            let mapping = Mapper(graph: graph, hardware: hardware, precision: precision, fusion: fusion, residency: .l3).map()
            for op in graph.ops {
                let nests = mapping.loopNests(of: op.index, in: graph, hardware: hardware)
                let iterations = nests.reduce(0) { $0 + $1.iterations }
                switch mapping[op.index].placement {
                case .matMul(let tiling):
                    // Every MAC once: blocks × (K-slices × passes × k × the array), summed over the classes.
                    #expect(iterations == graph.macs(of: op), "\(op.path)")
                    #expect(nests.count == tiling.shares.filter { $0.blocks > 0 }.count)
                    for (nest, share) in zip(nests, tiling.shares.filter { $0.blocks > 0 }) {
                        // Rounds × tiles hold the class's blocks, with less than a round to spare.
                        let slots = nest.outer.reduce(1) { $0 * $1.trips }
                        #expect(slots >= share.blocks && slots - share.blocks < share.tiles, "\(op.path)")
                    }
                case .onDrain:
                    let head = graph.ops[mapping.plan.groupOf[op.index]]
                    #expect(iterations == graph.macs(of: head), "\(op.path)")
                case .streamed:
                    // Every output element once, the chunks' rows split over the tiles.
                    #expect(iterations == graph[op.outputs[0]].elementCount, "\(op.path)")
                    #expect(nests[0].outer[0].trips == mapping.chunks(ofGroup: op.index, in: graph))
                default:
                    #expect(nests.isEmpty)
                }
            }
        }
    }

    @Test func eachTileClassHasItsOwnPELevel() throws {
        let graph = try bertGraph("bert-large-uncased", seq: 512, precision: .bf16)
        let hardware = try KPUHardware.builtIn("kpu-t768")
        let mapping = Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: .vectorEngine, residency: .l3).map()
        let ffn = try #require(graph.ops.first { $0.path.hasSuffix("layer.0.intermediate.dense.matmul") })
        let nests = mapping.loopNests(of: ffn.index, in: graph, hardware: hardware)
        let classes = try #require(mapping[ffn.index].tiling).shares.filter { $0.blocks > 0 }
        #expect(
            nests.map(\.title)
                == classes.map { share in
                    let tile = hardware.tileClasses.first { $0.name == share.name }!
                    return "\(share.name) tiles, \(tile.rows)×\(tile.columns) PE array"
                })
        #expect(classes.count > 1)
        // The innermost loop is the PE array, and the k loop is explicit.
        for nest in nests {
            #expect(nest.inner.last?.isSpatial == true)
            #expect(nest.inner.contains { $0.variable == "k" })
        }
    }
}
