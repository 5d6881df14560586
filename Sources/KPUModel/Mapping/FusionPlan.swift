/// Which operators a fusion policy groups together: every op in exactly one group, a group's
/// head (its matmul, or the op itself) first, groups in head order.
public struct FusionPlan: Sendable {
    /// Op-index lists, head first.
    public let groups: [[Int]]
    /// The head of each op's group, indexed like `graph.ops`.
    public let groupOf: [Int]
    /// Each op's role in its group, indexed like `graph.ops`.
    public let roles: [FusionRole]
}
