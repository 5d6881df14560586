import Support
import Foundation
import KPUModel
import Pipeline
import ReportModel
import Testing

/// `sweep --vary` (issue 15): knobs on top of each SKU, every combination, named in run ids,
/// recorded in report.json, bad values refused in one line.
@Suite struct VaryTests {
    @Test func everyCombinationRunsAndIsNamed() throws {
        var grid = SweepGrid()
        grid.models = [.preset("bert-tiny")]
        grid.hardware = [.builtIn("kpu-t64"), .builtIn("kpu-t256")]
        for text in ["dram_gbps=64,512", "l3_mib=2,8,32"] {
            let (knob, values) = try SweepGrid.knobValues(text, source: "--vary")
            grid.vary[knob] = values
        }
        let requests = grid.requests
        // 2 SKUs × 2 bandwidths × 3 L3 sizes; knobs in the knob list's order (l3_mib before dram_gbps).
        #expect(requests.count == 12)
        #expect(requests[0].knobs == [HardwareKnob.Setting(.l3MiB, 2), HardwareKnob.Setting(.dramGBps, 64)])
        let report = try RunPipeline(date: nil).report(requests[1])
        #expect(report.runID == "bert-tiny_b1_s128_bf16_kpu-t64_l3mib-2_dramgbps-512_vector-engine")
        let document = report.document
        #expect(document.knobs == ["l3_mib": 2, "dram_gbps": 512])
        #expect(document.hardwareLabel == "KPU-T64 6W · l3_mib 2 · dram_gbps 512")
        // The knobs reached the model: 2 MiB of L3 and 512 GB/s nominal.
        #expect(report.kpu!.hardware.l3Bytes == 2 * 1_048_576 / 64 * 64)
        #expect(report.kpu!.hardware.memoryBandwidth == 512e9)
    }

    @Test func badKnobsAreOneLineNamingTheKnobAndItsRange() {
        let cases = [
            (
                "l3_mbb=1",
                "--vary l3_mbb=1: give KNOB=V1,V2,… with a knob of l1_kib, l2_kib, l3_mib, dram_gbps, dram_pj_per_byte, clock_mhz, tiles, dma_engines, vector_lanes"
            ),
            ("tiles=12,x", "--vary tiles=12,x: x is not a number"),
            (
                "clock_mhz=0",
                "--vary clock_mhz: 0 is not a value the model can take; give a number from 1 to 100000 (the tiles' and vector engines' clock, MHz)"
            ),
            ("l2_kib=", "--vary l2_kib=: give at least one value after =")
        ]
        for (text, message) in cases {
            do {
                _ = try SweepGrid.knobValues(text, source: "--vary")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.description == message)
            }
        }
    }
}
