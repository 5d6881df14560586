/// What an operator computes, independent of how a framework spells it.
///
/// The BERT builder and the ONNX importer both lower to these kinds, so every later stage
/// (KPU model, add analysis, report) works on either source unchanged.
public enum OpKind: String, Sendable, Hashable, Codable, CaseIterable {
    // Data movement and views.
    case gather, gatherND = "gather_nd", reshape, transpose, slice, cast, concat, expand
    // Shape arithmetic, usually folded at import: shapes, index ranges, comparisons, selection.
    case shape, constantOfShape = "constant_of_shape", range, equal, greaterOrEqual = "greater_or_equal", and, not, `where`
    // Element-wise arithmetic.
    case add, sub, mul, div, pow, sqrt, erf
    // Activations.
    case gelu, relu, tanh
    // Reductions and normalisations.
    case reduceMean = "reduce_mean", reduceSum = "reduce_sum", softmax, layerNorm = "layer_norm"
    // Contractions.
    case matMul = "matmul"

    /// True for ops that only reinterpret a buffer and move no bytes (a view).
    public var isView: Bool { self == .reshape }

    /// True for element-wise ops whose work is one operation per output element.
    public var isElementwise: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow, .sqrt, .erf, .gelu, .relu, .tanh, .cast,
             .equal, .greaterOrEqual, .and, .not, .where, .expand: true
        default: false
        }
    }
}

/// A value attached to an operator (an axis, a permutation, an epsilon).
public enum AttributeValue: Sendable, Hashable {
    case int(Int)
    case float(Double)
    case ints([Int])
    case string(String)
}

/// One operator: what it computes, which tensors it reads and writes, and where it sits in
/// the model (a dotted path such as `encoder.layer.3.attention.output.residual`).
public struct Op: Sendable, Hashable {
    public let index: Int
    public let kind: OpKind
    public let path: String
    public let inputs: [TensorID]
    public let outputs: [TensorID]
    public let attributes: [String: AttributeValue]
    /// The fused operator this op was lowered from (`SkipLayerNormalization`, `Gemm`, …), or nil
    /// for an op that stands as itself in the source.
    public let origin: String?
    /// True when the op's result was computed at import time (shape arithmetic on known sizes):
    /// it stays in the graph for classification but costs nothing at run time.
    public let folded: Bool

    public init(index: Int, kind: OpKind, path: String, inputs: [TensorID], outputs: [TensorID],
                attributes: [String: AttributeValue], origin: String? = nil, folded: Bool = false) {
        self.index = index
        self.kind = kind
        self.path = path
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.origin = origin
        self.folded = folded
    }
}

/// An addition performed inside another op that has no Add node of its own: the `1 + erf(…)` of
/// a GELU kernel, for instance. Counted in the add taxonomy; its cost is the containing op's.
public struct EmbeddedAdd: Sendable, Hashable {
    /// The output tensor of the op that performs it (stable across topological re-ordering).
    public let containingOutput: TensorID
    public let origin: String
    /// What the add does inside its op, as an add category id (`activation`, `bias`, …).
    public let role: String
    public let shape: [Int]
    public let dtype: DType

    public init(containingOutput: TensorID, origin: String, role: String, shape: [Int], dtype: DType) {
        self.containingOutput = containingOutput
        self.origin = origin
        self.role = role
        self.shape = shape
        self.dtype = dtype
    }
}
