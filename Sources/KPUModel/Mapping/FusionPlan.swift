/// Which operators a fusion policy groups together: every op in exactly one group, a group's
/// head (its matmul, or the op itself) first, groups in head order.
public struct FusionPlan: Sendable {
    /// Op-index lists, head first.
    public let groups: [[Int]]
    /// The head of each op's group, indexed like `graph.ops`.
    public let groupOf: [Int]
    /// Each op's role in its group, indexed like `graph.ops`.
    public let roles: [FusionRole]
    /// Where each head's group is in `groups`, indexed like `graph.ops` (heads only).
    public let groupIndex: [Int]

    init(groups: [[Int]], groupOf: [Int], roles: [FusionRole]) {
        (self.groups, self.groupOf, self.roles) = (groups, groupOf, roles)
        var groupIndex = [Int](repeating: 0, count: groupOf.count)
        for (index, group) in groups.enumerated() { groupIndex[group[0]] = index }
        self.groupIndex = groupIndex
    }
}
