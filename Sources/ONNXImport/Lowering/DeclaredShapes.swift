import Support
import ModelGraph

/// The shapes and element types an export states for its tensors (`value_info`, graph outputs):
/// inference is checked against them, and they stand in for an op the importer has no rule for.
extension Lowering {
    /// Throws when the export states a shape or element type for `name` that differs from the
    /// inferred one. Symbolic dimensions are compared when they are bound, skipped otherwise.
    func checkDeclared(_ name: String, shape: [Int], dtype: DType, _ context: NodeContext) throws(InputError) {
        guard let stated = declared[name] else { return }
        if stated.elemType != 0, let statedType = try? ElementType.dtype(stated.elemType, place: "", source: source), statedType != dtype {
            throw InputError(
                source: source, place: "\(context.place) output '\(name)'",
                message: "is inferred as \(dtype.rawValue) but the file's value_info says \(statedType.rawValue); the export is inconsistent")
        }
        guard stated.hasShape else { return }
        let dims = stated.shape.dim
        let text =
            "["
            + dims.map { dim -> String in
                switch dim.value {
                case .dimValue(let value)?: String(value)
                case .dimParam(let name)?: name
                case nil: "?"
                }
            }.joined(separator: ", ") + "]"
        guard dims.count == shape.count else {
            throw InputError(
                source: source, place: "\(context.place) output '\(name)'",
                message: "is inferred as \(shape) but the file's value_info says \(text); the export is inconsistent")
        }
        for (axis, dim) in dims.enumerated() {
            let expected: Int? =
                switch dim.value {
                case .dimValue(let value)?: Int(value)
                case .dimParam(let symbol)?: bound[symbol]
                case nil: nil
                }
            if let expected, expected != shape[axis] {
                throw InputError(
                    source: source, place: "\(context.place) output '\(name)'",
                    message: "is inferred as \(shape) but the file's value_info says \(text); the export is inconsistent")
            }
        }
    }

    /// The stated shape and type of every output of `node`, when the export states them all
    /// with no unbound symbol; nil otherwise.
    func declaredOutputs(of node: Onnx_NodeProto) -> [(shape: [Int], dtype: DType)]? {
        var result: [(shape: [Int], dtype: DType)] = []
        for output in node.output where !output.isEmpty {
            guard let stated = declared[output], stated.hasShape,
                let dtype = try? ElementType.dtype(stated.elemType, place: "", source: source)
            else { return nil }
            var shape: [Int] = []
            for dim in stated.shape.dim {
                switch dim.value {
                case .dimValue(let value)? where value > 0 && value <= Int64(Int32.max): shape.append(Int(value))
                case .dimParam(let symbol)?:
                    guard let value = bound[symbol] ?? options.dimensions[symbol] else { return nil }
                    shape.append(value)
                default: return nil
                }
            }
            result.append((shape, dtype))
        }
        return result.isEmpty ? nil : result
    }

    /// An op with no rule of its own, read from the shapes the export states for its outputs
    /// and costed as one streaming pass over its tensors.
    mutating func lowerUnmodelled(_ context: NodeContext, outputs: [(shape: [Int], dtype: DType)]) throws(InputError) {
        var ids: [TensorID] = []
        for name in context.node.input where !name.isEmpty {
            if entries[name]?.shape.contains(0) == true { continue }
            ids.append(try tensorID(name, context))
        }
        var index = 0
        for name in context.node.output {
            defer { index += 1 }
            guard !name.isEmpty else { continue }
            let (shape, dtype) = outputs[min(index, outputs.count - 1)]
            let path = index == 0 ? context.path : "\(context.path):\(index)"
            let id = try builder.op(
                .unmodelled, path, ids, shape: shape, dtype: dtype, attributes: ["op_type": .string(context.node.opType)],
                outputName: name)
            entries[name] = Entry(id: id, shape: shape, dtype: dtype, value: nil)
        }
        unmodelled.append(context.place)
    }
}
