import Foundation
import KPUModel
import Testing
import XHTMLValidator
@testable import ReportModel
@testable import ReportRendering
import SitePublishing
import Support

@Suite struct GanttChartTests {
    static func input(_ lane: Lane, _ start: Int64, _ end: Int64, _ label: String = "op") -> GanttChart.Input {
        GanttChart.Input(
            row: lane == .dma ? 0 : 1, start: start, end: end, label: label, look: ChartPalette.matmul, stage: "compute",
            chunk: 0, bytes: 64, energy: Energy(femtojoules: 1_000))
    }

    static func chart(_ events: [GanttChart.Input], window: ClosedRange<Int64> = 0...930_000) -> GanttChart {
        GanttChart(
            id: "g", title: "t", description: "d", window: window, clockHz: 600e6,
            rows: ["DMA", "Compute"], events: events)
    }

    @Test func barsNarrowerThanAPixelAreMerged() {
        // The plot is 930 px wide; over 930,000 ps, 1 px = 1,000 ps. 100 intervals of 100 ps, back to back, fill 10 px.
        let tiny = (0..<100).map { Self.input(.dma, Int64($0) * 100, Int64($0) * 100 + 100) }
        let chart = Self.chart(tiny)
        #expect(chart.bars.count == 10)
        #expect(chart.bars.allSatisfy { $0.tooltip.hasPrefix("10 short intervals merged") })
        // Wide bars stay one each.
        let wide = Self.chart([Self.input(.compute, 0, 500_000), Self.input(.compute, 500_000, 900_000)])
        #expect(wide.bars.count == 2)
        #expect(wide.bars[0].width == 500)
        #expect(wide.svg.contains("<rect x=\"170.0\" y=\"38\" width=\"500.0\" height=\"18\""))
    }

    @Test func ticksFollowOneTwoFive() {
        let chart = Self.chart([Self.input(.dma, 0, 1)], window: 0...1_000_000)
        // 1 µs span, at most about eight ticks: the 1-2-5 step at or above 125 ns is 200 ns; at 600 MHz, 120 cycles.
        #expect(chart.ticks.map(\.time).prefix(3) == ["0 s", "200 ns", "400 ns"])
        #expect(chart.ticks[1].cycles == "120 cyc")
    }

    @Test func chartIsValidSVGInAPage() {
        let chart = Self.chart([Self.input(.dma, 0, 400_000, "a <b> & \"c\"\u{0}")])
        let page = """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title></head><body>\(chart.svg)</body></html>
            """
        #expect(XHTMLValidator.validate(Array(page.utf8), file: "g.html") == [])
        #expect(chart.svg.contains("a &lt;b&gt; &amp; &quot;c&quot;\u{FFFD}"))
    }

    @Test func escapingKeepsPlainTextAndReplacesForbiddenCharacters() {
        #expect(XMLEscaping.escape("plain 3.2 µs → fine") == "plain 3.2 µs → fine")
        // Only the exact sequences are suspect: ¾ (C2 BE) and µ (C2 B5) are not C1 controls.
        #expect(!XMLEscaping.needsEscaping("¾ of 3.2 µs → ½"))
        #expect(XMLEscaping.needsEscaping("a\u{FFFE}") && XMLEscaping.needsEscaping("a\u{FFFF}") && XMLEscaping.needsEscaping("\u{9F}"))
        #expect(XMLEscaping.escape("x\u{1}y\u{85}z\u{FFFE}") == "x\u{FFFD}y\u{FFFD}z\u{FFFD}")
        #expect(XMLEscaping.escape("'") == "&#39;")
    }

    @Test func labelsTakeTheFirstLineWithRoom() {
        // 1 px = 1,000 ps. "softmax" (7 characters, 42 px) over 170..200 px; "mask" (24 px) centred
        // 30 px further on would touch it, so it goes up a line; "context" clears "softmax" again.
        let operations = [
            GanttChart.OperationLabel(text: "softmax", start: 0, end: 30_000),
            GanttChart.OperationLabel(text: "mask", start: 30_000, end: 60_000),
            GanttChart.OperationLabel(text: "context", start: 60_000, end: 90_000)
        ]
        let chart = GanttChart(
            id: "g", title: "t", description: "d", window: 0...930_000, clockHz: 600e6, rows: ["DMA"],
            events: [Self.input(.dma, 0, 90_000)], operations: operations)
        #expect(chart.labels.map(\.line) == [0, 1, 0])
        #expect(chart.labels.map(\.x) == [185, 215, 245])
        // Two lines of labels push the rows down: 8 px top margin, 2 × 13 px lines and 4 px below them.
        #expect(chart.rows[0].y == "38")
        #expect(chart.svg.contains("<text class=\"op\" x=\"215.0\" y=\"18\" text-anchor=\"middle\">mask</text>"))
    }

