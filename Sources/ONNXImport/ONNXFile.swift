import Support
import Foundation
import ModelGraph
import SwiftProtobuf

/// Reads an ONNX `ModelProto` from a file without loading its weights.
///
/// The file is walked at the protobuf wire level first, reading field headers with `pread` and
/// skipping the payloads of large initializers (`raw_data` and the repeated `*_data` fields), so
/// a 1.34 GB export with embedded weights decodes like a graph-only one and its weight bytes are
/// never read. (A memory map would page them in: the kernel maps whole page-cache folios around
/// each field header it touches, 220 MiB resident for that export.) Dims, types and names — all
/// the analysis needs — are kept; small initializers keep their values for constant folding.
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

    static func read(path: String) throws(InputError) -> (model: Onnx_ModelProto, fingerprint: String) {
        let file = try FileBytes(path: path)
        return try decode(walking: file, source: path)
    }

    static func decode(_ data: Data, source: String) throws(InputError) -> (model: Onnx_ModelProto, fingerprint: String) {
        try decodeWithFingerprint(data, source: source)
    }

    /// The model and an FNV-1a 64 fingerprint of its bytes without large weight payloads: the
    /// graph's identity, computed without reading gigabytes of weights.
    static func decodeWithFingerprint(_ data: Data, source: String) throws(InputError) -> (model: Onnx_ModelProto, fingerprint: String) {
        let walked: Result<(Onnx_ModelProto, String), InputError> = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            do throws(InputError) {
                return .success(try decode(walking: MemoryBytes(bytes: raw.bindMemory(to: UInt8.self)), source: source))
            } catch {
                return .failure(error)
            }
        }
        return try walked.get()
    }

    static func decode<Bytes: WireBytes>(walking bytes: Bytes, source: String) throws(InputError) -> (model: Onnx_ModelProto, fingerprint: String) {
        guard bytes.count > 0 else {
            throw InputError(source: source, place: "byte 0", message: "the file is empty; an ONNX model is a protobuf ModelProto")
        }
        let trimmed: [UInt8]
        do throws(WireError) {
            trimmed = try WireWalker(bytes: bytes).model()
        } catch {
            throw InputError(source: source, place: "byte \(error.offset)", message: "\(error.reason); the file is truncated or not an ONNX model")
        }
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            let model = try Onnx_ModelProto(serializedBytes: trimmed, options: options)
            guard model.hasGraph else {
                throw InputError(source: source, place: "ModelProto.graph", message: "is missing; this is not an ONNX model (or not one with a graph)")
            }
            return (model, contentFingerprint(trimmed))
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(source: source, place: "ModelProto", message: "cannot be decoded (\(error)); the file is corrupt or not an ONNX model")
        }
    }
}
