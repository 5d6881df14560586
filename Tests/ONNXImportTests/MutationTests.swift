import Support
import Foundation
import Testing
import AddAnalysis
import KPUModel
import ModelGraph
@testable import ONNXImport

/// A deterministic generator (SplitMix64), so a failing mutation can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Corrupts real exports thousands of ways; the reader must answer each with a model or a
/// one-line error, never a crash.
@Suite struct MutationTests {
    enum Mutation: CaseIterable { case bitFlips, truncation, fieldSwap, byteRun }

    static func mutate(_ bytes: [UInt8], _ mutation: Mutation, _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        switch mutation {
        case .bitFlips:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<out.count, using: &rng)
                out[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            }
        case .truncation:
            out = Array(out.prefix(Int.random(in: 0..<out.count, using: &rng)))
        case .fieldSwap:
            // Swap two equally long stretches: fields end up in each other's places.
            let length = Int.random(in: 1...64, using: &rng)
            let a = Int.random(in: 0..<(out.count - length), using: &rng), b = Int.random(in: 0..<(out.count - length), using: &rng)
            for k in 0..<length { out.swapAt(a + k, b + k) }
        case .byteRun:
            let start = Int.random(in: 0..<out.count, using: &rng)
            let value = UInt8.random(in: 0...255, using: &rng)
            for k in start..<min(out.count, start + Int.random(in: 1...16, using: &rng)) { out[k] = value }
        }
        return out
    }

    /// The BERT exports, and one family of each kind the op table reads: relative positions
    /// (T5: folded bucket arithmetic), rotary and RMSNorm (Llama), convolution (ViT).
    static let mutated =
        Fixtures.graphOnly + [
            "onnx-families/t5-tiny-encoder.dynamo18.onnx", "onnx-families/llama-tiny-2l.dynamo18.onnx",
            "onnx-families/vit-tiny.legacy14.onnx"
        ]

    @Test(arguments: mutated)
    func mutatedExportsNeverCrash(file: String) throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(file))))
        var rng = SplitMix64(state: UInt64(file.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var errors = 0, accepted = 0
        // 500 per fixture in the suite; MUTATIONS=50000 for a longer soak.
        let iterations = ProcessInfo.processInfo.environment["MUTATIONS"].flatMap(Int.init) ?? 500
        for iteration in 0..<iterations {
            let mutation = Mutation.allCases[iteration % Mutation.allCases.count]
            let bytes = Self.mutate(original, mutation, &rng)
            do {
                let model = try ONNXImporter.read(data: Data(bytes), source: "mutant.onnx", options: ONNXImportOptions(batch: 1, sequenceLength: 128))
                #expect(model.graph.ops.count > 0)
                // Whatever was read is classified, as a run would.
                _ = AddAnalysis(graph: model.graph, cost: WorkloadCost(graph: model.graph))
                accepted += 1
            } catch {
                errors += 1
                #expect(error.source == "mutant.onnx")
                #expect(!error.description.contains("\n"), "iteration \(iteration): \(error)")
                #expect(!error.message.isEmpty)
            }
        }
        // Most corruptions are caught; some (a flipped bit in a float or a name) are harmless.
        #expect(errors > iterations / 10)
        #expect(errors + accepted == iterations)
    }

    @Test func randomBytesAreNotAModel() {
        var rng = SplitMix64(state: 42)
        for length in [0, 1, 7, 100, 5_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(throws: InputError.self) {
                try ONNXImporter.read(data: Data(bytes), source: "noise.onnx", options: ONNXImportOptions())
            }
        }
    }
}
