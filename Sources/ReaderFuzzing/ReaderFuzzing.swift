import AddAnalysis
import Foundation
import KPUModel
import ConfigFrontend
import ModelGraph
import ONNXImport

/// The readers of files other people make, each callable on arbitrary bytes: the entry points
/// of the libFuzzer targets (`fuzz-readers`, see README, Fuzzing) and of the tests that replay
/// what the fuzzer found. A reader may reject its input with an error; it must never crash,
/// hang or exhaust memory.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// ONNX ModelProto files, lowered to the graph IR with shape inference.
    case onnx
    /// Hugging Face config.json files.
    case config
    /// branes ComputeProduct YAML files.
    case hardware
    /// Energy-table YAML files.
    case energy

    /// Feeds `data` to the reader; returns whether it was accepted.
    @discardableResult
    public func run(_ data: Data) -> Bool {
        switch self {
        case .onnx:
            // Read, then classify every add and summarise the structure, as every run does.
            guard let model = try? ONNXImporter.read(data: data, source: "fuzz.onnx", options: ONNXImportOptions(batch: 1, sequenceLength: 16, dimensions: [:]))
            else { return false }
            _ = AddAnalysis(graph: model.graph, cost: WorkloadCost(graph: model.graph))
            return true
        case .config:
            return (try? EncoderConfig(huggingFaceJSON: data, source: "fuzz.json")) != nil
        case .hardware:
            return (try? KPUHardware.load(file: "fuzz.yaml", contents: String(decoding: data, as: UTF8.self))) != nil
        case .energy:
            guard let hardware = Self.referenceHardware else { return false }
            let text = String(decoding: data, as: UTF8.self)
            return !((try? EnergyTable.all(for: hardware, yaml: text, file: "fuzz.yaml")) ?? []).isEmpty
        }
    }

    private static let referenceHardware = try? KPUHardware.builtIn("kpu-t256")
}
