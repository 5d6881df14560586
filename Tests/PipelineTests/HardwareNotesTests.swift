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

    @Test func averagePowerAboveTheTDPIsWarnedOf() throws {
        // KPU-T64's 6 W profile with its TDP cut to 0.5 W.
        let path = try Self.hardwareFile { $0.replacingOccurrences(of: "  - name: 6W\n    tdp_watts: 5.9", with: "  - name: 6W\n    tdp_watts: 0.5") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try RunPipeline(date: nil).report(RunRequest(model: .preset("bert-tiny"), hardware: .file(path)))
        let kpu = try #require(report.kpu)
        let watts = kpu.chosen.totalEnergy.total.joules / kpu.chosen.makespan.seconds
        #expect(watts > 0.5)
        #expect(report.warnings.contains { $0.hasPrefix("average power") && $0.contains("above the 0.500 W TDP") })
        #expect(report.document.warnings == report.warnings)
    }

    @Test func aTileClassModelledInAnotherDataflowIsWarnedOf() throws {
        // KPU-T768's Matrix tiles are described weight-stationary.
        let report = try RunPipeline(date: nil).report(RunRequest(model: .preset("bert-tiny"), precision: .bf16, hardware: .builtIn("kpu-t768")))
        #expect(
            report.warnings.contains {
                $0.contains("77 Matrix tiles are described as weight-stationary but modelled output-stationary; they supply 64.1 % of the peak at bf16")
            })
        // The default run keeps to its assumptions: no warning.
        #expect(try RunPipeline(date: nil).report(RunRequest(model: .preset("bert-base-uncased"))).warnings.isEmpty)
    }
}
