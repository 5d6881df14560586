import Support
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

/// Reads ONNX `ModelProto`s (torch's legacy and dynamo exporters, onnxruntime's fused graphs)
/// into the project's IR, inferring every shape along the way. Each ONNX op is read by the rule
/// of its family in ``OpTable``.
///
/// ```swift
/// let model = try ONNXImporter.read(path: "bert.onnx", options: .init(batch: 1, sequenceLength: 128))
/// ```
public enum ONNXImporter {
    public static func read(path: String, options: ONNXImportOptions) throws(InputError) -> ONNXModel {
        let (proto, fingerprint) = try ONNXFile.read(path: path)
        var lowering = Lowering(model: proto, source: path, options: options, fingerprint: fingerprint)
        return try lowering.run()
    }

    public static func read(data: Data, source: String, options: ONNXImportOptions) throws(InputError) -> ONNXModel {
        let (proto, fingerprint) = try ONNXFile.decodeWithFingerprint(data, source: source)
        var lowering = Lowering(model: proto, source: source, options: options, fingerprint: fingerprint)
        return try lowering.run()
    }
}
