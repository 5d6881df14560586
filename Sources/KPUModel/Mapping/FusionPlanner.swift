import ModelGraph

/// Finds the operators that ride a matmul's drain under a fusion policy, from structure alone:
/// a bias (a parameter vector along the last axis) added to the product, an activation of that,
/// and, for the epilogue, the residual add of a same-shaped activation and the LayerNorm after it.
struct FusionPlanner {
    let graph: Graph
    let policy: FusionPolicy

    /// Groups covering every op once, in head order, and each op's role.
    func plan() -> FusionPlan {
        var roles = [FusionRole](repeating: .standalone, count: graph.ops.count)
        var claimed = Set<Int>()
        var groupsByHead: [Int: [Int]] = [:]
        if policy != .none {
            for op in graph.ops where op.kind == .matMul {
                var members = [op.index]
                var tail = op.outputs[0]
                if let bias = soleConsumer(of: tail), bias.kind == .add, isBias(bias, chain: tail) {
                    members.append(bias.index)
                    roles[bias.index] = .fusedBias
                    tail = bias.outputs[0]
                    if let activation = soleConsumer(of: tail), [.gelu, .relu, .tanh].contains(activation.kind) {
                        members.append(activation.index)
                        roles[activation.index] = .fusedActivation
                        tail = activation.outputs[0]
                    } else if policy == .epilogue, let residual = soleConsumer(of: tail), residual.kind == .add,
                        let skip = residual.inputs.first(where: { $0 != tail }), graph[skip].role == .activation,
                        graph[skip].shape == graph[tail].shape,
                        let norm = soleConsumer(of: residual.outputs[0]), norm.kind == .layerNorm
                    {
                        members += [residual.index, norm.index]
                        roles[residual.index] = .fusedResidual(skip: skip)
                        roles[norm.index] = .fusedLayerNorm
                        tail = norm.outputs[0]
                    }
                }
                if members.count > 1 {
                    roles[op.index] = .matMulHead(output: tail)
                    claimed.formUnion(members)
                    groupsByHead[op.index] = members
                }
            }
        }
        var groups: [[Int]] = []
        for op in graph.ops {
            if let members = groupsByHead[op.index] { groups.append(members) } else if !claimed.contains(op.index) { groups.append([op.index]) }
        }
        var groupOf = [Int](repeating: 0, count: graph.ops.count)
        for group in groups { for member in group { groupOf[member] = group[0] } }
        return FusionPlan(groups: groups, groupOf: groupOf, roles: roles)
    }

    private func soleConsumer(of tensor: TensorID) -> Op? {
        let consumers = graph.consumers(of: tensor)
        return consumers.count == 1 && !graph.outputs.contains(tensor) ? consumers[0] : nil
    }

    private func isBias(_ add: Op, chain: TensorID) -> Bool {
        guard let other = add.inputs.first(where: { $0 != chain }) else { return false }
        let tensor = graph[other], target = graph[add.outputs[0]]
        return tensor.role == .parameter && tensor.shape.last == target.shape.last && tensor.shape.dropLast().allSatisfy { $0 == 1 }
    }
}
