import Support

/// A dataflow graph of tensors and operators, immutable once built.
///
/// Answers the questions every later stage asks — who produces this tensor, who consumes it,
/// in which order can the ops run — in constant time from indexes built once.
///
/// ```swift
/// let graph = try EncoderGraphBuilder(config: EncoderConfig.preset(named: "bert-base-uncased")!, options: .init()).build()
/// let addPaths = graph.topologicalOrder.filter { $0.kind == .add }.map(\.path)
/// ```
public struct Graph: Sendable {
    public let name: String
    public let tensors: [Tensor]
    /// Operators in a topological order: every op appears after the producers of its inputs.
    public let ops: [Op]
    public let inputs: [TensorID]
    public let outputs: [TensorID]
    /// Adds inside other ops (fused kernels) that have no op of their own.
    public let embeddedAdds: [EmbeddedAdd]

    private let producerIndex: [Int?]
    private let consumerIndex: [[Int]]

    /// Builds the indexes and checks the graph is well formed: every tensor has at most one
    /// producer, no op reads a tensor that nothing provides, and there is no cycle. Ops are
    /// re-ordered topologically (stable: ties keep their given order).
    public init(
        name: String, tensors: [Tensor], ops: [Op], inputs: [TensorID], outputs: [TensorID], source: String,
        embeddedAdds: [EmbeddedAdd] = []
    ) throws(InputError) {
        var producer = [Int?](repeating: nil, count: tensors.count)
        var consumers = [[Int]](repeating: [], count: tensors.count)
        for (position, op) in ops.enumerated() {
            for output in op.outputs {
                guard output.index >= 0 && output.index < tensors.count else {
                    throw InputError(source: source, place: op.path, message: "writes a tensor that does not exist; check the node's outputs")
                }
                if let other = producer[output.index] {
                    throw InputError(
                        source: source, place: op.path,
                        message: "writes '\(tensors[output.index].name)', which '\(ops[other].path)' already writes; every tensor needs exactly one producer")
                }
                producer[output.index] = position
            }
        }
        for (position, op) in ops.enumerated() {
            for input in op.inputs {
                guard input.index >= 0 && input.index < tensors.count else {
                    throw InputError(source: source, place: op.path, message: "reads a tensor that does not exist; check the node's inputs")
                }
                let tensor = tensors[input.index]
                if producer[input.index] == nil && tensor.role == .activation {
                    throw InputError(
                        source: source, place: op.path,
                        message: "reads '\(tensor.name)', which no operator produces and which is neither an input nor a parameter")
                }
                if !consumers[input.index].contains(position) { consumers[input.index].append(position) }
            }
        }

        // Each op's consumers, once each, output by output: the order in which it releases them.
        let successors = ops.map { op in
            var released = Set<Int>()
            return op.outputs.flatMap { consumers[$0.index] }.filter { released.insert($0).inserted }
        }
        let (order, stuck) = stableTopologicalOrder(successors: successors)
        if let stuck {
            throw InputError(source: source, place: ops[stuck].path, message: "is part of a cycle; a dataflow graph must be acyclic")
        }

        // Renumber ops in topological order so `ops` can be walked front to back.
        var newIndex = [Int](repeating: 0, count: ops.count)
        for (new, old) in order.enumerated() { newIndex[old] = new }
        self.ops = order.enumerated().map { new, old in
            let op = ops[old]
            return Op(
                index: new, kind: op.kind, path: op.path, inputs: op.inputs, outputs: op.outputs, attributes: op.attributes,
                origin: op.origin, folded: op.folded)
        }
        self.producerIndex = producer.map { $0.map { newIndex[$0] } }
        self.consumerIndex = consumers.map { $0.map { newIndex[$0] }.sorted() }
        self.name = name
        self.tensors = tensors
        self.inputs = inputs
        self.outputs = outputs
        self.embeddedAdds = embeddedAdds
    }

    public subscript(id: TensorID) -> Tensor { tensors[id.index] }

    /// The operator that writes `tensor`, or nil for inputs, parameters and constants.
    public func producer(of tensor: TensorID) -> Op? {
        producerIndex[tensor.index].map { ops[$0] }
    }

    /// The index of the operator that writes `tensor`, or nil for graph inputs and parameters:
    /// `producer(of:)` without copying the op.
    public func producerIndex(of tensor: TensorID) -> Int? {
        producerIndex[tensor.index]
    }

    /// The operators that read `tensor`, in topological order.
    public func consumers(of tensor: TensorID) -> [Op] {
        consumerIndex[tensor.index].map { ops[$0] }
    }

    /// All operators, each after the producers of its inputs.
    public var topologicalOrder: [Op] { ops }

    /// Trained weights: the sum of the element counts of all parameter tensors.
    public var parameterCount: Int {
        tensors.lazy.filter { $0.role == .parameter }.reduce(0) { $0 + $1.elementCount }
    }

    /// Multiply-accumulates of every contraction in the graph.
    public var macCount: Int { ops.reduce(0) { $0 + macs(of: $1) } }

    /// Multiply-accumulates one op performs: for a (batched) matrix product, output elements ×
    /// the contracted dimension; zero for everything else.
    public func macs(of op: Op) -> Int {
        guard op.kind == .matMul, !op.folded, let a = op.inputs.first, let out = op.outputs.first else { return 0 }
        return self[out].elementCount * (self[a].shape.last ?? 1)
    }

    /// How many ops of each kind the graph holds.
    public var opCountsByKind: [OpKind: Int] {
        ops.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }
}

extension Graph {
    /// Checks that the graph's totals fit in 64-bit counts before anything multiplies or sums
    /// them: every tensor's bytes, each op's MACs, the parameter, MAC and byte totals. Shapes are
    /// already checked element by element when built; this catches the products and sums.
    public func checkTotalsFit(source: String) throws(InputError) {
        func fail(_ place: String, _ what: String) -> InputError {
            InputError(source: source, place: place, message: "\(what) more than a 64-bit count holds; use a smaller batch or sequence length")
        }
        var totalBytes = 0, parameters = 0, macs = 0
        for tensor in tensors {
            let (bytes, bytesOverflow) = tensor.elementCount.multipliedReportingOverflow(by: tensor.dtype.byteSize)
            if bytesOverflow { throw fail(tensor.name, "its bytes are") }
            let (sum, sumOverflow) = totalBytes.addingReportingOverflow(bytes)
            if sumOverflow { throw fail(tensor.name, "the bytes of all tensors up to this one are") }
            totalBytes = sum
            if tensor.role == .parameter {
                let (next, overflow) = parameters.addingReportingOverflow(tensor.elementCount)
                if overflow { throw fail(tensor.name, "the parameter count is") }
                parameters = next
            }
        }
        for op in ops where op.kind == .matMul && !op.folded {
            guard let a = op.inputs.first, let out = op.outputs.first else { continue }
            let (product, overflow) = self[out].elementCount.multipliedReportingOverflow(by: self[a].shape.last ?? 1)
            if overflow { throw fail(op.path, "its multiply-accumulates are") }
            let (sum, sumOverflow) = macs.addingReportingOverflow(product)
            if sumOverflow { throw fail(op.path, "the multiply-accumulates up to this op are") }
            macs = sum
        }
    }
}
