import ModelGraph

/// What an operator does in its fused group under a fusion policy.
public enum FusionRole: Sendable, Hashable {
    /// Not fused: the op is its own group.
    case standalone
    /// The matmul a group is built around; `output` is the group's final result, the one
    /// tensor the group stores.
    case matMulHead(output: TensorID)
    /// A bias added to the product as it drains.
    case fusedBias
    /// An activation applied as the product drains.
    case fusedActivation
    /// The residual add of `skip`, a same-shaped activation, to the product (epilogue only).
    case fusedResidual(skip: TensorID)
    /// The LayerNorm after the fused residual (epilogue only).
    case fusedLayerNorm
    /// The QKᵀ product that opens an attention kernel (flash-attention only); `output` is the
    /// context the kernel stores.
    case attentionHead(output: TensorID)
    /// The scale, mask add, softmax or ·V product inside an attention kernel.
    case insideAttention
}