    @Test func defaultReportHasBothGanttsWithinTheElementBudget() throws {
        let report = try makeReport()
        let page = RunPage(report: report, hasJSON: true)
        let section = try #require(page.kpu)
        let layer = try #require(section.ganttLayer)
        #expect(layer.bars.count > 0)
        // One DMA row marked with its channel count in both charts, then the four engine groups.
        #expect(layer.rows.map(\.label) == ["DMA ×16 channels", "Block movers ×256", "Streamers ×512", "Compute tiles ×51", "Vector engines ×256"])
        // The whole model's rows add each lane's busy share of the makespan.
        let busy = Dictionary(uniqueKeysWithValues: report.kpu!.utilization.lanes.map { ($0.lane, $0.share) })
        #expect(section.ganttOverview.rows.map(\.label) == zip(layer.rows, Lane.allCases).map { $0.label + " · " + Format.percent(busy[$1]!) })
        #expect(layer.bars.contains { $0.row == 0 && $0.tooltip.contains(" bytes over 16 channels") })
        // The layer's operations are named in order, the bias riding each projection's drain.
        #expect(
            layer.labels.map(\.text) == [
                "mask prep", "Q", "K", "V", "scores", "scale", "mask", "softmax", "context", "out proj", "residual",
                "LayerNorm", "FFN1+GELU", "FFN2", "residual", "LayerNorm"
            ])
        // Under vector-engine the linear biases have no bars: the legend says where they are.
        let bias = try #require(layer.legend.first { $0.label == "Linear bias" })
        #expect(bias.isRider && bias.note == "rides the matmul drain under vector-engine fusion: its time is inside the matmul bars")
        // No two drawn legend entries look alike.
        let drawn = layer.legend.filter { !$0.isRider }
        #expect(Set(drawn.map(\.swatch)).count == drawn.count)
        #expect(drawn.map(\.label).contains("Softmax") && drawn.map(\.label).contains("LayerNorm"))
        #expect(layer.elementCount + section.ganttOverview.elementCount < 20_000)
        // The layer chart covers the first encoder layer only: shorter than the model.
        #expect(layer.ticks.count > 3)
        let rendered = try Templates(directory: projectTemplates).render(page, template: "run")
        #expect(rendered.contains("id=\"gantt-layer\""))
        #expect(rendered.contains("id=\"gantt-model\""))
        #expect(rendered.contains("fill=\"url(#gantt-layer-diagonal)\""))
        #expect(XHTMLValidator.validate(Array(rendered.utf8), file: "index.html") == [])
    }

    @Test func epilogueResidualsAreNamedInTheirMatmulsGroup() throws {
        let page = RunPage(report: try makeReport("bert-tiny", fusion: .epilogue), hasJSON: true)
        let layer = try #require(page.kpu?.ganttLayer)
        #expect(layer.labels.map(\.text).contains("out proj+residual+LayerNorm"))
        #expect(layer.legend.contains { $0.label == "Attention residual" && $0.isRider })
    }
}

