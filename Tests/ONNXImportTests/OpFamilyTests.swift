import Foundation
import Testing
import AddAnalysis
import KPUModel
import ModelGraph
@testable import ONNXImport

/// Shape inference and folding, family by family, on small graphs whose answers are worked out
/// by hand in each test.
@Suite struct OpFamilyTests {
    /// Reads a synthetic model and returns the lowering's state, so folded values can be checked.
    static func lowered(_ data: Data, batch: Int = 1, sequence: Int = 8) throws -> (ONNXModel, Lowering) {
        let (proto, fingerprint) = try ONNXFile.decodeWithFingerprint(data, source: "synthetic.onnx")
        var lowering = Lowering(
            model: proto, source: "synthetic.onnx", options: ONNXImportOptions(batch: batch, sequenceLength: sequence), fingerprint: fingerprint)
        let model = try lowering.run()
        return (model, lowering)
    }

    @Test func patchConvolutionIsOneMatmulWithItsBiasInside() throws {
        // ViT's patch embedding, small: 3×32×32 image, 16×16 patches, 64 filters: 4 patches.
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("pixels", [1, 3, 32, 32])],
            initializers: [Synthetic.initializer("W", [64, 3, 16, 16]), Synthetic.initializer("B", [64])],
            nodes: [
                Synthetic.node(
                    "Conv", ["pixels", "W", "B"], ["patches"],
                    attributes: [
                        Synthetic.attribute("kernel_shape", ints: [16, 16]), Synthetic.attribute("strides", ints: [16, 16])
                    ])
            ],
            outputs: ["patches"])
        let model = try Synthetic.read(data)
        #expect(model.graph[model.graph.outputs[0]].shape == [1, 64, 2, 2])
        // 4 positions × 64 filters × (3 × 16 × 16) products each.
        #expect(model.graph.macCount == 4 * 64 * 768)
        let analysis = AddAnalysis(graph: model.graph, cost: WorkloadCost(graph: model.graph))
        #expect(analysis.records.map(\.category) == [.bias])
        #expect(analysis.records.map(\.fusedIn) == ["Conv"])
    }

    @Test func groupedConvolutionCountsEachGroupsProducts() throws {
        // Depthwise: 8 channels, 8 groups, 3×3 kernel, padding 1 on a 10×10 map: 100 positions × 8 × 9.
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 8, 10, 10])],
            initializers: [Synthetic.initializer("W", [8, 1, 3, 3])],
            nodes: [
                Synthetic.node(
                    "Conv", ["x", "W"], ["y"],
                    attributes: [
                        Synthetic.attribute("group", int: 8), Synthetic.attribute("pads", ints: [1, 1, 1, 1])
                    ])
            ],
            outputs: ["y"])
        let model = try Synthetic.read(data)
        #expect(model.graph[model.graph.outputs[0]].shape == [1, 8, 10, 10])
        #expect(model.graph.macCount == 100 * 8 * 9)
    }

    @Test(arguments: [
        // (equation, shapes, output shape, MACs)
        ("bhqd,bhkd->bhqk", [[1, 2, 8, 4], [1, 2, 8, 4]], [1, 2, 8, 8], 1 * 2 * 8 * 8 * 4),
        ("i,j->ij", [[32], [8]], [32, 8], 32 * 8),
        ("...qd,dn->...qn", [[2, 8, 4], [4, 6]], [2, 8, 6], 2 * 8 * 6 * 4),
        ("bij,bjk", [[3, 4, 5], [3, 5, 6]], [4, 6], 4 * 6 * 3 * 5)  // implicit output: b and j are summed
    ])
    func einsumIsABatchedMatmul(equation: String, shapes: [[Int]], output: [Int], macs: Int) throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("a", shapes[0].map(Int64.init)), Synthetic.tensorInput("b", shapes[1].map(Int64.init))],
            initializers: [],
            nodes: [Synthetic.node("Einsum", ["a", "b"], ["c"], attributes: [Synthetic.attribute("equation", string: equation)])],
            outputs: ["c"])
        let model = try Synthetic.read(data)
        #expect(model.graph[model.graph.outputs[0]].shape == output)
        #expect(model.graph.macCount == macs)
    }

    @Test func relativePositionBucketsFoldAtImport() throws {
        // T5's bucket arithmetic on 4 positions, bidirectional, 4 buckets, max exact 1:
        // relative = key − query, then sign, magnitude and a log-spaced bucket.
        let nodes = [
            Synthetic.node("Range", ["zero", "four", "one"], ["positions"]),
            Synthetic.node("Unsqueeze", ["positions", "axis0"], ["keys"]),
            Synthetic.node("Unsqueeze", ["positions", "axis1"], ["queries"]),
            Synthetic.node("Sub", ["keys", "queries"], ["relative"]),
            Synthetic.node("Greater", ["relative", "zero"], ["forward"]),
            Synthetic.node("Cast", ["forward"], ["forward_i"], ints: ["to": 7]),
            Synthetic.node("Mul", ["forward_i", "two"], ["offset"]),
            Synthetic.node("Abs", ["relative"], ["distance"]),
            Synthetic.node("Less", ["distance", "one"], ["exact"]),
            Synthetic.node("Cast", ["distance"], ["distance_f"], ints: ["to": 1]),
            Synthetic.node("Log", ["distance_f"], ["log"]),
            Synthetic.node("Cast", ["log"], ["log_i"], ints: ["to": 7]),
            Synthetic.node("Add", ["log_i", "one"], ["large"]),
            Synthetic.node("Min", ["large", "one"], ["capped"]),
            Synthetic.node("Where", ["exact", "distance", "capped"], ["bucket"]),
            Synthetic.node("Add", ["bucket", "offset"], ["buckets"]),
            Synthetic.node("Gather", ["table", "buckets"], ["bias"])
        ]
        let data = try Synthetic.model(
            inputs: [],
            initializers: [
                Synthetic.integers("zero", [0], dims: []), Synthetic.integers("one", [1], dims: []),
                Synthetic.integers("two", [2], dims: []), Synthetic.integers("four", [4], dims: []),
                Synthetic.integers("axis0", [0]), Synthetic.integers("axis1", [1]), Synthetic.initializer("table", [4, 2])
            ],
            nodes: nodes, outputs: ["bias"])
        let (model, lowering) = try Self.lowered(data)
        // Distances 0…3: bucket 0 when exact (0), else min(floor(ln d) + 1, 1) = 1; +2 looking forward.
        #expect(
            lowering.entries["buckets"]?.value
                == .ints(
                    [
                        0, 3, 3, 3,
                        1, 0, 3, 3,
                        1, 1, 0, 3,
                        1, 1, 1, 0
                    ], shape: [4, 4]))
        // Everything up to the lookup was computed when the file was read.
        #expect(model.graph.ops.filter { !$0.folded }.map(\.kind) == [.gather])
        #expect(model.graph[model.graph.outputs[0]].shape == [4, 4, 2])
    }

    @Test func integerDivisionTruncatesAndModFollowsTheDivisor() throws {
        let data = try Synthetic.model(
            inputs: [], initializers: [Synthetic.integers("a", [-7, 7, -7]), Synthetic.integers("b", [2, -2, -2])],
            nodes: [
                Synthetic.node("Div", ["a", "b"], ["q"]), Synthetic.node("Mod", ["a", "b"], ["r"]),
                Synthetic.node("Mod", ["a", "b"], ["f"], ints: ["fmod": 1])
            ],
            outputs: ["q", "r", "f"])
        let (_, lowering) = try Self.lowered(data)
        #expect(lowering.entries["q"]?.value?.ints == [-3, -3, 3])
        #expect(lowering.entries["r"]?.value?.ints == [1, -1, -1])
        #expect(lowering.entries["f"]?.value?.ints == [-1, 1, -1])
    }

    @Test func positionIDsFromTokenIDsHaveAShapeButNoValue() throws {
        // RoBERTa: cumsum(ids ≠ pad) · mask + pad. Depends on the ids, so only the shape is known.
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("ids", [1, 8], type: 7)],
            initializers: [Synthetic.integers("pad", [1], dims: []), Synthetic.integers("axis", [1], dims: [])],
            nodes: [
                Synthetic.node("Equal", ["ids", "pad"], ["is_pad"]), Synthetic.node("Not", ["is_pad"], ["mask"]),
                Synthetic.node("Cast", ["mask"], ["mask_i"], ints: ["to": 7]), Synthetic.node("CumSum", ["mask_i", "axis"], ["running"]),
                Synthetic.node("Mul", ["running", "mask_i"], ["kept"]), Synthetic.node("Add", ["kept", "pad"], ["position_ids"])
            ],
            outputs: ["position_ids"])
        let (model, lowering) = try Self.lowered(data)
        #expect(lowering.entries["position_ids"]?.shape == [1, 8])
        #expect(lowering.entries["position_ids"]?.value == nil)
        #expect(model.graph.ops.map(\.kind) == [.equal, .not, .cast, .cumSum, .mul, .add])
        #expect(AddAnalysis(graph: model.graph, cost: WorkloadCost(graph: model.graph)).records.map(\.category) == [.maskPrep])
    }

    @Test func splitSliceConcatTileAndTransposeFoldTogether() throws {
        let data = try Synthetic.model(
            inputs: [],
            initializers: [
                Synthetic.integers("v", [0, 1, 2, 3, 4, 5], dims: [2, 3]), Synthetic.integers("sizes", [1, 2]),
                Synthetic.integers("repeats", [1, 2]), Synthetic.integers("starts", [1]), Synthetic.integers("ends", [3]),
                Synthetic.integers("axes", [1])
            ],
            nodes: [
                Synthetic.node("Split", ["v", "sizes"], ["left", "right"], ints: ["axis": 1]),
                Synthetic.node("Concat", ["right", "left"], ["rotated"], ints: ["axis": 1]),
                Synthetic.node("Tile", ["left", "repeats"], ["tiled"]),
                Synthetic.node("Slice", ["v", "starts", "ends", "axes"], ["sliced"]),
                Synthetic.node("Transpose", ["v"], ["transposed"], attributes: [Synthetic.attribute("perm", ints: [1, 0])])
            ],
            outputs: ["rotated", "tiled", "sliced", "transposed"])
        let (_, lowering) = try Self.lowered(data)
        #expect(lowering.entries["rotated"]?.value == .ints([1, 2, 0, 4, 5, 3], shape: [2, 3]))
        #expect(lowering.entries["tiled"]?.value == .ints([0, 0, 3, 3], shape: [2, 2]))
        #expect(lowering.entries["sliced"]?.value == .ints([1, 2, 4, 5], shape: [2, 2]))
        #expect(lowering.entries["transposed"]?.value == .ints([0, 3, 1, 4, 2, 5], shape: [3, 2]))
    }

    @Test func gatherElementsAndReductionsFold() throws {
        let data = try Synthetic.model(
            inputs: [],
            initializers: [
                Synthetic.integers("v", [10, 11, 12, 20, 21, 22], dims: [2, 3]), Synthetic.integers("i", [2, 0, 1, 1], dims: [2, 2]),
                Synthetic.integers("axes", [1])
            ],
            nodes: [
                Synthetic.node("GatherElements", ["v", "i"], ["picked"], ints: ["axis": 1]),
                Synthetic.node("ReduceSum", ["v", "axes"], ["sums"], ints: ["keepdims": 0]),
                Synthetic.node("ReduceMax", ["v"], ["largest"], ints: ["keepdims": 1])
            ],
            outputs: ["picked", "sums", "largest"])
        let (_, lowering) = try Self.lowered(data)
        #expect(lowering.entries["picked"]?.value == .ints([12, 10, 21, 21], shape: [2, 2]))
        #expect(lowering.entries["sums"]?.value == .ints([33, 63], shape: [2]))
        #expect(lowering.entries["largest"]?.value == .ints([22], shape: [1, 1]))
    }

    @Test func causalMaskFromTriluFolds() throws {
        let data = try Synthetic.model(
            inputs: [], initializers: [Synthetic.integers("ones", [1, 1, 1, 1, 1, 1, 1, 1, 1], dims: [3, 3]), Synthetic.integers("k", [1], dims: [])],
            nodes: [Synthetic.node("Trilu", ["ones", "k"], ["upper"])], outputs: ["upper"])
        let (_, lowering) = try Self.lowered(data)
        #expect(lowering.entries["upper"]?.value == .ints([0, 1, 1, 0, 0, 1, 0, 0, 0], shape: [3, 3]))
    }

    @Test func visionExportTakesItsTokenCountFromTheGraph() throws {
        let model = try Fixtures.load("onnx-transformers/vit-base-4l.legacy14.onnx")
        #expect(model.hasTokenInput == false)
        #expect(model.inputSize.batch == 1)
        // 196 patches of 16×16 in 224×224, and the class token.
        #expect(model.inputSize.sequence == 197)
    }
}
