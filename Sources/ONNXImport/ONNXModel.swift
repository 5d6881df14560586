import ModelGraph

/// An ONNX export read into the project's IR.
public struct ONNXModel: Sendable {
    public let graph: Graph
    /// The element type of the model's weights and activations (the most common float type).
    public let precision: Precision
    /// `pytorch 2.15` and the like, from the file's producer fields.
    public let producer: String
    public let opsetVersion: Int
    /// Explicit Add nodes in the file.
    public let explicitAddNodes: Int
    /// Dimensions that were symbolic, with the value each was bound to.
    public let boundDimensions: [String: Int]
    /// Ops the importer does not model; they lie on no path to an add or a matmul, so they cost
    /// nothing here, and the report lists them as of unknown cost.
    public let unknownCostNodes: [String]
    /// Ops with no rule of their own whose output shapes the export states (`value_info`): they
    /// are costed as one streaming pass, and the report says so.
    public let unmodelledNodes: [String]
    /// The model class the exporter recorded (`LlamaModel`, from dynamo's class hierarchy or
    /// the module path in legacy node names), when it did.
    public let exportedClass: String?
    /// FNV-1a 64 of the ModelProto without its large weight payloads: the graph's identity.
    public let fingerprint: String
}

extension ONNXModel {
    /// The hyper-parameters the graph implies, for the report's model summary: layers from the
    /// attention softmaxes, heads from the attention scores, hidden size from the output,
    /// intermediate size from the widest matmul, vocabulary and positions from the embedding tables.
    public func inferredConfig(name: String) -> EncoderConfig {
        let scores = attentionScores
        let hidden = graph.outputs.first.map { graph[$0].shape.last ?? 0 } ?? 0
        let widest = graph.ops.filter { $0.kind == .matMul && !$0.folded }.map { graph[$0.outputs[0]].shape.last ?? 0 }.max() ?? 0
        let tables = graph.ops.filter { $0.kind == .gather }.compactMap { op -> Int? in
            let table = graph[op.inputs[0]]
            return table.role == .parameter && table.rank == 2 ? table.shape[0] : nil
        }.sorted(by: >)
        return EncoderConfig(
            name: name, hiddenSize: hidden, layerCount: scores.count, headCount: scores.first.map { graph[$0].shape.count == 4 ? graph[$0].shape[1] : 1 } ?? 1,
            intermediateSize: widest, vocabSize: tables.first ?? 0, maxPositionEmbeddings: tables.count > 1 ? tables[1] : 0,
            typeVocabSize: tables.count > 2 ? tables[2] : 0
        )
    }

    /// Batch and token count of one forward pass. The batch is the first input's leading
    /// dimension; the token count comes from the graph, not from an input: the attention scores'
    /// query length, else the sequence axis of the output (ViT's 197 tokens come from 196
    /// patches and a class token, not from any input dimension).
    public var inputSize: (batch: Int, sequence: Int) {
        let batch = graph.inputs.first.flatMap { graph[$0].shape.first } ?? 1
        if let scores = attentionScores.first, graph[scores].rank >= 2 {
            let shape = graph[scores].shape
            return (batch, shape[shape.count - 2])
        }
        if let output = graph.outputs.first, graph[output].rank == 3 { return (batch, graph[output].shape[1]) }
        let ids = graph.inputs.first { graph[$0].rank == 2 }.map { graph[$0].shape } ?? [batch, 1]
        return (batch, ids[1])
    }

    /// True when a graph input has a sequence axis (token ids, a mask); false for images.
    public var hasTokenInput: Bool {
        graph.inputs.contains { !graph[$0].dtype.isFloatingPoint && graph[$0].rank == 2 }
    }

    /// The output of each attention softmax (one per attention block), in graph order.
    var attentionScores: [TensorID] {
        graph.ops.filter { op in
            op.kind == .softmax && graph[op.outputs[0]].rank >= 3
        }.map { $0.outputs[0] }
    }
}
