import Foundation
import ModelGraph

/// Options for reading an ONNX export: values for its symbolic dimensions.
public struct ONNXImportOptions: Sendable, Hashable {
    /// Binds dimensions whose name mentions "batch".
    public var batch: Int?
    /// Binds dimensions whose name mentions "seq" (sequence, seq_len, …).
    public var sequenceLength: Int?
    /// Explicit bindings, `--dim NAME=VALUE`; these win over the two above.
    public var dimensions: [String: Int]

    public init(batch: Int? = nil, sequenceLength: Int? = nil, dimensions: [String: Int] = [:]) {
        self.batch = batch
        self.sequenceLength = sequenceLength
        self.dimensions = dimensions
    }
}

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
    /// FNV-1a 64 of the ModelProto without its large weight payloads: the graph's identity.
    public let fingerprint: String
}

extension ONNXModel {
    /// The BERT hyper-parameters the graph implies, for the report's model summary: layers from
    /// the softmaxes, heads from the attention scores, hidden size from the output, intermediate
    /// size from the widest matmul, vocabulary and positions from the embedding tables.
    public func inferredConfig(name: String) -> BertConfig {
        let softmaxes = graph.ops.filter { $0.kind == .softmax }
        let scores = softmaxes.first.map { graph[$0.outputs[0]].shape } ?? []
        let hidden = graph.outputs.first.map { graph[$0].shape.last ?? 0 } ?? 0
        let widest = graph.ops.filter { $0.kind == .matMul }.map { graph[$0.outputs[0]].shape.last ?? 0 }.max() ?? 0
        let tables = graph.ops.filter { $0.kind == .gather }.compactMap { op -> Int? in
            let table = graph[op.inputs[0]]
            return table.role == .parameter && table.rank == 2 ? table.shape[0] : nil
        }.sorted(by: >)
        return BertConfig(
            name: name, hiddenSize: hidden, layerCount: softmaxes.count, headCount: scores.count == 4 ? scores[1] : 1,
            intermediateSize: widest, vocabSize: tables.first ?? 0, maxPositionEmbeddings: tables.count > 1 ? tables[1] : 0,
            typeVocabSize: tables.count > 2 ? tables[2] : 0
        )
    }

    /// Batch and sequence length of the token-id input (the first graph input of rank 2).
    public var inputSize: (batch: Int, sequence: Int) {
        let ids = graph.inputs.first { graph[$0].rank == 2 }.map { graph[$0].shape } ?? [1, 1]
        return (ids[0], ids[1])
    }
}

/// Reads ONNX `ModelProto`s (torch's legacy and dynamo exporters, onnxruntime's fused graphs)
/// into the same op kinds the BERT builder produces, inferring every shape along the way.
///
/// ```swift
/// let model = try ONNXImporter.read(path: "bert.onnx", options: .init(batch: 1, sequenceLength: 128))
/// ```
public enum ONNXImporter {
    public static func read(path: String, options: ONNXImportOptions) throws(GraphError) -> ONNXModel {
        let (proto, fingerprint) = try ONNXFile.read(path: path)
        var lowering = Lowering(model: proto, source: path, options: options, fingerprint: fingerprint)
        return try lowering.run()
    }

    public static func read(data: Data, source: String, options: ONNXImportOptions) throws(GraphError) -> ONNXModel {
        let (proto, fingerprint) = try ONNXFile.decodeWithFingerprint(data, source: source)
        var lowering = Lowering(model: proto, source: source, options: options, fingerprint: fingerprint)
        return try lowering.run()
    }
}

/// One tensor of the ONNX graph as the importer knows it.
struct Entry {
    var id: TensorID?
    var shape: [Int]
    var dtype: DType
    var value: FoldedValue?
}

/// The import itself: nodes in dependency order, each lowered to IR ops with inferred shapes.
struct Lowering {
    let model: Onnx_ModelProto
    let source: String
    let options: ONNXImportOptions
    var builder: GraphBuilder
    var entries: [String: Entry] = [:]
    var opset = 13
    var bound: [String: Int] = [:]
    var unknownCost: [String] = []
    /// Names of tensors whose producer was not modelled.
    var unknown = Set<String>()
    var constantCounter = 0
    /// Packed Q/K/V weights and biases of Attention nodes, registered as three parameters each.
    var splitParameters: [String: [TensorID]] = [:]
    var attentionPacked = Set<String>()

