import Foundation
import Pipeline
import ReportModel
import Testing

@testable import KPUModel

/// What a hardware file makes the model read differently is said on the page.
@Suite struct HardwareNotesTests {
    /// KPU-T64's description with `edit` applied, written to a temporary file.
    static func hardwareFile(_ edit: (String) -> String) throws -> String {
        let text = try #require(BuiltInData.files["hardware/kpu-t64.yaml"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sku-\(UUID().uuidString).yaml")
        try edit(text).write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func aTileTooSmallForFlashAttentionIsNamedWithItsFallback() throws {
        let path = try Self.hardwareFile { $0.replacingOccurrences(of: "l2_kib_per_tile: 32", with: "l2_kib_per_tile: 4") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try RunPipeline(date: nil).report(
            RunRequest(model: .preset("bert-tiny"), precision: .bf16, hardware: .file(path), fusion: .flashAttention))
        #expect(report.notes.contains { $0.hasPrefix("Under flash-attention, 2 attention blocks ran as under epilogue:") && $0.contains("no K/V tile fits") })
    }

    @Test func anL1LargerThanItsL2IsNamedForAHardwareFile() throws {
        let path = try Self.hardwareFile { $0 }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try RunPipeline(date: nil).report(RunRequest(model: .preset("bert-tiny"), hardware: .file(path)))
        // The built-in SKUs give 4 KiB per PE: 4 MiB per tile against a 32 KiB L2.
        #expect(report.notes.contains { $0.contains("larger than the L2 that feeds it") })
    }
}
