import Foundation
import ModelGraph
import SwiftProtobuf

/// Reads an ONNX `ModelProto` from a file without loading its weights.
///
/// The file is memory-mapped and walked at the protobuf wire level first: the payloads of large
/// initializers (`raw_data` and the repeated `*_data` fields) are left out, so a 1.3 GB export
/// with embedded weights decodes like a graph-only one. Dims, types and names — all the analysis
/// needs — are kept; small initializers keep their values for constant folding.
///
/// ```swift
/// let model = try ONNXFile.read(path: "bert.onnx")
/// ```
enum ONNXFile {
    /// Initializers whose payload is at most this many bytes keep their values.
    static let keptPayloadBytes = 64 * 1024
    /// The most the model may hold once large weight payloads are left out. A BERT graph is a
    /// few megabytes; a file whose remainder is larger (a 2 GB blob in an unknown field, say)
    /// is refused before it is copied, so it cannot exhaust memory.
    static let maxTrimmedBytes = 256 * 1024 * 1024

    static func fingerprint(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func read(path: String) throws(GraphError) -> (model: Onnx_ModelProto, fingerprint: String) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw GraphError(source: path, place: "", message: "cannot read the file (\(describe(error))); check the path")
        }
        return try decodeWithFingerprint(data, source: path)
    }

    static func decode(_ data: Data, source: String) throws(GraphError) -> Onnx_ModelProto {
        try decodeWithFingerprint(data, source: source).model
    }

    /// The model and an FNV-1a 64 fingerprint of its bytes without large weight payloads: the
    /// graph's identity, computed without reading gigabytes of weights.
    static func decodeWithFingerprint(_ data: Data, source: String) throws(GraphError) -> (model: Onnx_ModelProto, fingerprint: String) {
        guard !data.isEmpty else {
            throw GraphError(source: source, place: "byte 0", message: "the file is empty; an ONNX model is a protobuf ModelProto")
        }
        let walked: Result<[UInt8], WireError> = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let walker = WireWalker(bytes: raw.bindMemory(to: UInt8.self))
            do throws(WireError) {
                return .success(try walker.model())
            } catch {
                return .failure(error)
            }
        }
        let trimmed: [UInt8]
        switch walked {
        case .success(let bytes): trimmed = bytes
        case .failure(let error):
            throw GraphError(source: source, place: "byte \(error.offset)", message: "\(error.reason); the file is truncated or not an ONNX model")
        }
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            let model = try Onnx_ModelProto(serializedBytes: trimmed, options: options)
            guard model.hasGraph else {
                throw GraphError(source: source, place: "ModelProto.graph", message: "is missing; this is not an ONNX model (or not one with a graph)")
            }
            return (model, fingerprint(trimmed))
        } catch let error as GraphError {
            throw error
        } catch {
            throw GraphError(source: source, place: "ModelProto", message: "cannot be decoded (\(error)); the file is corrupt or not an ONNX model")
        }
    }

    private static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

struct WireError: Error {
    let offset: Int
    let reason: String
}

/// A minimal protobuf wire-format walker: enough to copy a ModelProto while dropping the data
/// fields of large initializers. It decodes no message itself; SwiftProtobuf does that on the result.
struct WireWalker {
    let bytes: UnsafeBufferPointer<UInt8>

    // ModelProto.graph, GraphProto.initializer, and TensorProto's data-bearing fields.
    static let modelGraph = 7, graphInitializer = 5, modelTrainingInfo = 20
    static let tensorPayloadFields: Set<Int> = [4, 5, 6, 7, 9, 10, 11]

    func model() throws(WireError) -> [UInt8] {
        var out: [UInt8] = []
        try copyFields(0..<bytes.count, into: &out) { field, range, out throws(WireError) in
            // ModelProto.training_info: training-only graphs and their initializers, not needed here.
            if field == Self.modelTrainingInfo { return true }
            guard field == Self.modelGraph else { return false }
            var graph: [UInt8] = []
            try copyFields(range, into: &graph) { field, range, out throws(WireError) in
                guard field == Self.graphInitializer else { return false }
                try appendTrimmedTensor(range, field: field, into: &out)
                return true
            }
            Self.appendLengthDelimited(field: field, graph, into: &out)
            return true
        }
        return out
    }

