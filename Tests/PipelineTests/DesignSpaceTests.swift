import Foundation
import KPUModel
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing
import Support
import Testing

/// `sweep --pages pareto|none` and the light path (issue 15): runs without a page are modelled
/// under their own policy alone, give the same figures as a full report, and still reach
/// `sweep.csv`, `history.jsonl` and the comparison page; shards of such sweeps merge.
@Suite struct DesignSpaceTests {
    static let requests: [RunRequest] = {
        var grid = SweepGrid()
        grid.models = [.preset("bert-tiny")]
        grid.vary = [.l3MiB: [1, 4], .dramGBps: [25, 100, 400]]
        return grid.requests
    }()

    static func sweep(into root: URL, pages: SweepPages, requests: [RunRequest] = requests) throws -> SweepOutcome {
        let site = try Publisher(root: root, templates: try Templates(directory: projectTemplates))
        return try Sweep.run(requests, pipeline: RunPipeline(date: "2026-12-06"), site: site, options: PublishOptions(commit: "c0ffee"), pages: pages)
    }

    @Test func theLightPathGivesTheFullReportsFigures() throws {
        let pipeline = RunPipeline(date: nil)
        for request in Self.requests + [RunRequest(model: .preset("bert-base-uncased"), fusion: .epilogue, residency: .dram)] {
            let light = try pipeline.point(request)
            var full = try #require(SweepPoint(document: try pipeline.report(request).document, page: nil))
            // Only the page's what-if is missing from the light path.
            #expect(full.addMarginalEDPShare != nil && light.addMarginalEDPShare == nil)
            full.addMarginalEDPShare = nil
            #expect(light == full, "\(request.label)")
        }
    }

