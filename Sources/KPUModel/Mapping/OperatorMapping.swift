import ModelGraph

/// Where one operator runs and how its operands reach it: the decisions the evaluator costs.
public struct OperatorMapping: Sendable {
    public let role: FusionRole
    public let placement: Placement

    /// The matmul's blocking, for matmuls.
    public var tiling: MatMulTiling? {
        if case .matMul(let tiling) = placement { tiling } else { nil }
    }
}

/// The engine an operator runs on and the route its data takes.
public enum Placement: Sendable {
    /// Computed at import from sizes known before the model runs: nothing happens at run time.
    case folded
    /// A view (reshape) of its input's buffer: nothing moves.
    case view
    /// On the PE arrays, output-stationary, with this blocking. A group's head stores the
    /// group's final result instead of its own.
    case matMul(MatMulTiling)
    /// On the vector engine as the producing matmul's result drains from L1; only the side
    /// operands move.
    case onDrain(sideOperands: [OperandRoute])
    /// A transpose every consumer of which is a matmul: the block movers fetch tiles with the
    /// transposed strides, so nothing moves of its own.
    case absorbedTranspose
    /// A data move by DMA through L3: a gather's rows, a slice, or a transpose some consumer
    /// reads element-wise.
    case dmaCopy
    /// Through L3, L2 and L1 into the vector engine, and back out to DRAM.
    case streamed(operands: [OperandRoute])
    /// The QKᵀ product that opens an attention kernel: the whole kernel's tiling.
    case attention(AttentionTiling)
    /// Inside an attention kernel (scale, mask add, softmax, ·V): only side operands move
    /// (the mask), and ·V's V and its result; `kernel` is the head's tiling.
    case insideAttention(kernel: AttentionTiling, sideOperands: [OperandRoute])
}

/// How one operand of an element-wise op reaches the engine.
public struct OperandRoute: Sendable, Hashable {
    public let tensor: TensorID
    public let route: Route

    public enum Route: Sendable, Hashable {
        /// The whole tensor, once: from DRAM, or from L3 where the residency plan keeps it,
        /// through L2 into L1.
        case whole
        /// A broadcast operand (a bias, a head-shared mask): fetched into L3 once (unless it is
        /// resident there), then copied into `copies` tiles, where it stays while its rows are
        /// reused.
        case broadcast(copies: Int)
    }
}
