import ModelGraph
import Support

/// The mapping of every distinct matmul shape of a graph on one SKU at one precision: the same
/// under every fusion policy, so the pipeline searches it once and hands it to each policy's
/// mapper. (A transformer has a handful of shapes, repeated in every layer.)
public struct MatMulTilings: Sendable {
    let byShape: [MatMulShape: MatMulTiling]

    public init(graph: Graph, hardware: KPUHardware, precision: Precision) {
        let shapes = Array(Set(graph.ops.filter { $0.kind == .matMul && !$0.folded }.map { MatMulShape($0, in: graph) }))
        let tilings = shapes.concurrentMap { MatMulTiling.search($0, hardware: hardware, precision: precision) }
        byShape = Dictionary(uniqueKeysWithValues: zip(shapes, tilings))
    }

    subscript(shape: MatMulShape) -> MatMulTiling? { byShape[shape] }
}