    /// Copies a TensorProto, leaving its payload out when that payload is large.
    private func appendTrimmedTensor(_ range: Range<Int>, field: Int, into out: inout [UInt8]) throws(WireError) {
        var payload = 0
        try forEachField(range) { number, _, fieldRange throws(WireError) in
            if Self.tensorPayloadFields.contains(number) { payload += fieldRange.count }
        }
        var tensor: [UInt8] = []
        let keep = payload <= ONNXFile.keptPayloadBytes
        try forEachField(range) { number, fullRange, _ throws(WireError) in
            if keep || !Self.tensorPayloadFields.contains(number) { tensor.append(contentsOf: bytes[fullRange]) }
        }
        Self.appendLengthDelimited(field: field, tensor, into: &out)
    }

    /// Copies every field of the message in `range`, except those `replace` handles itself.
    private func copyFields(_ range: Range<Int>, into out: inout [UInt8],
                            replace: (Int, Range<Int>, inout [UInt8]) throws(WireError) -> Bool) throws(WireError) {
        try forEachField(range) { number, fullRange, payloadRange throws(WireError) in
            let isMessage = fullRange.count > payloadRange.count && wireType(at: fullRange.lowerBound) == 2
            var replaced = false
            if isMessage { replaced = try replace(number, payloadRange, &out) }
            if !replaced {
                guard out.count + fullRange.count <= ONNXFile.maxTrimmedBytes else {
                    throw WireError(offset: fullRange.lowerBound, reason: "field \(number) holds \(fullRange.count) bytes, more than the \(ONNXFile.maxTrimmedBytes >> 20) MiB a model may have besides its weights")
                }
                out.append(contentsOf: bytes[fullRange])
            }
        }
    }

    private func wireType(at offset: Int) -> Int { Int(bytes[offset] & 7) }

    /// Calls `body(fieldNumber, wholeFieldRange, payloadRange)` for each field of a message.
    private func forEachField(_ range: Range<Int>, _ body: (Int, Range<Int>, Range<Int>) throws(WireError) -> Void) throws(WireError) {
        var cursor = range.lowerBound
        while cursor < range.upperBound {
            let start = cursor
            let tag = try varint(&cursor, limit: range.upperBound)
            let number = Int(tag >> 3)
            guard number > 0 else { throw WireError(offset: start, reason: "field number 0 is not valid protobuf") }
            let payloadStart: Int
            switch tag & 7 {
            case 0:
                payloadStart = cursor
                _ = try varint(&cursor, limit: range.upperBound)
            case 1:
                payloadStart = cursor
                cursor += 8
            case 2:
                let length = try varint(&cursor, limit: range.upperBound)
                guard length <= UInt64(range.upperBound - cursor) else {
                    throw WireError(offset: start, reason: "a field claims \(length) bytes but only \(range.upperBound - cursor) remain")
                }
                payloadStart = cursor
                cursor += Int(length)
            case 5:
                payloadStart = cursor
                cursor += 4
            default:
                throw WireError(offset: start, reason: "wire type \(tag & 7) is not used by ONNX")
            }
            guard cursor <= range.upperBound else {
                throw WireError(offset: start, reason: "a field runs past the end of its message")
            }
            try body(number, start..<cursor, payloadStart..<cursor)
        }
    }

    private func varint(_ cursor: inout Int, limit: Int) throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = cursor
        while true {
            guard cursor < limit else { throw WireError(offset: start, reason: "a number runs past the end of the data") }
            let byte = bytes[cursor]
            cursor += 1
            guard shift < 64 else { throw WireError(offset: start, reason: "a number is longer than 10 bytes") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    static func appendLengthDelimited(field: Int, _ payload: [UInt8], into out: inout [UInt8]) {
        appendVarint(UInt64(field << 3 | 2), into: &out)
        appendVarint(UInt64(payload.count), into: &out)
        out.append(contentsOf: payload)
    }

    static func appendVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
