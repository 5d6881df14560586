/// The element type of a tensor, with its size in bytes.
///
/// ```swift
/// let size = DType.bf16.byteSize // 2
/// ```
public enum DType: String, Sendable, Hashable, Codable, CaseIterable {
    case fp64, fp32, fp16, bf16, int8, uint8, int16, int32, int64, bool

    /// Bytes one element occupies in memory.
    public var byteSize: Int {
        switch self {
        case .fp64, .int64: 8
        case .fp32, .int32: 4
        case .fp16, .bf16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    public var isFloatingPoint: Bool { [.fp64, .fp32, .fp16, .bf16].contains(self) }
}

/// The numeric precision a model runs in: the element type of its weights and activations.
///
/// Token ids and the raw attention mask stay `int64`, as the model receives them.
public enum Precision: String, Sendable, Hashable, Codable, CaseIterable {
    case fp32, bf16, fp16, int8

    public var dtype: DType {
        switch self {
        case .fp32: .fp32
        case .bf16: .bf16
        case .fp16: .fp16
        case .int8: .int8
        }
    }
}
