import ModelGraph

/// How a graph runs on a KPU under one fusion policy at one precision: which ops are fused,
/// each op's placement and blocking, and where activations live between ops. A plain value: the mapper makes it, the evaluator
/// costs it, the report describes it.
///
/// ```swift
/// let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine, residency: .l3).map()
/// let placement = mapping.operators[0].placement
/// ```
public struct Mapping: Sendable {
    public let fusion: FusionPolicy
    public let precision: Precision
    public let plan: FusionPlan
    /// One entry per graph op, indexed like `graph.ops`.
    public let operators: [OperatorMapping]
    /// Which reads L3 serves and which results go out to DRAM.
    public let residency: ResidencyPlan
    /// Attention blocks flash-attention could not fuse, and why (they run as under epilogue).
    public let attentionFallbacks: [String]

    public subscript(opIndex: Int) -> OperatorMapping { operators[opIndex] }

    /// The most chunks a group is pipelined in.
    public static let maximumChunks = 8
    /// Bytes per chunk of a group without a matmul blocking.
    public static let chunkBytes = 262_144

    /// How many chunks the group headed by `head` flows through its stages in: one per 256 KiB
    /// its members read and write, and for a matmul at least one per L3 block; at most
    /// ``maximumChunks``. A vector-path group's count is rounded down to a power of two so the
    /// chunks split its rows evenly. The schedule pipelines them; the loop nests show them.
    /// (Counted in L2 K-steps, a larger L2 meant fewer, longer chunks and a slower schedule.)
    public func chunks(ofGroup head: Int, in graph: Graph) -> Int {
        let moved = plan.groups[plan.groupIndex[head]].reduce(0) { sum, member in
            let op = graph.ops[member]
            return sum + Set(op.inputs).reduce(0) { $0 + graph[$1].byteCount } + graph[op.outputs[0]].byteCount
        }
        let byBytes = (moved + Self.chunkBytes - 1) / Self.chunkBytes
        if let tiling = operators[head].tiling {
            return min(Self.maximumChunks, max(1, tiling.l3BlockCount, byBytes))
        }
        let wanted = min(Self.maximumChunks, max(1, byBytes))
        var chunks = 1
        while chunks * 2 <= wanted { chunks *= 2 }
        return chunks
    }

    /// The same mapping with other residency decisions.
    func with(residency: ResidencyPlan) -> Mapping {
        Mapping(fusion: fusion, precision: precision, plan: plan, operators: operators, residency: residency, attentionFallbacks: attentionFallbacks)
    }
}
