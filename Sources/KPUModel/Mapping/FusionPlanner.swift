import ModelGraph

/// Finds the operators that ride a matmul's drain under a fusion policy, from structure alone:
/// a bias (a parameter vector along the last axis) added to the product, an activation of that,
/// and, for the epilogue, the residual add of a same-shaped activation and the LayerNorm after it.
struct FusionPlanner {
    let graph: Graph
    let policy: FusionPolicy

    /// Groups covering every op once, in head order, and each op's role. Under flash-attention,
    /// an attention block becomes one group when `attentionFits` accepts its two products.
    func plan(attentionFits: (AttentionBlock) -> Bool = { _ in true }) -> FusionPlan {
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
                    } else if policy.fusesEpilogues, let residual = soleConsumer(of: tail), residual.kind == .add,
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
        if policy == .flashAttention {
            for block in attentionBlocks() where !block.members.contains(where: claimed.contains) && attentionFits(block) {
                roles[block.scores] = .attentionHead(output: graph.ops[block.context].outputs[0])
                for member in block.members.dropFirst() { roles[member] = .insideAttention }
                claimed.formUnion(block.members)
                groupsByHead[block.scores] = block.members
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

    /// Every attention block: a product of two activations (QKᵀ), then optionally a scale by
    /// a scalar and a mask add, then softmax, then a product of the probabilities with V.
    func attentionBlocks() -> [AttentionBlock] {
        graph.ops.compactMap { scores -> AttentionBlock? in
            guard scores.kind == .matMul, !scores.folded, scores.inputs.allSatisfy({ graph[$0].role == .activation }) else { return nil }
            var members = [scores.index]
            var tail = scores.outputs[0]
            var mask: Int?
            if let scale = soleConsumer(of: tail), scale.kind == .mul || scale.kind == .div,
                scale.inputs.contains(where: { $0 != tail && graph[$0].elementCount == 1 })
            {
                members.append(scale.index)
                tail = scale.outputs[0]
            }
            if let add = soleConsumer(of: tail), add.kind == .add, let other = add.inputs.first(where: { $0 != tail }),
                graph[other].elementCount < graph[tail].elementCount || graph[other].shape == graph[tail].shape
            {
                members.append(add.index)
                mask = add.index
                tail = add.outputs[0]
            }
            guard let softmax = soleConsumer(of: tail), softmax.kind == .softmax,
                let context = soleConsumer(of: softmax.outputs[0]), context.kind == .matMul, context.inputs.first == softmax.outputs[0]
            else { return nil }
            members += [softmax.index, context.index]
            return AttentionBlock(scores: scores.index, mask: mask, softmax: softmax.index, context: context.index, members: members)
        }
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

/// One attention block of a graph, by op index, in order: QKᵀ, the scale and mask add when
/// present, softmax, ·V.
struct AttentionBlock {
    let scores: Int
    let mask: Int?
    let softmax: Int
    let context: Int
    let members: [Int]
}
