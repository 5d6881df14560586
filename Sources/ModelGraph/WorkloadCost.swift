/// The work each operator does and the least data it must move, before any hardware is chosen.
///
/// Compulsory traffic is the floor every mapping is measured against: each input read once and
/// each output written once. The KPU mapping (tiling, fusion) can only add to it, or remove it
/// entirely by keeping a tensor on chip; the report states the ratio.
///
/// ```swift
/// let cost = WorkloadCost(graph: graph)
/// let floor = cost.operators[op.index].compulsoryReadBytes
/// ```
public struct WorkloadCost: Sendable {
    public let operators: [OperatorCost]

    public init(graph: Graph) {
        operators = graph.ops.map { OperatorCost(op: $0, in: graph) }
    }

    public var totalMACs: Int { operators.reduce(0) { $0 + $1.macs } }
    public var totalCompulsoryBytes: Int { operators.reduce(0) { $0 + $1.compulsoryBytes } }
}
