import ModelGraph

/// Assigns an ``AddCategory`` to every Add of a graph from its structure alone — producers,
/// consumers, shapes, parameters and broadcasting — never from names or from one model's layout,
/// so it works the same on the builder's graph and on exported graphs of any transformer whose
/// nodes are called `node_add_4`.
///
/// The rules, in the order they are tried:
/// 1. On the attention score path (from a product of two activations, QKᵀ, to a softmax): an
///    operand computed from the inputs alone is the attention mask; one computed from weights
///    or activations is a relative-position bias or score (T5, MPNet, DeBERTa).
/// 2. Any add feeding such a bias (bucket and index arithmetic, DeBERTa's sum of its two
///    relative terms) is relative-position too; other arithmetic on the inputs and constants
///    alone prepares masks and position ids.
/// 3. One operand fixed (a weight or constant): a linear layer's bias, a norm's epsilon or
///    shift, the `1 +` of an activation, or a position table added to the embeddings.
/// 4. Two products, one of them with a cosine and one with a sine: rotary position embedding.
/// 5. Two looked-up embeddings: the embedding sum.
/// 6. A tensor plus a function of itself with no matmul between (`x + 0.044715·x³`) feeding an
///    activation: inside the activation.
/// 7. Two hidden states of the residual stream: layer-output aggregation.
/// 8. A tensor plus a branch computed from it through a matmul: a residual, attention when
///    the branch holds a softmax, feed-forward otherwise. Works for post-LN and pre-LN alike.
///
/// ```swift
/// var classifier = AddClassifier(graph: graph)
/// let categories = classifier.classify() // [op index: category]
/// ```
public struct AddClassifier {
    let graph: Graph
    private var categories: [Int: AddCategory] = [:]
    /// Tensors of the residual stream: norm outputs, residual sums and the embedding output.
    private var stream = Set<TensorID>()
    /// Residual sums, layer-output sums and the embedding output: each ends a block, so a walk
    /// back from a branch stops there.
    private var blockEnds = Set<TensorID>()
    private var inputsOnlyMemo: [TensorID: Bool] = [:]
    private let scorePath: Set<TensorID>

    public init(graph: Graph) {
        self.graph = graph
        scorePath = Self.attentionScorePath(in: graph)
    }

    /// The category of each Add, keyed by op index. Score-path adds are classified first, since
    /// preparation arithmetic is told apart by which of them it feeds; the rest in topological
    /// order, since some rules look at how an operand's producing add was classified.
    public mutating func classify() -> [Int: AddCategory] {
        for op in graph.topologicalOrder where op.kind == .add {
            if let category = scoreCategory(of: op) { categories[op.index] = category }
        }
        hasRelativeScores = categories.values.contains(.relativePosition)
        for op in graph.topologicalOrder {
            if op.kind.isNormalization {
                stream.formUnion(op.outputs)
            } else if op.kind == .add, categories[op.index] == nil {
                let category = category(of: op)
                categories[op.index] = category
                switch category {
                case .layernorm where isShiftEndingANorm(op):
                    stream.formUnion(op.outputs)
                case .attentionResidual, .ffnResidual, .hiddenStateAggregation, .embedding:
                    stream.formUnion(op.outputs)
                    blockEnds.formUnion(op.outputs)
                default: break
                }
            }
        }
        return categories
    }

    // MARK: Rule 1: the attention score path

    /// Tensors from a product of two activations (QKᵀ) to a softmax, through element-wise ops:
    /// the attention scores at each step of scaling, masking and biasing.
    static func attentionScorePath(in graph: Graph) -> Set<TensorID> {
        let carriesScores: Set<OpKind> = [.add, .sub, .mul, .div, .where, .cast, .reshape, .clip, .expand, .transpose]
        var forward = Set<TensorID>()
        for op in graph.ops where op.kind == .matMul && !op.folded && op.inputs.allSatisfy({ graph[$0].role == .activation }) {
            forward.formUnion(op.outputs)
        }
        for op in graph.ops where carriesScores.contains(op.kind) && op.inputs.contains(where: forward.contains) {
            forward.formUnion(op.outputs)
        }
        var backward = Set<TensorID>()
        var stack = graph.ops.filter { $0.kind == .softmax || $0.kind == .logSoftmax }.flatMap(\.inputs)
        while let tensor = stack.popLast() {
            guard forward.contains(tensor), backward.insert(tensor).inserted, let producer = graph.producer(of: tensor),
                carriesScores.contains(producer.kind)
            else { continue }
            stack.append(contentsOf: producer.inputs)
        }
        return backward
    }