@Suite struct LoopNestTests {
    @Test func loopNestsCarryTheRealSizes() throws {
        let page = RunPage(report: try makeReport(), hasJSON: true)
        let nests = try #require(page.kpu?.loopNests)
        let byID = Dictionary(uniqueKeysWithValues: nests.map { ($0.id, $0) })
        // The first bias rides the Q projection's drain: 128×768 · 768×768.
        #expect(try #require(byID["bias"]).code.contains("M×N×K = 128×768×768"))
        #expect(try #require(byID["bias"]).code.contains("C[m, n] = C[m, n] + bias[n]"))
        // Residuals stream under vector-engine fusion: [1,128,768] in 4 chunks of 32 rows, a
        // row per tile within the chunk (not the whole tensor per chunk).
        let residual = try #require(byID["attention_residual"])
        #expect(residual.code.contains("C[b,s,h] = A[b,s,h] + B[b,s,h]"))
        #expect(residual.code.contains("for chunk in 0..<4:"))
        #expect(residual.code.contains("parfor tile in 0..<32:"))
        // Under L3 residency both operands come from L3 and the sum stays there.
        #expect(residual.operands.contains("is an activation, streamed from L3 → L2 → L1"))
        #expect(residual.operands.hasSuffix("drains L1 → vector engine → L2 → L3, where it stays for the ops that read it."))
        // The bias's nest is its matmul's, down to the PE array, with the drain after the k loop.
        let bias = try #require(byID["bias"]).code
        #expect(bias.contains("for k in k2..<k2+32:"))
        #expect(bias.contains("parfor i, j in 0..<32, 0..<32:"))
        #expect(bias.contains("  C[m, n] = C[m, n] + bias[n]"))
        // The mask is shared by the heads.
        let mask = try #require(byID["attention_mask"])
        #expect(mask.code.contains("C[b,a,q,k] = A[b,a,q,k] + B[b,q,k]"))
        #expect(mask.operands.contains("broadcast along a"))
    }
}

@Suite struct PerfettoTraceTests {
    @Test func traceHasCompleteEventsOnNamedThreads() throws {
        let report = try makeReport("bert-tiny")
        let data = try #require(try report.perfettoTraceData())
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(root["traceEvents"] as? [[String: Any]])
        let slices = events.filter { $0["ph"] as? String == "X" }
        let threads = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
        // One DMA thread for all 16 channels, then block movers, streamers, compute and vector engines.
        #expect(report.kpu!.hardware.dma.count == 16)
        #expect(
            threads.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
                == ["DMA ×16 channels (striped)", "Block movers ×256", "Streamers ×512", "Compute tiles", "Vector engines ×256"])
        let named = Set(threads.compactMap { $0["tid"] as? Int })
        #expect(slices.allSatisfy { named.contains($0["tid"] as? Int ?? -1) })
        let dma = slices.filter { $0["tid"] as? Int == 1 }
        #expect(!dma.isEmpty && dma.allSatisfy { ($0["args"] as? [String: Any])?["channels"] as? Int == 16 })
        // ts and dur in microseconds: the last slice ends at the makespan.
        let end = slices.map { ($0["ts"] as? Double ?? 0) + ($0["dur"] as? Double ?? 0) }.max() ?? 0
        #expect(abs(end - Double(report.kpu!.chosen.makespan.picoseconds) / 1e6) < 1e-6)
        // Bytes are kept: the slices carry every byte the chunk-level schedule moves.
        let sliceBytes = slices.reduce(0) { $0 + (($1["args"] as? [String: Any])?["bytes"] as? Int ?? 0) }
        #expect(sliceBytes == report.kpu!.chosen.events.reduce(0) { $0 + $1.bytes })
    }

    @Test func counterTracksShowDRAMBandwidthInUseAndBusyTiles() throws {
        let report = try makeReport("bert-tiny")
        let data = try #require(try report.perfettoTraceData())
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let counters = try #require(root["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "C" }
        let bandwidth = counters.filter { $0["name"] as? String == "DRAM bandwidth" }.compactMap { ($0["args"] as? [String: Any])?["GB/s"] as? Double }
        let tiles = counters.filter { $0["name"] as? String == "Busy tiles" }.compactMap { ($0["args"] as? [String: Any])?["tiles"] as? Double }
        let hardware = report.kpu!.hardware
        // A transfer never runs faster than the DMA engines and the memory allow; a matmul never
        // keeps more tiles busy than the SKU has; each track returns to zero.
        #expect(!bandwidth.isEmpty && bandwidth.allSatisfy { $0 >= 0 && $0 <= hardware.dramBandwidth / 1e9 * (1 + 1e-9) })
        #expect(bandwidth.contains(0) && bandwidth.max()! > 0)
        #expect(!tiles.isEmpty && tiles.allSatisfy { $0 >= 0 && $0 <= Double(hardware.totalTiles) } && tiles.max()! > 0)
    }
}
