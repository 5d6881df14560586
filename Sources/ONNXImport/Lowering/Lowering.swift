import Support
import Foundation
import ModelGraph

/// One tensor of the ONNX graph as the importer knows it: its IR tensor (once one exists), its
/// inferred shape and element type, and its value when that is known at import time.
struct Entry {
    var id: TensorID?
    var shape: [Int]
    var dtype: DType
    var value: FoldedValue?
}

/// The import itself: nodes in dependency order, each read by the rule of its family in
/// ``OpTable`` into IR ops with inferred shapes, checked against the shapes the export states.
struct Lowering {
    let model: Onnx_ModelProto
    let source: String
    let options: ONNXImportOptions
    let fingerprint: String
    var builder: GraphBuilder
    var entries: [String: Entry] = [:]
    /// The default domain's opset: it decides where some ops take their axes (attribute or input).
    var opset = 13
    var bound: [String: Int] = [:]
    var unknownCost: [String] = []
    var unmodelled: [String] = []
    /// Names of tensors whose producer was not modelled.
    var unknown = Set<String>()
    /// Shapes and element types the export states for its tensors (`value_info` and outputs).
    var declared: [String: Onnx_TypeProto.Tensor] = [:]
    /// Packed Q/K/V weights and biases of Attention nodes, registered as three parameters each.
    var splitParameters: [String: [TensorID]] = [:]
    var attentionPacked = Set<String>()

    init(model: Onnx_ModelProto, source: String, options: ONNXImportOptions, fingerprint: String) {
        self.fingerprint = fingerprint
        self.model = model
        self.source = source
        self.options = options
        builder = GraphBuilder(
            name: model.graph.name.isEmpty ? URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent : model.graph.name,
            source: source)
    }

    mutating func run() throws(InputError) -> ONNXModel {
        let graph = model.graph
        opset = Int(model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 13)
        for info in graph.valueInfo + graph.output {
            if case .tensorType(let tensor)? = info.type.value { declared[info.name] = tensor }
        }

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
        try checkEveryRelevantOpIsKnown(ordered, relevant: relevant)
        var explicitAdds = 0
        for (position, node) in ordered {
            if node.opType == "Add" && (node.domain.isEmpty || node.domain == "ai.onnx") { explicitAdds += 1 }
            try lower(node, position: position, relevant: relevant.contains(position))
        }
        var outputs: [TensorID] = []
        for output in graph.output {
            guard let entry = entries[output.name] else { continue }
            if let id = entry.id {
                outputs.append(id)
            } else if !entry.shape.contains(0) {
                // An output computed entirely at import time still is an output.
                let id = try builder.constant(output.name, shape: entry.shape, dtype: entry.dtype)
                outputs.append(id)
            }
        }
        let built = try builder.finish(outputs: outputs)
        return ONNXModel(
            graph: built, precision: dominantPrecision(built), producer: "\(model.producerName) \(model.producerVersion)".trimmingCharacters(in: .whitespaces),
            opsetVersion: opset, explicitAddNodes: explicitAdds, boundDimensions: bound, unknownCostNodes: unknownCost,
            unmodelledNodes: unmodelled, exportedClass: ExportedClass.find(in: model), fingerprint: fingerprint
        )
    }

    /// Reads one node by its family's rule. Ops downstream of an unknown op, or unknown
    /// themselves, are allowed only off the paths to adds and matmuls.
    mutating func lower(_ node: Onnx_NodeProto, position: Int, relevant: Bool) throws(InputError) {
        let context = NodeContext(node: node, position: position, place: Self.describe(node, position), source: source, opset: opset)
        if node.input.contains(where: { unknown.contains($0) }) {
            if relevant {
                throw InputError(
                    source: source, place: context.place, message: "depends on an op this tool does not model, and lies on a path to an add or a matmul")
            }
            unknown.formUnion(node.output)
            return
        }
        if let rule = OpTable.rule(domain: node.domain, opType: node.opType) {
            try rule.lower(&self, context)
        } else if let shapes = declaredOutputs(of: node) {
            try lowerUnmodelled(context, outputs: shapes)
        } else {
            // Only reached off the add/matmul paths: checkEveryRelevantOpIsKnown refused the rest.
            unknownCost.append(context.place)
            unknown.formUnion(node.output)
        }
    }

