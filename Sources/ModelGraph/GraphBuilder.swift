import Support

/// Accumulates tensors and operators, then produces an immutable, checked ``Graph``.
///
/// ```swift
/// var builder = GraphBuilder(name: "tiny", source: "example")
/// let x = try builder.input("x", shape: [1, 4], dtype: .fp32)
/// let y = try builder.op(.tanh, "act", [x], shape: [1, 4], dtype: .fp32)
/// let graph = try builder.finish(outputs: [y])
/// ```
public struct GraphBuilder: Sendable {
    public let name: String
    /// Names the model description in errors (a file path or a preset name).
    public let source: String
    private var tensors: [Tensor] = []
    private var ops: [Op] = []
    private var inputs: [TensorID] = []
    private var embeddedAdds: [EmbeddedAdd] = []

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }

    /// Adds a tensor, checking that its shape is positive and that its size fits in 64 bits.
    public mutating func tensor(_ name: String, shape: [Int], dtype: DType, role: TensorRole) throws(InputError) -> TensorID {
        var count = 1
        for dim in shape {
            guard dim > 0 else {
                throw InputError(source: source, place: name, message: "has dimension \(dim) in shape \(shape); every dimension must be at least 1")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            // Bytes are element count × up to 8, so keep headroom for that product too.
            guard !overflow, product <= Int.max / 8 else {
                throw InputError(
                    source: source, place: name, message: "shape \(shape) has more elements than can be counted; use smaller batch or sequence sizes")
            }
            count = product
        }
        let id = TensorID(tensors.count)
        tensors.append(Tensor(id: id, name: name, shape: shape, dtype: dtype, role: role, elementCount: count))
        return id
    }

    public mutating func input(_ name: String, shape: [Int], dtype: DType) throws(InputError) -> TensorID {
        let id = try tensor(name, shape: shape, dtype: dtype, role: .graphInput)
        inputs.append(id)
        return id
    }

    public mutating func parameter(_ name: String, shape: [Int], dtype: DType) throws(InputError) -> TensorID {
        try tensor(name, shape: shape, dtype: dtype, role: .parameter)
    }

    public mutating func constant(_ name: String, shape: [Int], dtype: DType) throws(InputError) -> TensorID {
        try tensor(name, shape: shape, dtype: dtype, role: .constant)
    }

    /// Adds an operator with one output tensor, named after the op's path, and returns that tensor.
    @discardableResult
    public mutating func op(
        _ kind: OpKind, _ path: String, _ inputs: [TensorID], shape: [Int], dtype: DType,
        attributes: [String: AttributeValue] = [:], origin: String? = nil, folded: Bool = false,
        outputName: String? = nil
    ) throws(InputError) -> TensorID {
        let output = try tensor(outputName ?? path, shape: shape, dtype: dtype, role: .activation)
        ops.append(
            Op(
                index: ops.count, kind: kind, path: path, inputs: inputs, outputs: [output], attributes: attributes,
                origin: origin, folded: folded))
        return output
    }

    /// Records an add performed inside the op that produces `output`.
    public mutating func embeddedAdd(in output: TensorID, origin: String, role: EmbeddedAdd.Role) {
        let tensor = tensors[output.index]
        embeddedAdds.append(EmbeddedAdd(containingOutput: output, origin: origin, role: role, shape: tensor.shape, dtype: tensor.dtype))
    }

    public func dtype(of id: TensorID) -> DType { tensors[id.index].dtype }
    public func role(of id: TensorID) -> TensorRole { tensors[id.index].role }

    public func shape(of id: TensorID) -> [Int] { tensors[id.index].shape }

    public func finish(outputs: [TensorID]) throws(InputError) -> Graph {
        try Graph(name: name, tensors: tensors, ops: ops, inputs: inputs, outputs: outputs, source: source, embeddedAdds: embeddedAdds)
    }
}
