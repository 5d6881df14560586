import AddAnalysis
import Support
import ReportModel
import KPUModel
import ModelGraph

/// Short names of the operations of one encoder layer, for the labels over its Gantt chart: "Q",
/// "K", "V", "scores", "scale", "mask", "softmax", "context", "out proj", "residual", "LayerNorm",
/// "FFN1", "GELU", "FFN2".
///
/// The builder's op paths and the legacy exporter's node names say which projection is which
/// (`query`, `key`, `value`, `intermediate`, `output`). Where names say nothing (torch's dynamo
/// exporter numbers its nodes), a BERT layer's six weight matmuls come in the order Q, K, V,
/// output projection, FFN1, FFN2, and of its two matmuls of two activations the scores come
/// first, then the context.
struct OperationNames {
    private let run: RunReport.KPURun
    private var matmuls: [Int: String] = [:]
    /// The other members of each fused group, by head.
    private var riders: [Int: [Int]] = [:]

    init(run: RunReport.KPURun, layer: ClosedRange<Int>) {
        self.run = run
        let inLayer = layer.filter { run.opKinds[$0] == .matMul }
        let weighted = inLayer.filter { op in run.opInputs[op].contains { $0.isParameter } }
        let activations = inLayer.filter { op in !run.opInputs[op].contains { $0.isParameter } }
        let byPosition = weighted.count == 6 ? ["Q", "K", "V", "out proj", "FFN1", "FFN2"] : []
        for (position, op) in weighted.enumerated() {
            matmuls[op] = Self.projection(Self.words(run.opPaths[op])) ?? (byPosition.isEmpty ? "matmul" : byPosition[position])
        }
        for (position, op) in activations.enumerated() {
            let words = Self.words(run.opPaths[op])
            matmuls[op] =
                words.contains("scores")
                ? "scores"
                : words.contains("context")
                    ? "context"
                    : activations.count == 2 ? ["scores", "context"][position] : "matmul"
        }
        for op in run.chosen.operators where op.groupHead != op.opIndex && layer.contains(op.groupHead) {
            riders[op.groupHead, default: []].append(op.opIndex)
        }
    }

    /// The name of a group: its head, then what rides its drain (a bias goes unnamed: every
    /// projection has one, and the legend says where they are).
    func group(_ head: Int) -> String {
        var parts = [name(head)]
        for rider in riders[head] ?? [] {
            guard let part = riderName(rider), !parts.contains(part) else { continue }
            parts.append(part)
        }
        return parts.joined(separator: "+")
    }

    /// The name of one op.
    func name(_ op: Int) -> String {
        if let matmul = matmuls[op] { return matmul }
        if let category = run.categoryOfOp[op] { return Self.name(of: category) }
        let words = Self.words(run.opPaths[op])
        // The raw attention mask turned into its additive form, before the first layer's ops.
        if words.contains("mask") { return "mask prep" }
        switch run.opKinds[op] {
        case .softmax: return "softmax"
        case .layerNorm: return "LayerNorm"
        case .rmsNorm: return "RMSNorm"
        case .gelu: return "GELU"
        case .mul where words.contains("scale"): return "scale"
        case let kind: return kind.rawValue
        }
    }

    /// A rider's name in its group's label, or nil for what the label leaves out: biases, and
    /// the arithmetic of a written-out GELU or LayerNorm, which its add's category names.
    private func riderName(_ op: Int) -> String? {
        if let category = run.categoryOfOp[op] { return category == .bias ? nil : Self.name(of: category) }
        switch run.opKinds[op] {
        case .softmax, .layerNorm, .rmsNorm, .gelu, .matMul: return name(op)
        default: return nil
        }
    }

    static func name(of category: AddCategory) -> String {
        switch category {
        case .embedding: "embedding sum"
        case .attentionResidual, .ffnResidual: "residual"
        case .hiddenStateAggregation: "layer sum"
        case .bias: "bias"
        case .attentionMask: "mask"
        case .maskPrep: "mask prep"
        case .layernorm: "LayerNorm"
        case .activation: "GELU"
        case .rotary: "rotary"
        case .relativePosition: "rel. position"
        case .other: "add"
        }
    }

    /// Which projection a weight matmul's path names, if any.
    static func projection(_ words: Set<String>) -> String? {
        if words.contains("query") { return "Q" }
        if words.contains("key") { return "K" }
        if words.contains("value") { return "V" }
        if words.contains("intermediate") { return "FFN1" }
        if words.contains("attention") && words.contains("output") { return "out proj" }
        if words.contains("output") { return "FFN2" }
        return nil
    }

    /// The lower-cased words of an op path, split at dots, slashes and underscores.
    static func words(_ path: String) -> Set<String> {
        Set(path.lowercased().split { $0 == "." || $0 == "/" || $0 == "_" }.map(String.init))
    }
}