    // MARK: Inputs and initializers

    mutating func addInitializer(_ tensor: Onnx_TensorProto, place: String) throws(InputError) {
        guard !tensor.name.isEmpty else { throw InputError(source: source, place: place, message: "has no name") }
        let dtype = try ElementType.dtype(tensor.dataType, place: place, source: source)
        var shape: [Int] = []
        for dim in tensor.dims {
            guard dim >= 0, dim <= Int64(Int32.max) else {
                throw InputError(source: source, place: place, message: "has dimension \(dim) in \(tensor.dims); dimensions must be between 0 and 2^31")
            }
            shape.append(Int(dim))
        }
        if shape.contains(0) {
            // An empty tensor (a Concat's empty part, say) lives only as a folded value.
            entries[tensor.name] = Entry(
                id: nil, shape: shape, dtype: dtype, value: FoldedValue(shape: shape, storage: dtype.isFloatingPoint ? .floats([]) : .ints([])))
            return
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
        // Trained weights are float tensors with more than one element; integer tensors and
        // float scalars are constants (shapes, indices, epsilons, scales). Only constants are
        // folded: a weight stays a run-time value whether or not the file carries its bytes.
        let isWeight = dtype.isFloatingPoint && (checkedElementCount(shape) ?? 2) > 1
        let value = isWeight ? nil : ElementType.foldedValue(of: tensor, shape: shape, dtype: dtype)
        let id =
            isWeight
            ? try builder.parameter(tensor.name, shape: shape, dtype: dtype)
            : try builder.constant(tensor.name, shape: shape, dtype: dtype)
        entries[tensor.name] = Entry(id: id, shape: shape, dtype: dtype, value: value)
    }

    mutating func addInput(_ input: Onnx_ValueInfoProto, place: String) throws(InputError) {
        guard case .tensorType(let type)? = input.type.value else {
            throw InputError(source: source, place: place, message: "is not a tensor input; only tensor inputs are supported")
        }
        let dtype = try ElementType.dtype(type.elemType, place: place, source: source)
        var shape: [Int] = []
        for (axis, dim) in type.shape.dim.enumerated() {
            switch dim.value {
            case .dimValue(let value)?:
                guard value > 0, value <= Int64(Int32.max) else {
                    throw InputError(source: source, place: "\(place) dimension \(axis)", message: "is \(value); dimensions must be between 1 and 2^31")
                }
                shape.append(Int(value))
            case .dimParam(let name)?:
                shape.append(try bind(name, place: "\(place) dimension \(axis)"))
            case nil:
                throw InputError(source: source, place: "\(place) dimension \(axis)", message: "has neither a size nor a name; give the input a static shape")
            }
        }
        let id = try builder.input(input.name, shape: shape, dtype: dtype)
        entries[input.name] = Entry(id: id, shape: shape, dtype: dtype, value: nil)
    }

    mutating func bind(_ name: String, place: String) throws(InputError) -> Int {
        let lower = name.lowercased()
        let value =
            options.dimensions[name]
            ?? (lower.contains("batch") ? options.batch : nil)
            ?? ((lower.contains("seq") || lower.contains("sentence") || lower.contains("length")) ? options.sequenceLength : nil)
        guard let value else {
            throw InputError(
                source: source, place: place,
                message: "symbolic dimension '\(name)' is not bound; pass --dim \(name)=VALUE (or --batch / --seq for batch and sequence dimensions)")
        }
        guard value > 0 else {
            throw InputError(source: source, place: place, message: "dimension '\(name)' bound to \(value); it must be at least 1")
        }
        bound[name] = value
        return value
    }

    // MARK: Entries

    func entry(_ name: String, _ context: NodeContext) throws(InputError) -> Entry {
        guard let entry = entries[name] else {
            throw InputError(source: source, place: context.place, message: "reads '\(name)', whose shape could not be inferred")
        }
        return entry
    }

    /// The entry of the node's input `index`.
    func input(_ index: Int, _ context: NodeContext) throws(InputError) -> Entry {
        try entry(try context.input(index), context)
    }

    /// The value of input `index`, which the op needs at import time (a shape, axes, indices).
    func knownInts(_ index: Int, _ context: NodeContext, what: String) throws(InputError) -> [Int] {
        let name = try context.input(index)
        guard let values = try entry(name, context).value?.ints else {
            throw InputError(
                source: source, place: context.place,
                message:
                    "takes its \(what) from '\(name)', which depends on the model's inputs; this tool needs it known when the file is read (bind symbolic dimensions with --dim)"
            )
        }
        return values
    }

    /// The IR tensor for an ONNX tensor, materialising folded values as constants.
    mutating func tensorID(_ name: String, _ context: NodeContext) throws(InputError) -> TensorID {
        var entry = try entry(name, context)
        if let id = entry.id { return id }
        let id = try builder.constant(name, shape: entry.shape, dtype: entry.dtype)
        entry.id = id
        entries[name] = entry
        return id
    }

    /// Records what is known of an ONNX tensor, checked against the shape and type the export
    /// states for it.
    mutating func define(_ name: String, _ entry: Entry, _ context: NodeContext) throws(InputError) {
        try checkDeclared(name, shape: entry.shape, dtype: entry.dtype, context)
        entries[name] = entry
    }

    // MARK: Output helpers

    /// Adds the IR op for the node's output `index` and records its entry.
    @discardableResult
    mutating func emit(
        _ kind: OpKind, _ context: NodeContext, inputs: [String], shape: [Int], dtype: DType,
        value: FoldedValue? = nil, output index: Int = 0, attributes: [String: AttributeValue] = [:],
        origin: String? = nil
    ) throws(InputError) -> TensorID? {
        let name = try context.output(index)
        if shape.contains(0) {
            // The IR has no empty tensors: an empty result lives only as a folded value.
            try define(
                name, Entry(id: nil, shape: shape, dtype: dtype, value: FoldedValue(shape: shape, storage: dtype.isFloatingPoint ? .floats([]) : .ints([]))),
                context)
            return nil
        }
        var ids: [TensorID] = []
        for input in inputs where !input.isEmpty {
            if entries[input]?.shape.contains(0) == true { continue }
            ids.append(try tensorID(input, context))
        }
        let path = index == 0 ? context.path : "\(context.path):\(index)"
        try checkDeclared(name, shape: shape, dtype: dtype, context)
        let id = try builder.op(
            kind, path, ids, shape: shape, dtype: dtype, attributes: attributes, origin: origin,
            folded: value != nil, outputName: name)
        entries[name] = Entry(id: id, shape: shape, dtype: dtype, value: value)
        return id
    }

    /// An intermediate tensor of a lowered op (no ONNX name).
    mutating func emitInternal(
        _ kind: OpKind, _ context: NodeContext, suffix: String, inputs: [TensorID], shape: [Int], dtype: DType,
        attributes: [String: AttributeValue] = [:], origin: String
    ) throws(InputError) -> TensorID {
        try builder.op(kind, "\(context.path)/\(suffix)", inputs, shape: shape, dtype: dtype, attributes: attributes, origin: origin)
    }

    /// The final op of a lowering that expands into several: writes the node's output `index`
    /// from IR tensors.
    @discardableResult
    mutating func emitOutput(
        _ kind: OpKind, _ context: NodeContext, inputs: [TensorID], shape: [Int], dtype: DType,
        value: FoldedValue? = nil, output index: Int = 0, attributes: [String: AttributeValue] = [:],
        origin: String?
    ) throws(InputError) -> TensorID {
        let name = try context.output(index)
        try checkDeclared(name, shape: shape, dtype: dtype, context)
        let path = index == 0 ? context.path : "\(context.path):\(index)"
        let id = try builder.op(
            kind, path, inputs, shape: shape, dtype: dtype, attributes: attributes, origin: origin,
            folded: value != nil, outputName: name)
        entries[name] = Entry(id: id, shape: shape, dtype: dtype, value: value)
        return id
    }

    static func describe(_ node: Onnx_NodeProto, _ position: Int) -> String {
        let name = node.name.isEmpty ? "#\(position)" : "'\(node.name)'"
        return "node \(name) (\(node.domain.isEmpty ? "" : node.domain + ":")\(node.opType))"
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
