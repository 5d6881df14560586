import Support
import Foundation
import ModelGraph

/// How one ONNX op is read: its shape rule, how its value is folded when its inputs are known
/// at import time, and the IR op it becomes. Built by the factories of each op family
/// (`Families/`), so an op of a known family is one line in ``OpTable``.
struct OpRule: Sendable {
    let lower: @Sendable (inout Lowering, NodeContext) throws(InputError) -> Void
}

/// Element-wise functions for folding values known at import time. `ints` works on integers
/// and booleans (nil when undefined: overflow, division by zero); `floats` on floating point.
struct UnaryFold: Sendable {
    var ints: (@Sendable (Int) -> Int?)?
    var floats: (@Sendable (Double) -> Double)?
    static let none = UnaryFold(ints: nil, floats: nil)
}

struct BinaryFold: Sendable {
    var ints: (@Sendable (Int, Int) -> Int?)?
    var floats: (@Sendable (Double, Double) -> Double)?
}

/// Every ONNX op this tool reads, by domain and type, grouped by family. The default domain
/// covers what torch's legacy and dynamo exporters emit for Hugging Face models up to opset 21;
/// `com.microsoft` covers onnxruntime's fused transformer ops.
enum OpTable {
    static let defaultDomain: [String: OpRule] = [
        // Constants, generators and sizes (Families/Constants.swift).
        "Constant": .constant, "ConstantOfShape": .constantOfShape, "Range": .range, "EyeLike": .eyeLike,
        "Shape": .shape, "Size": .size, "Identity": .identity, "Dropout": .identity,

        // Unary element-wise (Families/Elementwise.swift).
        "Abs": .unary(.abs, UnaryFold(ints: { $0 == Int.min ? nil : Swift.abs($0) }, floats: { Swift.abs($0) })),
        "Neg": .unary(.neg, UnaryFold(ints: { $0 == Int.min ? nil : -$0 }, floats: { -$0 })),
        "Sign": .unary(.sign, UnaryFold(ints: { $0.signum() }, floats: { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })),
        "Reciprocal": .unary(.reciprocal, UnaryFold(ints: nil, floats: { 1 / $0 })),
        "Sqrt": .unary(.sqrt, UnaryFold(ints: nil, floats: { Foundation.sqrt($0) })),
        "Exp": .unary(.exp, UnaryFold(ints: nil, floats: { Foundation.exp($0) })),
        "Log": .unary(.log, UnaryFold(ints: nil, floats: { Foundation.log($0) })),
        "Erf": .unary(.erf, UnaryFold(ints: nil, floats: { Foundation.erf($0) })),
        "Ceil": .unary(.ceil, UnaryFold(ints: { $0 }, floats: { $0.rounded(.up) })),
        "Floor": .unary(.floor, UnaryFold(ints: { $0 }, floats: { $0.rounded(.down) })),
        "Round": .unary(.round, UnaryFold(ints: { $0 }, floats: { $0.rounded(.toNearestOrEven) })),
        "Sin": .unary(.sin, UnaryFold(ints: nil, floats: { Foundation.sin($0) })),
        "Cos": .unary(.cos, UnaryFold(ints: nil, floats: { Foundation.cos($0) })),
        "Tan": .unary(.tan, UnaryFold(ints: nil, floats: { Foundation.tan($0) })),
        "Not": .unary(.not, UnaryFold(ints: { $0 == 0 ? 1 : 0 }, floats: nil)),
        "BitwiseNot": .unary(.not, UnaryFold(ints: { ~$0 }, floats: nil)),
        "IsNaN": .predicate(.isNaN) { $0.isNaN },
        "IsInf": .predicate(.isInf) { $0.isInfinite },

        // Activations (Families/Elementwise.swift): element-wise, folded only where trivial.
        "Relu": .unary(.relu, UnaryFold(ints: { Swift.max($0, 0) }, floats: { Swift.max($0, 0) })),
        "Tanh": .unary(.tanh, UnaryFold(ints: nil, floats: { Foundation.tanh($0) })),
        "Sigmoid": .unary(.sigmoid, UnaryFold(ints: nil, floats: { 1 / (1 + Foundation.exp(-$0)) })),
        "Softplus": .unary(.softplus, UnaryFold(ints: nil, floats: { Foundation.log1p(Foundation.exp($0)) })),
        // Gelu (opset 20) holds its 1 + erf like onnxruntime's fused GELU (Families/FusedOps.swift).
        "Gelu": .fusedGelu, "LeakyRelu": .unary(.leakyRelu, .none), "PRelu": .binary(.leakyRelu, BinaryFold(ints: nil, floats: nil)),
        "Elu": .unary(.elu, .none), "Celu": .unary(.elu, .none), "Selu": .unary(.elu, .none),
        "HardSigmoid": .unary(.hardSigmoid, .none), "HardSwish": .unary(.hardSwish, .none),

        // Broadcasting binary arithmetic (Families/Elementwise.swift).
        "Add": .binary(
            .add,
            BinaryFold(
                ints: {
                    let (r, o) = $0.addingReportingOverflow($1); return o ? nil : r
                }, floats: { $0 + $1 })),
        "Sub": .binary(
            .sub,
            BinaryFold(
                ints: {
                    let (r, o) = $0.subtractingReportingOverflow($1); return o ? nil : r
                }, floats: { $0 - $1 })),
        "Mul": .binary(
            .mul,
            BinaryFold(
                ints: {
                    let (r, o) = $0.multipliedReportingOverflow(by: $1); return o ? nil : r
                }, floats: { $0 * $1 })),
        // Integer division truncates toward zero, as onnxruntime's does.
        "Div": .binary(
            .div,
            BinaryFold(
                ints: {
                    let (r, o) = $0.dividedReportingOverflow(by: $1); return o || $1 == 0 ? nil : r
                }, floats: { $0 / $1 })),
        "Pow": .binary(.pow, BinaryFold(ints: Elementwise.integerPower, floats: { Foundation.pow($0, $1) })),
        "Mod": .mod,
        "BitwiseAnd": .binary(.and, BinaryFold(ints: { $0 & $1 }, floats: nil)),
        "BitwiseOr": .binary(.or, BinaryFold(ints: { $0 | $1 }, floats: nil)),
        "BitwiseXor": .binary(.xor, BinaryFold(ints: { $0 ^ $1 }, floats: nil)),

        // Variadic: any number of inputs broadcast together.
        "Sum": .variadic(
            .add,
            BinaryFold(
                ints: {
                    let (r, o) = $0.addingReportingOverflow($1); return o ? nil : r
                }, floats: { $0 + $1 })),
        "Max": .variadic(.max, BinaryFold(ints: { Swift.max($0, $1) }, floats: { Swift.max($0, $1) })),
        "Min": .variadic(.min, BinaryFold(ints: { Swift.min($0, $1) }, floats: { Swift.min($0, $1) })),
        "Mean": .mean,

        // Comparisons and logic: boolean results.
        "Equal": .comparison(.equal, ints: { $0 == $1 }, floats: { $0 == $1 }),
        "Less": .comparison(.less, ints: { $0 < $1 }, floats: { $0 < $1 }),
        "LessOrEqual": .comparison(.lessOrEqual, ints: { $0 <= $1 }, floats: { $0 <= $1 }),
        "Greater": .comparison(.greater, ints: { $0 > $1 }, floats: { $0 > $1 }),
        "GreaterOrEqual": .comparison(.greaterOrEqual, ints: { $0 >= $1 }, floats: { $0 >= $1 }),
        "And": .comparison(.and, ints: { $0 != 0 && $1 != 0 }, floats: { $0 != 0 && $1 != 0 }),
        "Or": .comparison(.or, ints: { $0 != 0 || $1 != 0 }, floats: { $0 != 0 || $1 != 0 }),
        "Xor": .comparison(.xor, ints: { ($0 != 0) != ($1 != 0) }, floats: { ($0 != 0) != ($1 != 0) }),

        // Selection and element types.
        "Where": .where, "Clip": .clip, "Cast": .cast, "CastLike": .castLike,

        // Shapes and views (Families/ShapesAndViews.swift).
        "Reshape": .reshape, "Flatten": .flatten, "Squeeze": .squeeze, "Unsqueeze": .unsqueeze,
        "Transpose": .transpose, "Expand": .expand, "Concat": .concat, "Split": .split, "Slice": .slice,
        "Tile": .tile, "Pad": .pad, "Trilu": .trilu,

        // Gathers and scatters (Families/Gathers.swift).
        "Gather": .gather, "GatherElements": .gatherElements, "GatherND": .gatherND,
        "ScatterND": .scatter, "ScatterElements": .scatter, "Scatter": .scatter, "OneHot": .oneHot, "NonZero": .nonZero,

        // Reductions, scans and softmax (Families/Reductions.swift).
        "ReduceMean": .reduction(.reduceMean, .mean), "ReduceSum": .reduction(.reduceSum, .sum),
        "ReduceMax": .reduction(.reduceMax, .max), "ReduceMin": .reduction(.reduceMin, .min),
        "ReduceProd": .reduction(.reduceProd, .product), "ReduceSumSquare": .reduction(.reduceSumSquare, .sumOfSquares),
        "ReduceL1": .reduction(.reduceSum, .sumOfMagnitudes), "ReduceL2": .reduction(.reduceL2, .none),
        "ReduceLogSum": .reduction(.reduceLogSumExp, .none), "ReduceLogSumExp": .reduction(.reduceLogSumExp, .none),
        "ArgMax": .argument(.argMax), "ArgMin": .argument(.argMin), "TopK": .topK, "CumSum": .cumSum,
        "Softmax": .softmax(.softmax), "LogSoftmax": .softmax(.logSoftmax),

        // Normalisations (Families/Normalizations.swift).
        "LayerNormalization": .normalization(.layerNorm), "RMSNormalization": .normalization(.rmsNorm),
        "SimplifiedLayerNormalization": .normalization(.rmsNorm), "GroupNormalization": .normalization(.groupNorm),
        "InstanceNormalization": .normalization(.instanceNorm), "BatchNormalization": .normalization(.batchNorm),

        // Contractions (Families/Contractions.swift).
        "MatMul": .matMul, "Gemm": .gemm, "Einsum": .einsum,

        // Convolutions and pooling (Families/Convolutions.swift).
        "Conv": .conv, "MaxPool": .pool(.maxPool), "AveragePool": .pool(.averagePool),
        "GlobalAveragePool": .globalPool(.averagePool), "GlobalMaxPool": .globalPool(.maxPool)
    ]

    /// onnxruntime's fused transformer ops (Families/FusedOps.swift).
    static let microsoft: [String: OpRule] = [
        "Attention": .attention, "SkipLayerNormalization": .skipLayerNorm(.layerNorm),
        "SkipSimplifiedLayerNormalization": .skipLayerNorm(.rmsNorm), "SimplifiedLayerNormalization": .normalization(.rmsNorm),
        "BiasGelu": .fusedGelu, "FastGelu": .fusedGelu, "Gelu": .fusedGelu, "EmbedLayerNormalization": .embedLayerNorm
    ]

    static func rule(domain: String, opType: String) -> OpRule? {
        switch domain {
        case "", "ai.onnx": defaultDomain[opType]
        case "com.microsoft": microsoft[opType]
        default: nil
        }
    }

    /// Ops the analysis is about (adds, contractions and the fused ops that hold them): every
    /// op on a path to one of them needs a known shape.
    static func anchorsAnalysis(domain: String, opType: String) -> Bool {
        switch domain {
        case "", "ai.onnx": ["Add", "Sum", "MatMul", "Gemm", "Einsum", "Conv"].contains(opType)
        case "com.microsoft": microsoft[opType] != nil
        default: false
        }
    }
}
