/// What an operator computes, independent of how a framework spells it.
///
/// The BERT builder and the ONNX importer both lower to these kinds, so every later stage
/// (KPU model, add analysis, report) works on either source unchanged.
public enum OpKind: String, Sendable, Hashable, Codable, CaseIterable {
    // Data movement and views.
    case gather, reshape, transpose, slice, cast
    // Element-wise arithmetic.
    case add, sub, mul, div, pow, sqrt, erf
    // Activations.
    case gelu, relu, tanh
    // Reductions and normalisations.
    case reduceMean = "reduce_mean", softmax, layerNorm = "layer_norm"
    // Contractions.
    case matMul = "matmul"

    /// True for ops that only reinterpret a buffer and move no bytes (a view).
    public var isView: Bool { self == .reshape }

    /// True for element-wise ops whose work is one operation per output element.
    public var isElementwise: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow, .sqrt, .erf, .gelu, .relu, .tanh, .cast: true
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
}
