import ModelGraph

/// What kind of transformer a graph is, read from its structure: how many attention blocks, where
/// its norms sit and which kind they are, how it encodes positions, what it takes as input, whether
/// its feed-forward is gated. The report names it, so a reader knows which adds to expect.
///
/// ```swift
/// let summary = ArchitectureSummary(graph: graph, records: analysis.records)
/// let text = summary.description // "12 attention blocks, post-LN (the norm follows each residual), LayerNorm, …"
/// ```
public struct ArchitectureSummary: Sendable, Hashable {
    public enum NormPlacement: String, Sendable, Hashable {
        /// The norm follows each residual sum (BERT and its cousins).
        case postNorm = "post-LN"
        /// The norm opens each block; the residual stream passes around it (GPT-2, Llama, ViT, T5).
        case preNorm = "pre-LN"
    }

    public enum Normalization: String, Sendable, Hashable {
        case layerNorm = "LayerNorm"
        case rmsNorm = "RMSNorm"
    }

    public enum Input: String, Sendable, Hashable {
        case tokens = "token ids"
        case imagePatches = "image patches"
    }

    public let attentionBlocks: Int
    public let normPlacement: NormPlacement?
    public let normalization: Normalization?
    public let input: Input
    /// Summed embeddings (absolute positions or token types), rotary, relative.
    public let summedEmbeddings: Bool
    public let rotaryPositions: Bool
    public let relativePositions: Bool
    /// A feed-forward that multiplies an activated projection by a second one (GLU, SwiGLU).
    public let gatedFeedForward: Bool

    public init(graph: Graph, records: [AddRecord]) {
        let categories = Set(records.map(\.category))
        attentionBlocks = graph.ops.filter { $0.kind == .softmax && graph[$0.outputs[0]].rank >= 3 }.count
        input = graph.ops.contains { $0.kind == .im2col } ? .imagePatches : .tokens
        summedEmbeddings = categories.contains(.embedding)
        rotaryPositions = categories.contains(.rotary)
        relativePositions = categories.contains(.relativePosition)
        normalization = Self.normalization(in: graph)
        normPlacement = Self.placement(in: graph, records: records)
        gatedFeedForward = graph.ops.contains { op in
            guard op.kind == .mul, op.inputs.count == 2 else { return false }
            let producers = op.inputs.map { graph.producer(of: $0) }
            return producers.contains { $0?.kind == .matMul }
                && producers.contains { producer in
                    guard let producer else { return false }
                    return producer.kind.isActivation || (producer.kind == .mul && producer.inputs.contains { graph.producer(of: $0)?.kind == .sigmoid })
                }
        }
    }

    /// Explicit norm ops, or the written-out form: LayerNorm subtracts the mean before squaring,
    /// RMSNorm squares the input itself.
    static func normalization(in graph: Graph) -> Normalization? {
        if graph.ops.contains(where: { $0.kind == .layerNorm }) { return .layerNorm }
        if graph.ops.contains(where: { $0.kind == .rmsNorm }) { return .rmsNorm }
        for op in graph.ops where op.kind == .reduceMean {
            guard let squared = graph.producer(of: op.inputs[0]), squared.kind == .pow || squared.kind == .mul else { continue }
            let centred = squared.inputs.contains { graph.producer(of: $0)?.kind == .sub }
            return centred ? .layerNorm : .rmsNorm
        }
        return nil
    }

    /// Post-LN when the residual sums feed only their norm; pre-LN when they also carry on to the
    /// next residual sum, around the next block's norm.
    static func placement(in graph: Graph, records: [AddRecord]) -> NormPlacement? {
        let residuals = records.filter { ($0.category == .attentionResidual || $0.category == .ffnResidual) && !$0.embedded }
        guard !residuals.isEmpty else { return nil }
        // Consumers of a tensor, looking through casts (T5 casts the stream to fp32 for its norm
        // and adds the cast copy back).
        func consumers(_ tensor: TensorID) -> [Op] {
            var found: [Op] = [], frontier = [tensor]
            while let current = frontier.popLast(), found.count < 64 {
                for consumer in graph.consumers(of: current) {
                    if consumer.kind == .cast { frontier.append(consumer.outputs[0]) } else { found.append(consumer) }
                }
            }
            return found
        }
        let carried = residuals.filter { record in
            consumers(graph.ops[record.opIndex].outputs[0]).contains { $0.kind == .add }
        }.count
        return carried * 2 > residuals.count ? .preNorm : .postNorm
    }

    /// One sentence: "12 attention blocks, post-LN, LayerNorm, summed embeddings, over token ids".
    public var description: String {
        var parts = ["\(attentionBlocks) attention block\(attentionBlocks == 1 ? "" : "s")"]
        if let normPlacement {
            parts.append(normPlacement == .postNorm ? "post-LN (the norm follows each residual sum)" : "pre-LN (the norm opens each block)")
        }
        if let normalization { parts.append(normalization.rawValue) }
        var positions: [String] = []
        if summedEmbeddings {
            positions.append(input == .imagePatches ? "a learned position table added to the patches" : "summed token and position embeddings")
        }
        if rotaryPositions { positions.append("rotary position embeddings") }
        if relativePositions { positions.append("relative-position attention") }
        parts += positions
        if gatedFeedForward { parts.append("a gated feed-forward") }
        return parts.joined(separator: ", ") + ", over \(input.rawValue)"
    }
}
