/// One operator's work and compulsory traffic.
public struct OperatorCost: Sendable, Hashable {
    public let opIndex: Int
    /// Multiply-accumulates (contractions only).
    public let macs: Int
    /// Vector-engine operations: one per output element for element-wise ops; for softmax and
    /// LayerNorm, one pass per element per arithmetic step they take (see `vectorSteps`).
    public let vectorOps: Int
    /// Bytes that must be read at least once.
    public let compulsoryReadBytes: Int
    /// Bytes that must be written at least once.
    public let compulsoryWriteBytes: Int

    public var compulsoryBytes: Int { compulsoryReadBytes + compulsoryWriteBytes }

    init(op: Op, in graph: Graph) {
        opIndex = op.index
        macs = graph.macs(of: op)
        let outputElements = op.outputs.reduce(0) { $0 + graph[$1].elementCount }
        vectorOps = op.folded ? 0 : Self.elementsWorked(op, in: graph) * Self.vectorSteps(op.kind)
        let written = op.outputs.reduce(0) { $0 + graph[$1].byteCount }
        switch op.kind {
        case _ where op.folded || op.kind.isView:
            // A view reinterprets the producer's buffer: nothing moves.
            compulsoryReadBytes = 0
            compulsoryWriteBytes = 0
        case .gather, .gatherND:
            // Only the selected rows of the table are fetched, plus the indices.
            let indices = op.inputs.dropFirst().reduce(0) { $0 + graph[$1].byteCount }
            compulsoryReadBytes = written + indices
            compulsoryWriteBytes = written
        case .slice:
            // Only the selected part of the source is read.
            compulsoryReadBytes = written
            compulsoryWriteBytes = written
        default:
            // A tensor read twice by the same op (x + x) is fetched once.
            var distinct = Set<TensorID>()
            compulsoryReadBytes = op.inputs.reduce(0) { sum, id in
                distinct.insert(id).inserted ? sum + graph[id].byteCount : sum
            }
            compulsoryWriteBytes = written
        }
    }

    /// The elements each vector pass goes over: the output's, except for reductions, scans and
    /// pooling, which take in every element of their input (a mean over 768 features is 768
    /// additions for one output).
    public static func elementsWorked(_ op: Op, in graph: Graph) -> Int {
        let output = op.outputs.reduce(0) { $0 + graph[$1].elementCount }
        switch op.kind {
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin, .reduceProd, .reduceSumSquare, .reduceL2, .reduceLogSumExp,
            .argMax, .argMin, .topK, .maxPool, .averagePool:
            return max(op.inputs.first.map { graph[$0].elementCount } ?? output, output)
        default:
            return output
        }
    }

    /// Arithmetic passes per element on the vector path (see `elementsWorked`). Softmax: max, subtract-exp, sum,
    /// divide (log-softmax: max, subtract-exp, sum, subtract the log). LayerNorm (and instance
    /// and group norms): mean, subtract, square-and-sum, scale by the reciprocal deviation,
    /// multiply by gamma, add beta. RMSNorm: square-and-sum, reciprocal root, scale, multiply by
    /// gamma. Batch norm at inference: one multiply and one add with folded statistics.
    public static func vectorSteps(_ kind: OpKind) -> Int {
        switch kind {
        case .softmax, .logSoftmax: 4
        case .layerNorm, .instanceNorm, .groupNorm: 6
        case .rmsNorm: 4
        case .batchNorm: 2
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin, .reduceProd, .reduceSumSquare, .reduceL2, .reduceLogSumExp,
            .argMax, .argMin, .topK, .cumSum, .maxPool, .averagePool:
            1
        case _ where kind.isElementwise: 1
        default: 0
        }
    }
}