    private mutating func scoreCategory(of op: Op) -> AddCategory? {
        guard op.inputs.count == 2, let output = op.outputs.first, scorePath.contains(output) else { return nil }
        let (a, b) = (op.inputs[0], op.inputs[1])
        let other: TensorID
        switch (scorePath.contains(a), scorePath.contains(b)) {
        case (true, false): other = b
        case (false, true): other = a
        default: return nil
        }
        return isInputsOnly(other) ? .attentionMask : .relativePosition
    }

    // MARK: Rules 2 to 8

    private mutating func category(of op: Op) -> AddCategory {
        guard op.inputs.count == 2, let output = op.outputs.first else { return .other }
        let (a, b) = (op.inputs[0], op.inputs[1])

        if hasRelativeScores && feedsRelativePosition(output) { return .relativePosition }
        if isInputsOnly(a) && isInputsOnly(b) { return .maskPrep }

        let aFixed = isFixed(a), bFixed = isFixed(b)
        if aFixed != bFixed {
            let (value, fixed) = aFixed ? (b, a) : (a, b)
            return categoryWithFixedOperand(value: value, fixed: fixed, output: output)
        }
        if aFixed && bFixed { return .other }

        if isRotation(a, b) { return .rotary }
        if isEmbedding(a) && isEmbedding(b) { return .embedding }
        if isInsideActivation(a, b, output: output) { return .activation }
        if stream.contains(a) && stream.contains(b) { return .hiddenStateAggregation }
        if let (skip, branch) = residualOperands(a, b) {
            return branchHoldsAttention(branch, skip: skip) ? .attentionResidual : .ffnResidual
        }
        return .other
    }

    /// True when a relative-position add sits on the score path (found in the first pass).
    private var hasRelativeScores = false

    /// Arithmetic that flows, through no matmul and no norm, into the bias operand of a
    /// relative-position add on the score path: bucket and index arithmetic (T5, MPNet), the
    /// sum of DeBERTa's content→position and position→content terms.
    private func feedsRelativePosition(_ tensor: TensorID) -> Bool {
        var stack = [tensor]
        var visited = Set<TensorID>()
        while let current = stack.popLast() {
            guard visited.insert(current).inserted else { continue }
            for consumer in graph.consumers(of: current) {
                if scorePath.contains(consumer.outputs[0]) {
                    // At the scores: only a bias entering a relative-position add counts.
                    if categories[consumer.index] == .relativePosition, !scorePath.contains(current) { return true }
                    continue
                }
                // Through a matmul or a norm the arithmetic has become hidden states, not positions.
                if consumer.kind == .matMul || consumer.kind.isNormalization { continue }
                stack.append(contentsOf: consumer.outputs)
            }
        }
        return false
    }

    private func categoryWithFixedOperand(value: TensorID, fixed: TensorID, output: TensorID) -> AddCategory {
        let producer = graph.producer(of: value).map { lookingThroughCasts($0) }
        let fixedTensor = graph[fixed]
        // `1 + erf(x/√2)` or `1 + tanh(…)`: the inside of a written-out GELU.
        if fixedTensor.elementCount == 1, let kind = producer?.kind, kind == .erf || kind == .tanh {
            return .activation
        }
        // `variance + eps` before the square root: the inside of a written-out LayerNorm or RMSNorm.
        if fixedTensor.elementCount == 1,
            producer?.kind == .reduceMean || graph.consumers(of: output).contains(where: { $0.kind == .sqrt || $0.kind == .reciprocal })
        {
            return .layernorm
        }
        // A vector along the last axis added to a matrix product: a linear layer's bias.
        if fixedTensor.role == .parameter, isLastAxisVector(fixed, of: output), let producer,
            producer.kind == .matMul || (producer.kind == .reshape && graph.producer(of: producer.inputs[0])?.kind == .matMul)
        {
            return .bias
        }
        // `normalised × gamma + beta`: the shift that ends a written-out LayerNorm.
        if isLastAxisVector(fixed, of: output), let producer, producer.kind == .mul,
            producer.inputs.contains(where: { isFixed($0) }),
            producer.inputs.contains(where: { graph.producer(of: $0)?.kind == .div })
        {
            return .layernorm
        }
        // A table of positions × features added to the token or patch embeddings (ViT's
        // position parameter, or a position lookup onnxruntime folded into a constant).
        let rows = fixedTensor.shape.filter { $0 > 1 }.count
        if rows >= 2, fixedTensor.shape.suffix(2) == graph[output].shape.suffix(2), isEmbeddingInput(value) {
            return .embedding
        }
        return .other
    }