    let fingerprint: String

    init(model: Onnx_ModelProto, source: String, options: ONNXImportOptions, fingerprint: String) {
        self.fingerprint = fingerprint
        self.model = model
        self.source = source
        self.options = options
        builder = GraphBuilder(name: model.graph.name.isEmpty ? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent : model.graph.name,
                               source: source)
    }

    mutating func run() throws(GraphError) -> ONNXModel {
        let graph = model.graph
        opset = Int(model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 13)

        for node in graph.node where node.opType == "Attention" && node.domain == "com.microsoft" {
            attentionPacked.formUnion(node.input.dropFirst().prefix(2))
        }
        for (index, initializer) in graph.initializer.enumerated() {
            try addInitializer(initializer, place: "graph.initializer[\(index)] '\(initializer.name)'")
        }
        for (index, input) in graph.input.enumerated() where entries[input.name] == nil {
            try addInput(input, place: "graph.input[\(index)] '\(input.name)'")
        }
        let ordered = try orderedNodes()
        let relevant = nodesReachingAddsOrMatmuls(ordered)
        var explicitAdds = 0
        for (position, node) in ordered {
            if node.opType == "Add" && (node.domain.isEmpty || node.domain == "ai.onnx") { explicitAdds += 1 }
            try lower(node, position: position, relevant: relevant.contains(position))
        }
        var outputs: [TensorID] = []
        for output in graph.output {
            if let id = entries[output.name]?.id { outputs.append(id) }
        }
        let built = try builder.finish(outputs: outputs)
        return ONNXModel(
            graph: built, precision: dominantPrecision(built), producer: "\(model.producerName) \(model.producerVersion)".trimmingCharacters(in: .whitespaces),
            opsetVersion: opset, explicitAddNodes: explicitAdds, boundDimensions: bound, unknownCostNodes: unknownCost,
            fingerprint: fingerprint
        )
    }

    // MARK: Inputs and initializers

    mutating func addInitializer(_ tensor: Onnx_TensorProto, place: String) throws(GraphError) {
        guard !tensor.name.isEmpty else { throw GraphError(source: source, place: place, message: "has no name") }
        let dtype = try Self.dtype(tensor.dataType, place: place, source: source)
        var shape: [Int] = []
        for dim in tensor.dims {
            guard dim > 0, dim <= Int64(Int32.max) else {
                throw GraphError(source: source, place: place, message: "has dimension \(dim) in \(tensor.dims); dimensions must be between 1 and 2^31")
            }
            shape.append(Int(dim))
        }
        if attentionPacked.contains(tensor.name), let last = shape.last, last % 3 == 0, dtype.isFloatingPoint {
            // Q, K and V share one packed tensor; three parameters keep each projection's bytes right.
            var parts: [TensorID] = []
            for part in ["q", "k", "v"] {
                parts.append(try builder.parameter("\(tensor.name)[\(part)]", shape: Array(shape.dropLast()) + [last / 3], dtype: dtype))
            }
            splitParameters[tensor.name] = parts
            entries[tensor.name] = Entry(id: nil, shape: shape, dtype: dtype, value: nil)
            return
        }
        let value = Self.foldedValue(of: tensor, shape: shape, dtype: dtype)
        // Trained weights are float tensors with more than one element; integer tensors and
        // float scalars are constants (shapes, indices, epsilons, scales).
        let isWeight = dtype.isFloatingPoint && (checkedElementCount(shape) ?? 2) > 1
        let id = isWeight
            ? try builder.parameter(tensor.name, shape: shape, dtype: dtype)
            : try builder.constant(tensor.name, shape: shape, dtype: dtype)
        entries[tensor.name] = Entry(id: id, shape: shape, dtype: dtype, value: value)
    }

