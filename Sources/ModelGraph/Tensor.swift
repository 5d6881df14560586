/// Identifies a tensor inside one ``Graph``: its index in ``Graph/tensors``.
public struct TensorID: Hashable, Comparable, Sendable {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: TensorID, b: TensorID) -> Bool { a.index < b.index }
}

/// Where a tensor's value comes from; the add classifier relies on this distinction
/// (a bias is a parameter, a residual operand is an activation).
public enum TensorRole: String, Sendable, Hashable, Codable {
    /// Fed by the caller at run time (token ids, attention mask).
    case graphInput
    /// A trained weight: counted in the model's parameters.
    case parameter
    /// A value fixed at export time that is not trained (position ids, a scale, an epsilon).
    case constant
    /// Computed by an operator.
    case activation
}

/// A tensor: a name, a static shape, an element type and where its value comes from.
public struct Tensor: Sendable, Hashable {
    public let id: TensorID
    public let name: String
    public let shape: [Int]
    public let dtype: DType
    public let role: TensorRole
    /// Product of the shape, computed once with overflow checks when the tensor is added.
    public let elementCount: Int

    /// Bytes of one full copy of the tensor.
    public var byteCount: Int { elementCount * dtype.byteSize }
    public var rank: Int { shape.count }
}

/// The number of elements of a shape, or nil when the product does not fit in 64 bits
/// (dims read from a corrupt file can multiply that far).
public func checkedElementCount<S: Sequence>(_ shape: S) -> Int? where S.Element == Int {
    var count = 1
    for dim in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: dim)
        if overflow { return nil }
        count = product
    }
    return count
}
