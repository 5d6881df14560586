import Foundation
import KPUModel
import Support
import Testing
@testable import ReportModel
@testable import ReportRendering

/// A point with the given figures and knobs; everything else fixed.
func point(
    _ id: String, latencyMS: Double, energyMJ: Double, knobs: [HardwareKnob: Double] = [:], share: Double = 0.02,
    categories: [String: Double] = [:], page: String? = nil
) -> SweepPoint {
    let latency = TimeSpan(seconds: latencyMS / 1000), energy = Energy(picojoules: energyMJ * 1e9)
    return SweepPoint(
        runID: id, model: "bert-base-uncased", batch: 1, seq: 128, precision: "bf16", aggregation: "none", kpu: "KPU-T256 30W", sku: "kpu-t256",
        profile: "30W", energyTable: "kpu-16nm", fusion: "vector-engine", residency: "l3", knobs: knobs, latency: latency, energy: energy,
        edp: energy * latency, dramBytes: 1000, addShareOfEnergy: share, addShareOfLatency: share / 2, addMarginalEDPShare: nil,
        dramFloor: TimeSpan(seconds: latencyMS / 2000), computeFloor: TimeSpan(seconds: latencyMS / 4000),
        categoryEnergy: categories.mapValues { Energy(picojoules: $0 * 1e9) }, page: page)
}

@Suite struct ParetoFrontTests {
    @Test func theFrontIsTheRunsNoOtherBeatsOnBoth() {
        let points = [
            point("a", latencyMS: 1, energyMJ: 10),  // fastest
            point("b", latencyMS: 2, energyMJ: 12),  // beaten by a on both
            point("c", latencyMS: 2, energyMJ: 8),  // slower than a, cheaper: on the front
            point("d", latencyMS: 4, energyMJ: 8),  // as cheap as c but slower: off
            point("e", latencyMS: 5, energyMJ: 3),  // slowest, cheapest: on
            point("f", latencyMS: 3, energyMJ: 9),  // beaten by c
            point("g", latencyMS: 1, energyMJ: 10)  // the same as a: a stands for both
        ]
        #expect(ParetoFront.indices(of: points) == [0, 2, 4])
        #expect(ParetoFront.indices(of: []) == [])
        #expect(ParetoFront.indices(of: [points[3]]) == [0])
    }
}

@Suite struct KnobSensitivityTests {
    @Test func changesArePairedAcrossEachKnobsRange() {
        // Latency halves from dram_gbps 100 to 400 at either L3 size; L3 from 8 to 32 MiB saves
        // 10 % energy at 100 GB/s, 15.8 % at 200 and 30 % at 400; the share rises 1 point with
        // bandwidth.
        var points: [SweepPoint] = []
        for (l3, dram, latency, energy, share) in [
            (8.0, 100.0, 2.0, 10.0, 0.02), (8.0, 200.0, 1.5, 9.5, 0.025), (8.0, 400.0, 1.0, 10.0, 0.03),
            (32.0, 100.0, 4.0, 9.0, 0.02), (32.0, 200.0, 3.0, 8.0, 0.025), (32.0, 400.0, 2.0, 7.0, 0.03)
        ] {
            points.append(
                point(
                    "l3 \(l3) dram \(dram)", latencyMS: latency, energyMJ: energy, knobs: [.l3MiB: l3, .dramGBps: dram], share: share,
                    categories: ["bias": energy / 10, "embedding": 0]))
        }
        let sensitivity = KnobSensitivity(points: points, categories: ["embedding", "bias"])
        #expect(sensitivity.knobs.map(\.knob) == [.l3MiB, .dramGBps])
        // A category that costs nothing in every run has no row.
        #expect(sensitivity.figures == [.latency, .energy, .edp, .addShareOfEnergy, .categoryEnergy("bias")])
        let l3 = sensitivity.knobs[0], dram = sensitivity.knobs[1]
        #expect((l3.lowest, l3.highest) == (8, 32))
        #expect(l3.changes[.latency] == KnobSensitivity.Change(median: 1.0, smallest: 1.0, largest: 1.0, pairs: 3))
        let energy = try! #require(l3.changes[.energy])
        #expect(abs(energy.median - (8 / 9.5 - 1)) < 1e-12 && abs(energy.smallest - (-0.3)) < 1e-12 && abs(energy.largest - (-0.1)) < 1e-12)
        #expect(dram.changes[.latency]?.median == -0.5)
        #expect(abs(dram.changes[.addShareOfEnergy]!.median - 0.01) < 1e-12)
        // Bias energy is a tenth of the total: it moves as the total does.
        #expect(abs(l3.changes[.categoryEnergy("bias")]!.median - (8 / 9.5 - 1)) < 1e-9)
        // One value swept: no column.
        #expect(KnobSensitivity(points: Array(points.prefix(3)), categories: []).knobs.map(\.knob) == [.dramGBps])
    }
}

@Suite struct SweepCSVTests {
    @Test func pointsReadBackExactly() throws {
        let points = [
            point("a,\"quoted\"", latencyMS: 0.7071, energyMJ: 10.123456, knobs: [.l3MiB: 16, .dramGBps: 0.5], categories: ["bias": 0.123]),
            point("=formula", latencyMS: 3, energyMJ: 2, page: "=formula/index.html")
        ]
        let data = SweepCSV.data(points)
        let text = String(decoding: data, as: UTF8.self)
        // A cell a spreadsheet would run is text; a comma or quote is quoted.
        #expect(text.contains("\r\n'=formula,") && text.contains("\"a,\"\"quoted\"\"\""))
        #expect(try SweepCSV.points(from: data, file: "sweep.csv") == points)
    }

