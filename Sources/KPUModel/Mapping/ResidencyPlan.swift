import ModelGraph

/// Which reads an L3-resident activation serves and which results go out to DRAM: the residency
/// decisions of a mapping, made by ``ResidencyPlanner`` and costed by the evaluator.
public struct ResidencyPlan: Sendable {
    public let residency: Residency
    /// Per op, indexed like `graph.ops`: the inputs it reads from L3 rather than DRAM.
    let inputsInL3: [[TensorID]]
    /// Per group head, indexed like `graph.ops`: whether the group writes its result to DRAM.
    let storesResult: [Bool]
    /// Per group head: whether the group's DRAM reads include an activation, so its loads wait
    /// for the producers; loads of weights and graph inputs alone can be prefetched.
    let loadsActivations: [Bool]
    /// Activations that had to leave L3 before their last use, in the order they left.
    public let spills: [Spill]
    /// The most bytes of activations L3 held at once.
    public let peakResidentBytes: Int

    /// An activation written to DRAM because L3 could not keep it until its last use.
    public struct Spill: Sendable, Hashable {
        public let tensor: TensorID
        public let bytes: Int
        /// The head of the group during which it had to leave L3.
        public let evictedDuring: Int
    }

    /// Whether `op` reads `tensor` from L3.
    public func readsFromL3(_ op: Int, _ tensor: TensorID) -> Bool {
        inputsInL3[op].contains(tensor)
    }

    /// Whether the group headed by `head` writes its result to DRAM.
    public func storesToDRAM(_ head: Int) -> Bool { storesResult[head] }

    /// Whether the group headed by `head` reads an activation from DRAM.
    public func loadsWaitForProducers(_ head: Int) -> Bool { loadsActivations[head] }

    public var spilledBytes: Int { spills.reduce(0) { $0 + $1.bytes } }

    /// Every op reads its non-parameter inputs from L3 and leaves its result there: a graph
    /// cut out of a model, costed as it would run inside it.
    static func activationsOnChip(_ graph: Graph) -> ResidencyPlan {
        ResidencyPlan(
            residency: .l3, inputsInL3: graph.ops.map { op in op.inputs.filter { [.graphInput, .activation].contains(graph[$0].role) } },
            storesResult: graph.ops.map { _ in false }, loadsActivations: graph.ops.map { _ in false }, spills: [], peakResidentBytes: 0)
    }
}
