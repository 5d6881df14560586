import ModelGraph

/// How a graph runs on a KPU under one fusion policy at one precision: which ops are fused,
/// and each op's placement and blocking. A plain value: the mapper makes it, the evaluator
/// costs it, the report describes it.
///
/// ```swift
/// let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine).map()
/// let placement = mapping.operators[0].placement
/// ```
public struct Mapping: Sendable {
    public let fusion: FusionPolicy
    public let precision: Precision
    public let plan: FusionPlan
    /// One entry per graph op, indexed like `graph.ops`.
    public let operators: [OperatorMapping]
    /// Attention blocks flash-attention could not fuse, and why (they run as under epilogue).
    public let attentionFallbacks: [String]

    public subscript(opIndex: Int) -> OperatorMapping { operators[opIndex] }
}