    @Test func aBrokenFileIsNamedByLineAndColumn() throws {
        let good = String(decoding: SweepCSV.data([point("a", latencyMS: 1, energyMJ: 1)]), as: UTF8.self)
        let lines = good.components(separatedBy: "\r\n")
        func error(_ text: String) -> String {
            do {
                _ = try SweepCSV.points(from: Data(text.utf8), file: "s/sweep.csv")
                return "no error"
            } catch { return error.description }
        }
        #expect(
            error(lines[0] + "\r\n" + lines[1].replacingOccurrences(of: ",0.001,", with: ",fast,")) == "s/sweep.csv: line 2: latency_s \"fast\" is not a number"
        )
        #expect(
            error(lines[0] + "\r\n" + "a,b\r\n")
                == "s/sweep.csv: line 2: 2 cells where the header has \(lines[0].split(separator: ",").count); the file is cut or edited")
        #expect(error("run_id,model\r\n").hasPrefix("s/sweep.csv: line 1: no batch column;"))
        #expect(error(lines[0] + "\r\n\"a,b") == "s/sweep.csv: line 2: a quoted cell is not closed; the file is cut; merge reads the sweep.csv a shard wrote")
        #expect(error("") == "s/sweep.csv: is empty; merge reads the sweep.csv a shard wrote")
    }
}

@Suite struct ComparisonPageScaleTests {
    /// 10,000 runs on a 100 × 100 grid of two knobs: latency falls with bandwidth, energy with L3.
    static let grid: [SweepPoint] = {
        var points: [SweepPoint] = []
        for i in 0..<100 {
            for j in 0..<100 {
                let latency: Double = 1 + 10 / Double(i + 1) + Double(j) * 0.01
                let energy: Double = 5 + 20 / Double(j + 1) + Double(i) * 0.02
                let knobs: [HardwareKnob: Double] = [.dramGBps: Double(50 + i), .l3MiB: Double(1 + j)]
                points.append(point("run-\(i)-\(j)", latencyMS: latency, energyMJ: energy, knobs: knobs, categories: ["bias": 0.1]))
            }
        }
        return points
    }()

    @Test func tenThousandRunsMakeAPageOfAFewHundredKilobytes() throws {
        let summaries = Self.grid.map { RunSummary(point: $0) }
        let page = ComparisonPage(runs: summaries, baseline: nil)
        let front = ParetoFront.indices(of: Self.grid)
        // The table lists the front, not 10,000 rows; the scatter bins the rest; no bar charts.
        #expect(page.groups.flatMap(\.rows).count == front.count)
        #expect(page.charts.isEmpty)
        #expect(page.scatter.contains("class=\"bin\"") && !page.scatter.contains("class=\"run\""))
        #expect(page.scatter.components(separatedBy: "class=\"front-run\"").count - 1 == front.count + 1)  // + the legend's
        #expect(page.panelRows.count == 2 && page.sensitivityKnobs.map(\.title) == ["l3_mib", "dram_gbps"])
        // Knobs of a hundred values are no axis of the pivot.
        #expect(page.pivotColumns == ["every run"] && page.pivotRows.count == 1)
        let html = try Templates(directory: projectTemplates).render(page, path: "comparison.html")
        #expect(html.utf8.count < 1_000_000, "the page is \(html.utf8.count) bytes")
    }

    @Test func aSmallSweepListsEveryRunAndDrawsEachOne() throws {
        let points = Array(Self.grid.prefix(12))
        let page = ComparisonPage(runs: points.map { RunSummary(point: $0) }, baseline: nil)
        #expect(page.groups.flatMap(\.rows).count == 12)
        #expect(page.charts.count == 4)
        let front = ParetoFront.indices(of: points)
        #expect(page.scatter.components(separatedBy: "class=\"run\"").count - 1 == 12 - front.count + 1)
        // Only l3_mib varies among these 12 runs: the pivot's columns are its values.
        #expect(page.pivotRows.map(\.title) == ["bert-base-uncased · sequence 128"])
        #expect(page.pivotColumns.count == 12 && page.pivotColumns.first == "1" && page.pivotCorner == "model · sequence ↓ l3_mib →")
    }
}

@Suite struct PivotLayoutTests {
    @Test func aTwoKnobSweepOfOneModelIsATwoWayTable() {
        // Bandwidth moves latency most (columns), L3 next (rows); clock ties nothing and each
        // cell holds the median over the two clocks.
        var points: [SweepPoint] = []
        for l3 in [8.0, 32.0] {
            for dram in [100.0, 200.0, 400.0] {
                for clock in [500.0, 1000.0] {
                    let latency = 400 / dram + (l3 == 8 ? 0.2 : 0) + (clock == 500 ? 0.01 : 0)
                    points.append(point("\(l3)-\(dram)-\(clock)", latencyMS: latency, energyMJ: 10, knobs: [.l3MiB: l3, .dramGBps: dram, .clockMHz: clock]))
                }
            }
        }
        let pivot = PivotLayout(points: points, sensitivity: KnobSensitivity(points: points, categories: []))
        #expect(pivot.columnHeading == "dram_gbps" && pivot.columns == ["100", "200", "400"])
        #expect(pivot.rowHeading == "l3_mib" && pivot.rows.map(\.title) == ["8", "32"])
        // The lower middle of the two clocks' runs: the faster one.
        #expect(pivot.rows[0].cells[0]?.latency == TimeSpan(seconds: 4.2e-3) && pivot.rows[0].cells[0]?.runs == 2)
        #expect(pivot.rows[1].cells[2]?.latency == TimeSpan(seconds: 1e-3))
    }
}