    /// True for the beta add ending a written-out LayerNorm (its output is a hidden state).
    private func isShiftEndingANorm(_ op: Op) -> Bool {
        op.inputs.contains { graph.producer(of: $0)?.kind == .mul }
    }

    /// `q·cos + rotate_half(q)·sin`: two products, one with a factor computed from a cosine and
    /// one from a sine (or whose second factor is a rotated half: a concatenation with a negation).
    private func isRotation(_ a: TensorID, _ b: TensorID) -> Bool {
        guard let pa = graph.producer(of: a), let pb = graph.producer(of: b), pa.kind == .mul, pb.kind == .mul else { return false }
        func reaches(_ kinds: Set<OpKind>, from tensor: TensorID, depth: Int = 8) -> Bool {
            guard depth > 0, let producer = graph.producer(of: tensor) else { return false }
            if kinds.contains(producer.kind) { return true }
            guard producer.kind != .matMul else { return false }
            return producer.inputs.contains { reaches(kinds, from: $0, depth: depth - 1) }
        }
        let trig: Set<OpKind> = [.cos, .sin]
        let cosOrSin = pa.inputs.contains { reaches(trig, from: $0) } && pb.inputs.contains { reaches(trig, from: $0) }
        let rotatedHalf = [pa, pb].contains { product in
            product.inputs.contains { input in
                graph.producer(of: input).map { $0.kind == .concat && $0.inputs.contains { graph.producer(of: $0)?.kind == .neg } } ?? false
            }
        }
        return cosOrSin || rotatedHalf
    }

    /// `x + c·x³` and the like: one operand computed from the other by element-wise ops alone,
    /// the sum feeding a tanh, erf or sigmoid within a few element-wise steps.
    private func isInsideActivation(_ a: TensorID, _ b: TensorID, output: TensorID) -> Bool {
        func derivesElementwise(_ tensor: TensorID, from source: TensorID, depth: Int = 4) -> Bool {
            if tensor == source { return true }
            guard depth > 0, let producer = graph.producer(of: tensor), producer.kind.isElementwise else { return false }
            return producer.inputs.contains { derivesElementwise($0, from: source, depth: depth - 1) }
        }
        guard derivesElementwise(b, from: a) || derivesElementwise(a, from: b) else { return false }
        var frontier = [output]
        for _ in 0..<3 {
            let consumers = frontier.flatMap { graph.consumers(of: $0) }
            if consumers.contains(where: { [.tanh, .erf, .sigmoid].contains($0.kind) }) { return true }
            frontier = consumers.filter { $0.kind.isElementwise }.flatMap(\.outputs)
        }
        return false
    }

    /// The skip and the branch of a residual: the branch is computed from the skip through at
    /// least one matmul (a block), without passing another residual sum.
    private func residualOperands(_ a: TensorID, _ b: TensorID) -> (skip: TensorID, branch: TensorID)? {
        if derivesThroughMatMul(b, from: a) { return (a, b) }
        if derivesThroughMatMul(a, from: b) { return (b, a) }
        return nil
    }

    private func derivesThroughMatMul(_ branch: TensorID, from skip: TensorID) -> Bool {
        // (tensor, a matmul passed on the way)
        var stack = [(branch, false)]
        var visited = Set<TensorID>()
        while let (tensor, sawMatMul) = stack.popLast() {
            if tensor == skip {
                if sawMatMul { return true }
                continue
            }
            guard visited.insert(tensor).inserted, let producer = graph.producer(of: tensor) else { continue }
            // Another residual sum bounds the block.
            if blockEnds.contains(tensor) && tensor != branch { continue }
            let through = sawMatMul || producer.kind == .matMul
            for input in producer.inputs where graph[input].role == .activation || input == skip { stack.append((input, through)) }
        }
        return false
    }