    @Test func paretoPagesOnlyTheFrontAndListsEveryRun() throws {
        let root = try temporaryFolder().appendingPathComponent("site")
        let outcome = try Self.sweep(into: root, pages: .pareto)
        let points = outcome.runs.compactMap(\.point)
        #expect(points.count == 6)
        let front = Set(ParetoFront.indices(of: points).map { points[$0].runID })
        #expect(!front.isEmpty && front.count < 6)
        let files = try snapshot(root)
        // A folder for each run on the front, none for the others.
        let folders = Set(files.keys.compactMap { $0.hasSuffix("/report.json") && !$0.hasPrefix("latest/") ? String($0.dropLast(12)) : nil })
        #expect(folders == front)
        // Every run is a row of sweep.csv and a line of history.jsonl, in grid order.
        let table = try SweepCSV.points(from: try #require(files["sweep.csv"]), file: "sweep.csv")
        #expect(table.map(\.runID) == Self.requests.map { try! RunPipeline(date: nil).point($0).runID })
        #expect(Set(table.filter { $0.page != nil }.map(\.runID)) == front)
        let history = try History.read(root.appendingPathComponent("history.jsonl"))
        #expect(history.map(\.key) == table.map(\.runID))
        #expect(history.allSatisfy { $0.commit == "c0ffee" && $0.date == "2026-12-06" })
        // The comparison page links each front run's page from the scatter and the table.
        let comparison = String(decoding: try #require(files["comparison.html"]), as: UTF8.self)
        for id in front { #expect(comparison.contains("<a href=\"\(id)/index.html\">")) }
        #expect(comparison.contains("Latency against energy: the Pareto front") && comparison.contains("id=\"sensitivity-table\""))
        #expect(files["index.html"] != nil)
    }

    @Test func noPagesWritesOnlyTheSiteFiles() throws {
        let root = try temporaryFolder().appendingPathComponent("site")
        let outcome = try Self.sweep(into: root, pages: .none)
        #expect(outcome.runs.allSatisfy { $0.files.isEmpty && $0.document == nil })
        #expect(Set(try snapshot(root).keys) == ["index.html", "comparison.html", "sweep.csv", "history.jsonl"])
        let index = String(decoding: try Data(contentsOf: root.appendingPathComponent("index.html")), as: UTF8.self)
        #expect(index.contains("href=\"comparison.html\""))
    }

    @Test func paretoShardsMergeIntoTheWholeSweep() throws {
        let folder = try temporaryFolder()
        for index in 1...2 {
            _ = try Self.sweep(
                into: folder.appendingPathComponent("shard\(index)"), pages: .pareto, requests: SweepGrid.shard(Self.requests, index: index, count: 2))
        }
        let merged = folder.appendingPathComponent("merged")
        let outcome = try Sweep.merge(
            (1...2).map { folder.appendingPathComponent("shard\($0)").path },
            into: try Publisher(root: merged, templates: try Templates(directory: projectTemplates)), options: PublishOptions())
        let whole = try Self.sweep(into: folder.appendingPathComponent("whole"), pages: .pareto)
        let mergedPoints = outcome.runs.compactMap(\.point), wholePoints = whole.runs.compactMap(\.point)
        #expect(mergedPoints.count == 6)
        // The global front is the whole sweep's, and each of its runs has its page in the merge.
        let frontOf = { (points: [SweepPoint]) in Set(ParetoFront.indices(of: points).map { points[$0].runID }) }
        #expect(frontOf(mergedPoints) == frontOf(wholePoints))
        for id in frontOf(wholePoints) { #expect(mergedPoints.first { $0.runID == id }?.page == "\(id)/index.html") }
        // Figures survive the round trip through the shards' sweep.csv. A run on its shard's
        // front but not on the whole sweep's has a page (and its what-if) only in the merge.
        for point in wholePoints {
            var expected = point, other = try #require(mergedPoints.first { $0.runID == point.runID })
            (expected.page, expected.addMarginalEDPShare, other.addMarginalEDPShare) = (other.page, nil, nil)
            #expect(other == expected)
        }
        #expect(try History.read(merged.appendingPathComponent("history.jsonl")).count == 6)
    }

    @Test func everyKnobRunsOnEveryBuiltInSKUAndAHardwareFile() throws {
        let pipeline = RunPipeline(date: nil)
        let values: [HardwareKnob: [Double]] = [
            .l1KiB: [16, 64], .l2KiB: [32, 128], .l3MiB: [8, 64], .dramGBps: [64, 256], .dramPJPerByte: [5, 20], .clockMHz: [500, 900],
            .tiles: [32, 128], .dmaEngines: [4, 16], .vectorLanes: [16, 64]
        ]
        let skus: [RunRequest.Hardware] =
            ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"].map { .builtIn($0) } + [
                .file(projectRoot.appendingPathComponent("data/hardware/kpu-t128.yaml").path)
            ]
        for hardware in skus {
            for knob in HardwareKnob.allCases {
                let points = try values[knob]!.map { value in
                    try pipeline.point(RunRequest(model: .preset("bert-tiny"), hardware: hardware, knobs: [HardwareKnob.Setting(knob, value)]))
                }
                for (point, value) in zip(points, values[knob]!) {
                    #expect(point.knobs == [knob: value] && point.runID.contains("_\(HardwareKnob.Setting(knob, value).label)_"))
                }
                // The larger value never makes the run slower, except dearer DRAM, which never makes it cheaper.
                if knob == .dramPJPerByte {
                    #expect(points[1].energy > points[0].energy, "\(hardware) \(knob)")
                } else if knob != .l1KiB {
                    #expect(points[1].latency <= points[0].latency, "\(hardware) \(knob)")
                }
            }
        }
    }

    @Test func aShardFolderWithoutRunsOrTableIsRefused() throws {
        let folder = try temporaryFolder()
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect {
            try Sweep.merge(
                [empty.path], into: try Publisher(root: folder.appendingPathComponent("m"), templates: try Templates(directory: projectTemplates)),
                options: PublishOptions())
        } throws: { error in
            "\(error)" == "\(empty.path): holds neither run folders with a report.json nor a sweep.csv; is it a shard's --out folder?"
        }
    }
}
