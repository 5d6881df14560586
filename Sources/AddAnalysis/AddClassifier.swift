import ModelGraph

/// Assigns an ``AddCategory`` to every Add of a graph from its structure alone — producers,
/// consumers, shapes, parameters and broadcasting — never from names, so it works the same on
/// the builder's graph and on exported graphs whose nodes are called `node_add_4`.
///
/// ```swift
/// let categories = AddClassifier(graph: graph).classify() // [op index: category]
/// ```
public struct AddClassifier {
    let graph: Graph
    private var categories: [Int: AddCategory] = [:]
    /// Tensors that end a normalisation: a LayerNorm op, or the beta add of one written out.
    private var hiddenStates = Set<TensorID>()
    private var inputsOnlyMemo: [TensorID: Bool] = [:]

    public init(graph: Graph) {
        self.graph = graph
    }

    /// The category of each Add, keyed by op index. Walks in topological order, since some
    /// rules look at how an operand's producing Add was classified.
    public mutating func classify() -> [Int: AddCategory] {
        for op in graph.topologicalOrder {
            switch op.kind {
            case .layerNorm:
                hiddenStates.formUnion(op.outputs)
            case .add:
                let category = category(of: op)
                categories[op.index] = category
                if category == .layernorm && isBetaShift(op) { hiddenStates.formUnion(op.outputs) }
            default:
                break
            }
        }
        return categories
    }

    private mutating func category(of op: Op) -> AddCategory {
        guard op.inputs.count == 2, let output = op.outputs.first else { return .other }
        let (a, b) = (op.inputs[0], op.inputs[1])

        // Arithmetic on run-time inputs and constants only: building the additive mask or ids.
        if isInputsOnly(a) && isInputsOnly(b) { return .maskPrep }

        // Sums of looked-up embedding rows.
        if isEmbedding(a) && isEmbedding(b) { return .embedding }

        // One operand fixed (a parameter or a constant): bias, or the inside of a written-out op.
        let aFixed = isFixed(a), bFixed = isFixed(b)
        if aFixed != bFixed {
            let (value, fixed) = aFixed ? (b, a) : (a, b)
            return categoryWithFixedOperand(value: value, fixed: fixed, output: output)
        }
        if aFixed && bFixed { return .other }

        // Two computed operands.
        let aMask = isInputsOnly(a), bMask = isInputsOnly(b)
        if aMask != bMask && isBroadcast(aMask ? a : b, to: output) { return .attentionMask }
        if isHiddenStateOrPool(a) && isHiddenStateOrPool(b) { return .hiddenStateAggregation }
        if hiddenStates.contains(a) != hiddenStates.contains(b) {
            let (branch, skip) = hiddenStates.contains(a) ? (b, a) : (a, b)
            return residualKind(branch: branch, skip: skip)
        }
        return .other
    }

    private func categoryWithFixedOperand(value: TensorID, fixed: TensorID, output: TensorID) -> AddCategory {
        let producer = graph.producer(of: value)
        let fixedTensor = graph[fixed]
        // `1 + erf(x/√2)` or `1 + tanh(…)`: the inside of a written-out GELU.
        if fixedTensor.elementCount == 1, let kind = producer?.kind, kind == .erf || kind == .tanh {
            return .activation
        }
        // `var + eps` before the square root: the inside of a written-out LayerNorm.
        if fixedTensor.elementCount == 1,
           producer?.kind == .reduceMean || graph.consumers(of: output).contains(where: { $0.kind == .sqrt }) {
            return .layernorm
        }
        // A vector along the last axis added to a matrix product: a linear layer's bias.
        if fixedTensor.role == .parameter, isLastAxisVector(fixed, of: output), let producer,
           producer.kind == .matMul || (producer.kind == .reshape && graph.producer(of: producer.inputs[0])?.kind == .matMul) {
            return .bias
        }
        // `normalised × gamma + beta`: the shift that ends a written-out LayerNorm.
        if isLastAxisVector(fixed, of: output), let producer, producer.kind == .mul,
           producer.inputs.contains(where: { isFixed($0) }),
           producer.inputs.contains(where: { graph.producer(of: $0)?.kind == .div }) {
            return .layernorm
        }
        return .other
    }

    /// True for the beta add ending a written-out LayerNorm (its output is a hidden state).
    private func isBetaShift(_ op: Op) -> Bool {
        op.inputs.contains { graph.producer(of: $0)?.kind == .mul }
    }

    /// Walks back from the residual branch to its skip input: a softmax on the way marks the
    /// attention block, an activation the feed-forward block.
    private func residualKind(branch: TensorID, skip: TensorID) -> AddCategory {
        var stack = [branch]
        var visited = Set<TensorID>()
        var sawActivation = false
        while let tensor = stack.popLast() {
            guard visited.insert(tensor).inserted, tensor != skip, !hiddenStates.contains(tensor),
                  let producer = graph.producer(of: tensor) else { continue }
            switch producer.kind {
            case .softmax: return .attentionResidual
            case .gelu, .relu, .erf, .tanh: sawActivation = true
            default: break
            }
            stack.append(contentsOf: producer.inputs)
        }
        return sawActivation ? .ffnResidual : .other
    }

    private func isFixed(_ id: TensorID) -> Bool {
        let role = graph[id].role
        return role == .parameter || role == .constant
    }

    /// True when the tensor is computed from graph inputs and constants only (no weights, no
    /// activations of the model): the attention mask and anything derived from it.
    private mutating func isInputsOnly(_ id: TensorID) -> Bool {
        if let known = inputsOnlyMemo[id] { return known }
        let result: Bool
        switch graph[id].role {
        case .graphInput, .constant: result = true
        case .parameter: result = false
        case .activation:
            guard let producer = graph.producer(of: id) else { result = false; break }
            // Sizes of tensors, and anything computed from known sizes at import, are metadata.
            if producer.folded || producer.kind == .shape { result = true; break }
            // A gather from a weight table is model data: the table is a parameter, so it fails below.
            var all = true
            for input in producer.inputs where !isInputsOnly(input) { all = false; break }
            result = all
        }
        inputsOnlyMemo[id] = result
        return result
    }

    private func isEmbedding(_ id: TensorID) -> Bool {
        guard let producer = graph.producer(of: id) else { return false }
        if producer.kind == .gather, let table = producer.inputs.first { return graph[table].role == .parameter }
        return producer.kind == .add && categories[producer.index] == .embedding
    }

    private func isHiddenStateOrPool(_ id: TensorID) -> Bool {
        if hiddenStates.contains(id) { return true }
        guard let producer = graph.producer(of: id), producer.kind == .add else { return false }
        return categories[producer.index] == .hiddenStateAggregation
    }

    /// True when `id` is a vector along `output`'s last axis: every other dimension is 1.
    private func isLastAxisVector(_ id: TensorID, of output: TensorID) -> Bool {
        let shape = graph[id].shape, target = graph[output].shape
        guard let last = shape.last, last == target.last, last > 1 else { return false }
        return shape.dropLast().allSatisfy { $0 == 1 }
    }

    /// True when `id` is smaller than `output` and broadcast into it.
    private func isBroadcast(_ id: TensorID, to output: TensorID) -> Bool {
        graph[id].elementCount < graph[output].elementCount
    }
}
