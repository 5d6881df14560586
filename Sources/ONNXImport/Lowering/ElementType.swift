import Support
import Foundation
import ModelGraph

/// ONNX element types (`TensorProto.DataType`) and the values of small tensors stored in a file.
enum ElementType {
    /// The IR element type of an ONNX type code. Unsigned types map to the signed type of their
    /// size: only the bytes matter to the cost model.
    static func dtype(_ code: Int32, place: String, source: String) throws(InputError) -> DType {
        switch code {
        case 1: return .fp32
        case 2: return .uint8
        case 3: return .int8
        case 4: return .int16  // uint16
        case 5: return .int16
        case 6: return .int32
        case 7: return .int64
        case 9: return .bool
        case 10: return .fp16
        case 11: return .fp64
        case 12: return .int32  // uint32
        case 13: return .int64  // uint64
        case 16: return .bf16
        default:
            throw InputError(
                source: source, place: place,
                message: "has element type \(code), which this tool does not support (float, float16, bfloat16, double, bool and integer types are)")
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
        case .int16: return .ints((0..<count).map { Int(little(Int16.self, $0)) }, shape: shape)
        case .int8: return .ints((0..<count).map { Int(Int8(bitPattern: bytes[$0])) }, shape: shape)
        case .uint8, .bool: return .ints((0..<count).map { Int(bytes[$0]) }, shape: shape)
        case .fp32: return FoldedValue(shape: shape, storage: .floats((0..<count).map { Double(Float(bitPattern: little(UInt32.self, $0))) }))
        case .fp64: return FoldedValue(shape: shape, storage: .floats((0..<count).map { Double(bitPattern: little(UInt64.self, $0)) }))
        case .fp16: return FoldedValue(shape: shape, storage: .floats((0..<count).map { Double(Float(Float16(bitPattern: little(UInt16.self, $0)))) }))
        case .bf16: return FoldedValue(shape: shape, storage: .floats((0..<count).map { Double(Float(bitPattern: UInt32(little(UInt16.self, $0)) << 16)) }))
        }
    }
}