    mutating func addInput(_ input: Onnx_ValueInfoProto, place: String) throws(GraphError) {
        guard case .tensorType(let type)? = input.type.value else {
            throw GraphError(source: source, place: place, message: "is not a tensor input; only tensor inputs are supported")
        }
        let dtype = try Self.dtype(type.elemType, place: place, source: source)
        var shape: [Int] = []
        for (axis, dim) in type.shape.dim.enumerated() {
            switch dim.value {
            case .dimValue(let value)?:
                guard value > 0, value <= Int64(Int32.max) else {
                    throw GraphError(source: source, place: "\(place) dimension \(axis)", message: "is \(value); dimensions must be between 1 and 2^31")
                }
                shape.append(Int(value))
            case .dimParam(let name)?:
                shape.append(try bind(name, place: "\(place) dimension \(axis)"))
            case nil:
                throw GraphError(source: source, place: "\(place) dimension \(axis)", message: "has neither a size nor a name; give the input a static shape")
            }
        }
        let id = try builder.input(input.name, shape: shape, dtype: dtype)
        entries[input.name] = Entry(id: id, shape: shape, dtype: dtype, value: nil)
    }

    mutating func bind(_ name: String, place: String) throws(GraphError) -> Int {
        let lower = name.lowercased()
        let value = options.dimensions[name]
            ?? (lower.contains("batch") ? options.batch : nil)
            ?? ((lower.contains("seq") || lower.contains("sentence") || lower.contains("length")) ? options.sequenceLength : nil)
        guard let value else {
            throw GraphError(source: source, place: place, message: "symbolic dimension '\(name)' is not bound; pass --dim \(name)=VALUE (or --batch / --seq for batch and sequence dimensions)")
        }
        guard value > 0 else {
            throw GraphError(source: source, place: place, message: "dimension '\(name)' bound to \(value); it must be at least 1")
        }
        bound[name] = value
        return value
    }

    // MARK: Ordering and relevance

