import ModelGraph
import Support

/// Decides how every operator of a graph runs on a KPU: the fusion groups, each op's engine
/// and data route, and each matmul's blocking. It looks at the workload and the architecture,
/// never at the energy table, so comparing tables never changes the mapping.
///
/// ```swift
/// let mapping = Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: .epilogue, residency: .l3).map()
/// ```
public struct Mapper: Sendable {
    public let graph: Graph
    public let hardware: KPUHardware
    public let precision: Precision
    public let fusion: FusionPolicy
    public let residency: Residency
    /// The matmul shapes' mappings, when the caller already has them (they do not depend on the policy).
    let tilings: MatMulTilings?

    public init(
        graph: Graph, hardware: KPUHardware, precision: Precision, fusion: FusionPolicy, residency: Residency, tilings: MatMulTilings? = nil
    ) {
        (self.graph, self.hardware, self.precision, self.fusion, self.residency, self.tilings) = (
            graph, hardware, precision, fusion, residency, tilings
        )
    }

    public func map() -> Mapping { map(under: [residency])[0] }

    /// The mapping under each of `residencies`: everything but the residency plan is shared,
    /// since fusion, placement and blocking do not depend on where activations live.
    public func map(under residencies: [Residency]) -> [Mapping] {
        let tilings = self.tilings ?? MatMulTilings(graph: graph, hardware: hardware, precision: precision)
        // Attention kernels that fit, by QKᵀ op; the others fall back to the epilogue policy.
        var kernels: [Int: AttentionTiling] = [:]
        var fallbacks: [String] = []
        let plan = FusionPlanner(graph: graph, policy: fusion).plan { block in
            let scores = graph.ops[block.scores], context = graph.ops[block.context]
            let maskBytes = block.mask.map { mask in graph.ops[mask].inputs.map { graph[$0].dtype.byteSize }.max() ?? 0 } ?? 0
            guard
                let kernel = AttentionTiling.search(
                    scores: MatMulShape(scores, in: graph), context: MatMulShape(context, in: graph),
                    maskBytesPerElement: maskBytes, hardware: hardware, precision: precision)
            else {
                fallbacks.append(
                    "\(scores.path): no K/V tile fits a tile's \(hardware.l2BytesPerTile / 1024) KiB L2 beside the query rows and their running output"
                )
                return false
            }
            kernels[block.scores] = kernel
            return true
        }
        var operators: [OperatorMapping] = []
        operators.reserveCapacity(graph.ops.count)
        for op in graph.ops {
            let role = plan.roles[op.index]
            // A group's head comes first in topological order, so its tiling is known when members are placed.
            let head = plan.groupOf[op.index]
            let headTiling = head < op.index ? operators[head].tiling : nil
            operators.append(OperatorMapping(role: role, placement: place(op, role: role, head: head, headTiling: headTiling, tilings: tilings)))
        }
        // The kernel's members, after its head in topological order, take its tiling.
        for (index, role) in plan.roles.enumerated() {
            guard case .insideAttention = role, let kernel = kernels[plan.groupOf[index]] else { continue }
            let op = graph.ops[index]
            // Side operands: inputs made outside the kernel (the mask); the rest stays on chip.
            let head = plan.groupOf[index]
            let sides = distinctInputs(op).filter { input in
                graph.producerIndex(of: input).map { plan.groupOf[$0] != head } ?? true
            }.filter { graph[$0].elementCount > 1 || op.kind == .add }
            let routes = op.kind == .matMul ? [] : sides.map { broadcast($0, into: graph[op.outputs[0]]) }
            operators[index] = OperatorMapping(role: role, placement: .insideAttention(kernel: kernel, sideOperands: routes))
        }
        for (head, kernel) in kernels { operators[head] = OperatorMapping(role: plan.roles[head], placement: .attention(kernel)) }
        let planner = ResidencyPlanner(graph: graph, hardware: hardware, plan: plan, operators: operators)
        return residencies.map { residency in
            Mapping(
                fusion: fusion, precision: precision, plan: plan, operators: operators, residency: planner.plan(residency),
                attentionFallbacks: fallbacks)
        }
    }