    /// Walks back from the residual branch to its skip input: a softmax on the way marks the
    /// attention block.
    private func branchHoldsAttention(_ branch: TensorID, skip: TensorID) -> Bool {
        var stack = [branch]
        var visited = Set<TensorID>()
        while let tensor = stack.popLast() {
            guard visited.insert(tensor).inserted, tensor != skip, let producer = graph.producer(of: tensor) else { continue }
            if producer.kind == .softmax { return true }
            if stream.contains(tensor) && tensor != branch { continue }
            stack.append(contentsOf: producer.inputs.filter { graph[$0].role == .activation })
        }
        return false
    }

    // MARK: Operand properties

    private func isFixed(_ id: TensorID) -> Bool {
        let role = graph[id].role
        return role == .parameter || role == .constant
    }

    /// True when the tensor is computed from graph inputs and constants only (no weights, no
    /// activations of the model): the attention mask, position ids and anything derived from them.
    /// Walked with an explicit stack: an exported chain can be tens of thousands of ops deep.
    private mutating func isInputsOnly(_ id: TensorID) -> Bool {
        var stack = [id]
        while let tensor = stack.last {
            if inputsOnlyMemo[tensor] != nil { stack.removeLast(); continue }
            switch graph[tensor].role {
            case .graphInput, .constant: inputsOnlyMemo[tensor] = true; stack.removeLast(); continue
            case .parameter: inputsOnlyMemo[tensor] = false; stack.removeLast(); continue
            case .activation: break
            }
            guard let producer = graph.producer(of: tensor) else { inputsOnlyMemo[tensor] = false; stack.removeLast(); continue }
            // Sizes of tensors, and anything computed from known sizes at import, are metadata.
            if producer.folded || producer.kind == .shape { inputsOnlyMemo[tensor] = true; stack.removeLast(); continue }
            // A gather from a weight table is model data: the table is a parameter, so it fails.
            let unknown = producer.inputs.filter { inputsOnlyMemo[$0] == nil }
            if unknown.isEmpty {
                inputsOnlyMemo[tensor] = producer.inputs.allSatisfy { inputsOnlyMemo[$0] == true }
                stack.removeLast()
            } else {
                stack.append(contentsOf: unknown)
            }
        }
        return inputsOnlyMemo[id] ?? false
    }

    /// A looked-up embedding (a gather from a table, seen through casts and views) or a sum of them.
    private func isEmbedding(_ id: TensorID) -> Bool {
        guard let producer = graph.producer(of: id).map({ lookingThroughCasts($0) }) else { return false }
        if producer.kind == .gather, let table = producer.inputs.first { return graph[table].role != .activation }
        return producer.kind == .add && categories[producer.index] == .embedding
    }

    /// What a position table is added to: embeddings, or the patches of an image (a
    /// convolution's output with a class token joined to it).
    private func isEmbeddingInput(_ id: TensorID) -> Bool {
        if isEmbedding(id) { return true }
        var stack = [id]
        var visited = Set<TensorID>()
        while let tensor = stack.popLast(), visited.count < 16 {
            guard visited.insert(tensor).inserted, let producer = graph.producer(of: tensor) else { continue }
            if producer.origin == "Conv" || producer.kind == .gather { return true }
            if [.concat, .reshape, .transpose, .cast, .expand].contains(producer.kind) { stack.append(contentsOf: producer.inputs) }
        }
        return false
    }

    /// The op whose value `op` passes on unchanged in kind (a cast or a view), followed back.
    private func lookingThroughCasts(_ op: Op) -> Op {
        var current = op
        while current.kind == .cast || current.kind == .reshape, let input = current.inputs.first, let producer = graph.producer(of: input) {
            current = producer
        }
        return current
    }

    /// True when `id` is a vector along `output`'s last axis: every other dimension is 1.
    private func isLastAxisVector(_ id: TensorID, of output: TensorID) -> Bool {
        let shape = graph[id].shape, target = graph[output].shape
        guard let last = shape.last, last == target.last, last > 1 else { return false }
        return shape.dropLast().allSatisfy { $0 == 1 }
    }
}
