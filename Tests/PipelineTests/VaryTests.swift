import Support
import Foundation
import KPUModel
import Pipeline
import ReportModel
import Testing
import ReportRendering

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

@Suite struct SweepCSVTests {
    @Test func aSweepWritesARowPerRunWithItsKnobsAndHeadlineFigures() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweepcsv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var grid = SweepGrid()
        grid.models = [.preset("bert-tiny")]
        grid.vary[.dramGBps] = [32, 512]
        let site = try Publisher(root: folder, templates: Templates(directory: projectTemplates))
        let outcome = try Sweep.run(grid.requests, pipeline: RunPipeline(date: nil), site: site, options: PublishOptions(format: .json))
        let text = try String(contentsOf: folder.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 3)
        let header = lines[0].components(separatedBy: ",")
        #expect(header.starts(with: ["run_id", "model", "batch", "seq", "precision"]))
        #expect(header.contains("dram_gbps") && header.contains("latency_s") && header.contains("attention_mask_energy_pj"))
        for (line, run) in zip(lines.dropFirst(), outcome.runs) {
            let cells = line.components(separatedBy: ",")
            func cell(_ name: String) -> String { cells[header.firstIndex(of: name)!] }
            #expect(cell("run_id") == run.runID)
            #expect(Double(cell("latency_s")) == run.document?.totals?.latencyS)
            #expect(Double(cell("dram_gbps")) == run.document?.knobs?["dram_gbps"])
        }
        // The slower DRAM never makes the run faster.
        let latencies = outcome.runs.map { $0.document!.totals!.latencyS }
        #expect(latencies[0] >= latencies[1])
    }
}