    func place(_ op: Op, role: FusionRole, head: Int, headTiling: MatMulTiling?, tilings: MatMulTilings) -> Placement {
        let output = graph[op.outputs[0]]
        switch (op.kind, role) {
        case _ where op.folded:
            return .folded
        case (.matMul, _):
            let shape = MatMulShape(op, in: graph)
            return .matMul(tilings[shape] ?? MatMulTiling.search(shape, hardware: hardware, precision: precision))
        case (.add, .fusedBias), (.add, .fusedResidual), (_, .fusedActivation), (.layerNorm, .fusedLayerNorm):
            // The residual's skip is read whole, from wherever the residency plan keeps it.
            let sides = distinctInputs(op).filter { !isChainInput($0, of: op) }.map { input in
                if case .fusedResidual(let skip) = role, input == skip { return OperandRoute(tensor: skip, route: .whole) }
                return drainOperand(input, into: output, tiling: headTiling)
            }
            return .onDrain(sideOperands: sides)
        case _ where op.kind.isView:
            return .view
        case (.transpose, _):
            return transposeIsAbsorbed(op.outputs[0]) ? .absorbedTranspose : .dmaCopy
        case (.gather, _), (.gatherND, _), (.slice, _):
            return .dmaCopy
        default:
            return .streamed(
                operands: distinctInputs(op).map { input in
                    graph[input].elementCount < output.elementCount ? broadcast(input, into: output) : OperandRoute(tensor: input, route: .whole)
                })
        }
    }

    /// An op's inputs, each once (x + x reads x once), in tensor order.
    func distinctInputs(_ op: Op) -> [TensorID] {
        Set(op.inputs).sorted { $0.index < $1.index }
    }

    /// A broadcast operand (a bias [H], a mask [B,1,S,S] shared by the heads) comes from DRAM
    /// once, then into the tiles that need it: each of its rows is reused by `outputRows /
    /// operandRows` output rows, spread over at most that many tiles, where it stays resident.
    /// A bias (one row) goes to every tile working on the output; a head-shared mask is copied
    /// once per head, not once per tile.
    func broadcast(_ input: TensorID, into output: Tensor) -> OperandRoute {
        let operand = graph[input]
        let outputRows = max(output.elementCount / max(output.shape.last ?? 1, 1), 1)
        let operandRows = max(operand.elementCount / max(operand.shape.last ?? 1, 1), 1)
        return OperandRoute(tensor: input, route: .broadcast(copies: min(hardware.totalTiles, max(outputRows / operandRows, 1))))
    }

    /// A side operand of an op on a matmul's drain (a bias, LayerNorm's gamma and beta): a
    /// vector along the output's last axis goes to each tile once per block it drains, only the
    /// block's slice of columns, and stays there while the block drains; so the whole vector
    /// arrives once per row of blocks (per product). Anything else is broadcast as on the
    /// vector path.
    func drainOperand(_ input: TensorID, into output: Tensor, tiling: MatMulTiling?) -> OperandRoute {
        let operand = graph[input]
        guard let tiling, operand.shape.last == output.shape.last, operand.shape.dropLast().allSatisfy({ $0 == 1 }) else {
            return broadcast(input, into: output)
        }
        let columnBlocks = max(1, (tiling.n + tiling.tileBlock.n - 1) / tiling.tileBlock.n)
        return OperandRoute(tensor: input, route: .broadcast(copies: max(1, tiling.blocks / columnBlocks)))
    }

    /// The input a fused op receives from the chain (the matmul's result), as opposed to side operands.
    func isChainInput(_ input: TensorID, of op: Op) -> Bool {
        guard let producer = graph.producer(of: input) else { return false }
        switch producer.kind {
        case .matMul, .add, .gelu, .relu, .tanh: return graph.consumers(of: input).count == 1
        default: return false
        }
    }

    /// True when every consumer, looking through views, is a matmul.
    func transposeIsAbsorbed(_ tensor: TensorID) -> Bool {
        let consumers = graph.consumers(of: tensor)
        return !consumers.isEmpty
            && consumers.allSatisfy { consumer in
                consumer.kind == .matMul || (consumer.kind.isView && transposeIsAbsorbed(consumer.outputs[0]))
            }
    }
}

/// What a matmul's blocking depends on.
struct MatMulShape: Hashable {
    var m: Int, n: Int, k: Int, batch: Int
    var aBytesPerElement: Int, bBytesPerElement: Int, cBytesPerElement: Int
    /// A rank-2 B (a weight), shared by every row.
    var weightShared: Bool

    init(_ op: Op, in graph: Graph) {
        let a = graph[op.inputs[0]], b = graph[op.inputs[1]], c = graph[op.outputs[0]]
        k = a.shape.last ?? 1
        n = c.shape.last ?? 1
        // A weight (rank-2 B) is shared by every row: flatten the batch into M.
        weightShared = b.rank == 2
        batch = weightShared ? 1 : c.shape.dropLast(2).reduce(1, *)
        m = c.elementCount / max(n * batch, 1)
        aBytesPerElement = a.dtype.byteSize
        bBytesPerElement = b.dtype.byteSize
        cBytesPerElement = c.dtype.byteSize
    }
}
