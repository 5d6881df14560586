/// What an operator computes, independent of how a framework spells it.
///
/// The BERT builder and the ONNX importer both lower to these kinds, so every later stage
/// (KPU model, add analysis, report) works on either source unchanged. Each ONNX op becomes the
/// kind that names what it does (Exp is `.exp`, Less is `.less`), never a stand-in.
public enum OpKind: String, Sendable, Hashable, Codable, CaseIterable {
    // Data movement and views.
    case gather, gatherElements = "gather_elements", gatherND = "gather_nd", scatter
    case reshape, transpose, slice, cast, concat, split, expand, tile, pad
    /// Rearranges image patches into the rows a convolution's matrix product reads.
    case im2col
    // Shape arithmetic, usually folded at import: shapes, index ranges, comparisons, selection.
    case shape, constantOfShape = "constant_of_shape", range, nonZero = "non_zero"
    case equal, less, lessOrEqual = "less_or_equal", greater, greaterOrEqual = "greater_or_equal"
    case and, or, xor, not, `where`
    // Element-wise arithmetic.
    case add, sub, mul, div, pow, mod, min, max, clip
    case neg, abs, sign, reciprocal, sqrt, exp, log, erf, ceil, floor, round, sin, cos, tan
    case isNaN = "is_nan", isInf = "is_inf"
    // Activations.
    case gelu, relu, tanh, sigmoid, softplus, leakyRelu = "leaky_relu", elu, hardSigmoid = "hard_sigmoid", hardSwish = "hard_swish"
    // Reductions and normalisations.
    case reduceMean = "reduce_mean", reduceSum = "reduce_sum", reduceMax = "reduce_max", reduceMin = "reduce_min"
    case reduceProd = "reduce_prod", reduceSumSquare = "reduce_sum_square", reduceL2 = "reduce_l2", reduceLogSumExp = "reduce_log_sum_exp"
    case argMax = "arg_max", argMin = "arg_min", topK = "top_k", cumSum = "cum_sum"
    case softmax, logSoftmax = "log_softmax", layerNorm = "layer_norm", rmsNorm = "rms_norm"
    case batchNorm = "batch_norm", instanceNorm = "instance_norm", groupNorm = "group_norm"
    case maxPool = "max_pool", averagePool = "average_pool"
    // Contractions.
    case matMul = "matmul"
    /// An op the importer has no rule for, whose output shape the export states (`value_info`):
    /// costed as one streaming pass over its tensors.
    case unmodelled

    /// True for ops that only reinterpret a buffer and move no bytes (a view).
    public var isView: Bool { self == .reshape }

    /// True for element-wise ops whose work is one operation per output element.
    public var isElementwise: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow, .mod, .min, .max, .clip,
            .neg, .abs, .sign, .reciprocal, .sqrt, .exp, .log, .erf, .ceil, .floor, .round, .sin, .cos, .tan, .isNaN, .isInf,
            .gelu, .relu, .tanh, .sigmoid, .softplus, .leakyRelu, .elu, .hardSigmoid, .hardSwish,
            .cast, .equal, .less, .lessOrEqual, .greater, .greaterOrEqual, .and, .or, .xor, .not, .where, .expand, .unmodelled:
            true
        default: false
        }
    }

    /// True for the activation functions a feed-forward block applies.
    public var isActivation: Bool {
        switch self {
        case .gelu, .relu, .tanh, .sigmoid, .softplus, .leakyRelu, .elu, .hardSigmoid, .hardSwish, .erf: true
        default: false
        }
    }

    /// True for the normalisations that end a residual block (LayerNorm, RMSNorm and kin).
    public var isNormalization: Bool {
        switch self {
        case .layerNorm, .rmsNorm, .batchNorm, .instanceNorm, .groupNorm: true
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

    public init(
        index: Int, kind: OpKind, path: String, inputs: [TensorID], outputs: [TensorID],
        attributes: [String: AttributeValue], origin: String? = nil, folded: Bool = false
    ) {
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
    /// What the add does inside its op.
    public let role: Role
    public let shape: [Int]
    public let dtype: DType

    /// What an add inside a fused kernel is for; the add analysis files it under its category.
    public enum Role: Sendable, Hashable {
        /// A term of an activation's formula (the 1 + erf of a GELU).
        case activationInternal
    }

    public init(containingOutput: TensorID, origin: String, role: Role, shape: [Int], dtype: DType) {
        self.containingOutput = containingOutput
        self.origin = origin
        self.role = role
        self.shape = shape
        self.dtype = dtype
    }
}