    /// Nodes in dependency order (the file's order when it is already one), with their position
    /// in the file for naming. Rejects dangling inputs, duplicate outputs and cycles.
    func orderedNodes() throws(GraphError) -> [(Int, Onnx_NodeProto)] {
        let nodes = model.graph.node
        var producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.output where !output.isEmpty {
                if entries[output] != nil || producer[output] != nil {
                    throw GraphError(source: source, place: Self.describe(node, index), message: "writes '\(output)', which is already defined; every tensor needs one producer")
                }
                producer[output] = index
            }
        }
        var pending = [Int](repeating: 0, count: nodes.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            var seen = Set<Int>()
            for input in node.input where !input.isEmpty {
                if let p = producer[input] {
                    if seen.insert(p).inserted { pending[index] += 1; consumers[p].append(index) }
                } else if entries[input] == nil {
                    throw GraphError(source: source, place: Self.describe(node, index), message: "reads '\(input)', which no node, initializer or graph input provides")
                }
            }
        }
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }
        var order: [(Int, Onnx_NodeProto)] = []
        var cursor = 0
        while cursor < ready.count {
            let index = ready[cursor]
            cursor += 1
            order.append((index, nodes[index]))
            for consumer in consumers[index] {
                pending[consumer] -= 1
                if pending[consumer] == 0 { ready.append(consumer) }
            }
        }
        if order.count != nodes.count, let stuck = (0..<nodes.count).first(where: { pending[$0] > 0 }) {
            throw GraphError(source: source, place: Self.describe(nodes[stuck], stuck), message: "is part of a cycle; an ONNX graph must be acyclic")
        }
        return order
    }

    /// File positions of nodes from which an Add, MatMul, Gemm or fused op can be reached.
    func nodesReachingAddsOrMatmuls(_ ordered: [(Int, Onnx_NodeProto)]) -> Set<Int> {
        let important: Set<String> = ["Add", "MatMul", "Gemm", "Attention", "SkipLayerNormalization", "BiasGelu", "EmbedLayerNormalization", "FastGelu"]
        var producer: [String: Int] = [:]
        for (index, node) in ordered { for output in node.output { producer[output] = index } }
        var byIndex: [Int: Onnx_NodeProto] = [:]
        for (index, node) in ordered { byIndex[index] = node }
        var reached = Set<Int>()
        var stack = ordered.filter { important.contains($0.1.opType) }.map(\.0)
        while let index = stack.popLast() {
            guard reached.insert(index).inserted, let node = byIndex[index] else { continue }
            for input in node.input { if let p = producer[input] { stack.append(p) } }
        }
        return reached
    }

    // MARK: Helpers used by the op lowerings

    func entry(_ name: String, _ node: Onnx_NodeProto, _ position: Int) throws(GraphError) -> Entry {
        guard let entry = entries[name] else {
            throw GraphError(source: source, place: Self.describe(node, position), message: "reads '\(name)', whose shape could not be inferred")
        }
        return entry
    }

    /// The IR tensor for an ONNX tensor, materialising folded values as constants.
    mutating func tensorID(_ name: String, _ node: Onnx_NodeProto, _ position: Int) throws(GraphError) -> TensorID {
        var entry = try entry(name, node, position)
        if let id = entry.id { return id }
        constantCounter += 1
        let id = try builder.constant(name, shape: entry.shape, dtype: entry.dtype)
        entry.id = id
        entries[name] = entry
        return id
    }

    static func describe(_ node: Onnx_NodeProto, _ position: Int) -> String {
        let name = node.name.isEmpty ? "#\(position)" : "'\(node.name)'"
        return "node \(name) (\(node.domain.isEmpty ? "" : node.domain + ":")\(node.opType))"
    }

    static func dtype(_ code: Int32, place: String, source: String) throws(GraphError) -> DType {
        switch code {
        case 1: return .fp32
        case 2: return .uint8
        case 3: return .int8
        case 5: return .int16
        case 6: return .int32
        case 7: return .int64
        case 9: return .bool
        case 10: return .fp16
        case 11: return .fp64
        case 16: return .bf16
        case 4: return .int16   // uint16: same size
        case 12: return .int32  // uint32
        case 13: return .int64  // uint64
        default:
            throw GraphError(source: source, place: place, message: "has element type \(code), which this tool does not support (float, float16, bfloat16, double and integer types are)")
        }
    }

    /// The value of a small initializer or Constant tensor, when its data is in the file.
    static func foldedValue(of tensor: Onnx_TensorProto, shape: [Int], dtype: DType) -> FoldedValue? {
        // Checked: dims from a corrupt file can multiply past 64 bits.
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= FoldedValue.maximumElements else { return nil }
            count = product
        }
        if !tensor.int64Data.isEmpty, tensor.int64Data.count == count {
            return .ints(tensor.int64Data.map { Int($0) }, shape: shape)
        }
        if !tensor.int32Data.isEmpty, tensor.int32Data.count == count, !dtype.isFloatingPoint {
            return .ints(tensor.int32Data.map { Int($0) }, shape: shape)
        }
        if !tensor.floatData.isEmpty, tensor.floatData.count == count {
            return FoldedValue(shape: shape, storage: .floats(tensor.floatData.map { Double($0) }))
        }
        if !tensor.doubleData.isEmpty, tensor.doubleData.count == count {
            return FoldedValue(shape: shape, storage: .floats(tensor.doubleData))
        }
        let raw = tensor.rawData
        guard !raw.isEmpty, raw.count == count * dtype.byteSize else { return nil }
        let bytes = [UInt8](raw)
        func little<T: FixedWidthInteger>(_ type: T.Type, _ index: Int) -> T {
            var value: T = 0
            for byte in 0..<MemoryLayout<T>.size { value |= T(truncatingIfNeeded: bytes[index * MemoryLayout<T>.size + byte]) << (8 * byte) }
            return value
        }
        switch dtype {
        case .int64: return .ints((0..<count).map { Int(little(Int64.self, $0)) }, shape: shape)
        case .int32: return .ints((0..<count).map { Int(little(Int32.self, $0)) }, shape: shape)
        case .int8: return .ints((0..<count).map { Int(Int8(bitPattern: bytes[$0])) }, shape: shape)
        case .uint8, .bool: return .ints((0..<count).map { Int(bytes[$0]) }, shape: shape)
        case .fp32: return FoldedValue(shape: shape, storage: .floats((0..<count).map { Double(Float(bitPattern: little(UInt32.self, $0))) }))
        case .fp64: return FoldedValue(shape: shape, storage: .floats((0..<count).map { Double(bitPattern: little(UInt64.self, $0)) }))
        default: return nil
        }
    }

    func dominantPrecision(_ graph: Graph) -> Precision {
        var bytes: [DType: Int] = [:]
        for tensor in graph.tensors where tensor.role == .parameter { bytes[tensor.dtype, default: 0] += tensor.elementCount }
        let top = bytes.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key ?? .fp32
        switch top {
        case .bf16: return .bf16
        case .fp16: return .fp16
        case .int8, .uint8: return .int8
        default: return .fp32
        }
    }
}
