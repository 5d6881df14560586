/// The fusion policies the report compares.
public enum FusionPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// No op rides another's drain: each reads its inputs and writes its output through L3
    /// (and DRAM, as the residency decides).
    case none
    /// Bias adds and activations ride the matmul's drain through the vector engine.
    case vectorEngine = "vector-engine"
    /// Also the residual add and the following LayerNorm, the skip tensor read from L3.
    case epilogue
    /// Also each attention block as one kernel: QKᵀ, scale, mask add, softmax (online, by K/V
    /// tiles) and ·V run tile by tile with the scores kept on chip.
    case flashAttention = "flash-attention"

    /// What the policy keeps off DRAM, in a phrase (for help and `generate-report list`).
    /// Whether matmul epilogues (residual and LayerNorm) ride the drain.
    public var fusesEpilogues: Bool { self == .epilogue || self == .flashAttention }

    public var summary: String {
        switch self {
        case .none: "no op rides another's drain; each reads and writes through L3"
        case .vectorEngine: "bias adds and activations ride the matmul's drain"
        case .epilogue: "also the residual add and the LayerNorm after it, the skip tensor read from L3"
        case .flashAttention: "also each attention block as one kernel, the scores kept on chip"
        }
    }
}
