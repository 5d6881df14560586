import Support
import Foundation
import KPUModel
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing
import Testing
import Yams

let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let projectTemplates = projectRoot.appendingPathComponent("templates")

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Every file under a folder with its bytes, by relative path.
func snapshot(_ root: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: root.path)
    while let path = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
        if !isDirectory.boolValue { files[path] = try Data(contentsOf: root.appendingPathComponent(path)) }
    }
    return files
}

@Suite struct SweepGridTests {
    @Test func gridExpandsInNestingOrderAndShardsPartitionIt() throws {
        var grid = SweepGrid()
        grid.models = [.preset("bert-tiny"), .preset("bert-mini")]
        grid.seqs = [64, 128]
        grid.hardware = [.builtIn("kpu-t64"), .builtIn("kpu-t256")]
        grid.fusions = [.none, .epilogue]
        let requests = grid.requests
        #expect(requests.count == 16)
        #expect(requests[0] == RunRequest(model: .preset("bert-tiny"), seq: 64, hardware: .builtIn("kpu-t64"), fusion: .none))
        #expect(requests[1].fusion == .epilogue)
        #expect(requests[2].hardware == .builtIn("kpu-t256"))
        #expect(requests[8].model == .preset("bert-mini"))
        // Three shards: every configuration in exactly one, in grid order.
        let shards = (1...3).map { SweepGrid.shard(requests, index: $0, count: 3) }
        #expect(shards.map(\.count) == [6, 5, 5])
        #expect(shards[1][0] == requests[1] && shards[1][1] == requests[4])
        #expect(Set(shards.flatMap { $0 }.map(\.label)) == Set(requests.map(\.label)))
        #expect(throws: RunRequestError.self) { try SweepGrid.parseShard("4/3") }
        #expect(throws: RunRequestError.self) { try SweepGrid.parseShard("1-3") }
        #expect(try SweepGrid.parseShard("2/3") == (2, 3))
    }

    @Test func gridFileIsReadAndCheckedKeyByKey() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("grid.yaml")
        try """
        models: [bert-tiny]
        configs: [configs/mine.json]
        seq: [64, 128]
        hardware: [kpu-t64]
        hardware_files: [/abs/sku.yaml]
        fusion: [none]
        profile: 15W
        """.write(to: file, atomically: true, encoding: .utf8)
        let grid = try SweepGrid.load(file.path)
        #expect(grid.models == [.preset("bert-tiny"), .config(folder.appendingPathComponent("configs/mine.json").standardizedFileURL.path)])
        #expect(grid.seqs == [64, 128])
        #expect(grid.hardware == [.builtIn("kpu-t64"), .file("/abs/sku.yaml")])
        #expect(grid.profile == "15W")
        #expect(grid.requests.count == 8)

        try "models: [bert-tiny]\nsequence: [64]\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try SweepGrid.load(file.path)
            Issue.record("a misspelt key was accepted")
        } catch {
            #expect(error.description.hasPrefix("\(file.path):2: unknown key sequence"))
        }
        try "models: [bert-tiny\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: RunRequestError.self) { try SweepGrid.load(file.path) }
        try "seq: [64]\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: RunRequestError.self) { try SweepGrid.load(file.path) }
        // A value outside a set is refused at load, naming the file's key, not a flag.
        for (text, message) in [
            ("precision: [fp8]", "precision: fp8 is not a precision; use one of fp32, bf16, fp16, int8"),
            ("fusion: [flash]", "fusion: flash is not a policy; use one of none, vector-engine, epilogue"),
            ("aggregate_hidden_states: all-sum", "aggregate_hidden_states: all-sum is not understood")
        ] {
            try "models: [bert-tiny]\n\(text)\n".write(to: file, atomically: true, encoding: .utf8)
            do {
                _ = try SweepGrid.load(file.path)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.hasPrefix("\(file.path): \(message)"))
            }
        }
    }
}

@Suite struct SweepSiteTests {
    static let requests: [RunRequest] = {
        var grid = SweepGrid()
        grid.models = [.preset("bert-tiny"), .preset("bert-mini")]
        grid.seqs = [64, 128]
        grid.fusions = [.none, .epilogue]
        return grid.requests
    }()

    static func sweep(
        into root: URL, parallel: Bool, options: PublishOptions = PublishOptions(commit: "c0ffee"),
        requests: [RunRequest] = requests
    ) throws -> SweepOutcome {
        let site = try Publisher(root: root, templates: try Templates(directory: projectTemplates))
        return try Sweep.run(requests, pipeline: RunPipeline(date: "2026-11-30"), site: site, options: options, parallel: parallel)
    }

    @Test func parallelSweepWritesTheSameBytesAsASerialOne() throws {
        let folder = try temporaryFolder()
        let parallel = try Self.sweep(into: folder.appendingPathComponent("a"), parallel: true)
        _ = try Self.sweep(into: folder.appendingPathComponent("b"), parallel: false)
        let a = try snapshot(folder.appendingPathComponent("a")), b = try snapshot(folder.appendingPathComponent("b"))
        #expect(parallel.runs.count == 8)
        // 8 runs × 6 files, their copy in latest/, index, comparison, sweep.csv, history.
        #expect(a.count == 8 * 6 + 6 + 4)
        #expect(a.keys.sorted() == b.keys.sorted())
        for (path, data) in a { #expect(b[path] == data, "\(path) differs between the parallel and the serial sweep") }
        // History: one line per run, in grid order, with the date and commit.
        let history = try History.read(folder.appendingPathComponent("a/history.jsonl"))
        #expect(history.map(\.key) == parallel.runs.map(\.runID))
        #expect(history.allSatisfy { $0.date == "2026-11-30" && $0.commit == "c0ffee" })
        let comparison = String(decoding: try #require(a["comparison.html"]), as: UTF8.self)
        #expect(comparison.contains("id=\"compare-latency\"") && comparison.contains("id=\"compare-add-share\""))
        #expect(comparison.contains("bert-mini_b1_s128_bf16_kpu-t256_epilogue/index.html"))
    }

    @Test func aFailingRunPublishesNothing() throws {
        let root = try temporaryFolder().appendingPathComponent("site")
        _ = try Self.sweep(into: root, parallel: true, requests: Array(Self.requests.prefix(1)))
        let before = try snapshot(root)
        var bad = Self.requests
        bad.insert(RunRequest(model: .preset("bert-tiny"), seq: 4096), at: 3)
        do {
            _ = try Self.sweep(into: root, parallel: true, requests: bad)
            Issue.record("a sweep with an impossible run was published")
        } catch let error as SweepError {
            #expect(error.run == 4 && error.of == 9)
            #expect(error.description.contains("seq 4096") && error.description.hasSuffix("nothing was published"))
        }
        #expect(try snapshot(root) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.deletingLastPathComponent().path).filter { $0.contains("staging") }
        #expect(leftovers.isEmpty)
    }

    @Test func baselineVerdictsAndRegressions() throws {
        let folder = try temporaryFolder()
        let one = [RunRequest(model: .preset("bert-tiny"), fusion: .none)]
        _ = try Self.sweep(into: folder.appendingPathComponent("old"), parallel: true, requests: one)
        // The same model under vector-engine fusion, against the run without fusion named as a file.
        let current = [RunRequest(model: .preset("bert-tiny"), fusion: .vectorEngine)]
        let folderBaseline = try Self.sweep(
            into: folder.appendingPathComponent("unmatched"), parallel: true,
            options: PublishOptions(baseline: try BaselineComparison.load(folder.appendingPathComponent("old").path)), requests: current)
        // A site folder is matched by run id only: another configuration is not compared.
        #expect(try #require(folderBaseline.comparison).runs.isEmpty)
        #expect(
            folderBaseline.comparison?.warnings(runCount: 1) == [
                "0 of 1 run had a baseline in \(folder.path)/old (a folder's runs are matched by run id); not compared: bert-tiny_b1_s128_bf16_kpu-t256_vector-engine"
            ])
        let baseline = try BaselineComparison.load(folder.appendingPathComponent("old/bert-tiny_b1_s128_bf16_kpu-t256_none/report.json").path)
        let outcome = try Self.sweep(
            into: folder.appendingPathComponent("new"), parallel: true,
            options: PublishOptions(baseline: baseline, noiseThreshold: 0.01), requests: current)
        let comparison = try #require(outcome.comparison)
        let run = try #require(comparison.runs.first)
        // Compared, and what differs is said.
        #expect(run.differences == ["fusion none (this run vector-engine)"])
        #expect(comparison.warnings(runCount: 1).first?.hasSuffix("another configuration: fusion none (this run vector-engine)") == true)
        let energy = try #require(run.headline.first { $0.id == "energy" })
        let old =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("old/bert-tiny_b1_s128_bf16_kpu-t256_none/report.json")))
            as? [String: Any]
        let new =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("new/bert-tiny_b1_s128_bf16_kpu-t256_vector-engine/report.json"))) as? [String: Any]
        func totalEnergy(_ root: [String: Any]?) -> Double {
            (((root?["totals"] as? [String: Any])?["energy_pj"] as? [String: Any])?["total"] as? Double ?? 0) * 1e-12
        }
        #expect(abs(energy.baseline - totalEnergy(old)) < 1e-15 && abs(energy.current - totalEnergy(new)) < 1e-15)
        #expect(abs(try #require(energy.change) - (totalEnergy(new) - totalEnergy(old)) / totalEnergy(old)) < 1e-12)
        // Fusing the biases saves DRAM traffic: energy improves by more than the 1 % noise band.
        #expect(energy.verdict == .improved)
        #expect(comparison.regressions(beyond: 0, metrics: ["energy"]).isEmpty)
        // The other way round it is a regression, which --fail-on-regression reports.
        let reverse = try BaselineComparison.load(folder.appendingPathComponent("new/bert-tiny_b1_s128_bf16_kpu-t256_vector-engine/report.json").path)
        let back = try Self.sweep(
            into: folder.appendingPathComponent("back"), parallel: true,
            options: PublishOptions(baseline: reverse), requests: one)
        let lines = try #require(back.comparison).regressions(beyond: 1, metrics: ["energy", "latency", "edp"])
        #expect(lines.contains { $0.hasPrefix("bert-tiny_b1_s128_bf16_kpu-t256_none: energy") })
        let page = try String(contentsOf: folder.appendingPathComponent("back/bert-tiny_b1_s128_bf16_kpu-t256_none/index.html"), encoding: .utf8)
        #expect(page.contains("id=\"baseline-table\"") && page.contains("<td class=\"regressed\">regressed</td>"))
        #expect(page.contains("<p class=\"warning\">The baseline is another configuration: fusion vector-engine (this run none)."))
        // Only categories the model has: bert-tiny has no layer-output aggregation.
        #expect(page.contains("Attention mask: energy") && !page.contains("Layer-output aggregation: energy"))
    }

    @Test func runsMissingOnEitherSideAreListed() throws {
        let folder = try temporaryFolder()
        let a = RunRequest(model: .preset("bert-tiny"), fusion: .none), b = RunRequest(model: .preset("bert-tiny"), fusion: .epilogue)
        let c = RunRequest(model: .preset("bert-mini"), fusion: .none)
        _ = try Self.sweep(into: folder.appendingPathComponent("old"), parallel: true, requests: [a, b])
        let outcome = try Self.sweep(
            into: folder.appendingPathComponent("new"), parallel: true,
            options: PublishOptions(baseline: try BaselineComparison.load(folder.appendingPathComponent("old").path)),
            requests: [a, c])
        let comparison = try #require(outcome.comparison)
        #expect(comparison.runs.map(\.runID) == ["bert-tiny_b1_s128_bf16_kpu-t256_none"])
        #expect(comparison.missingInBaseline == ["bert-mini_b1_s128_bf16_kpu-t256_none"])
        #expect(comparison.missingInCurrent == ["bert-tiny_b1_s128_bf16_kpu-t256_epilogue"])
        let page = try String(contentsOf: folder.appendingPathComponent("new/comparison.html"), encoding: .utf8)
        #expect(page.contains("<code>bert-mini_b1_s128_bf16_kpu-t256_none</code>"))
        // The matched run gets a row of per-category changes: the same runs, so every one is 0.00 %.
        #expect(page.contains("id=\"category-comparison-table\""))
        #expect(page.contains("<td class=\"num noise\" title=\"") && page.contains(">0.00 %</td>"))
    }

    @Test func shardsMergeIntoOneSite() throws {
        let folder = try temporaryFolder()
        let templates = try Templates(directory: projectTemplates)
        for index in 1...3 {
            _ = try Self.sweep(
                into: folder.appendingPathComponent("shard\(index)"), parallel: true,
                requests: SweepGrid.shard(Self.requests, index: index, count: 3))
        }
        let merged = folder.appendingPathComponent("merged")
        let outcome = try Sweep.merge(
            (1...3).map { folder.appendingPathComponent("shard\($0)").path },
            into: try Publisher(root: merged, templates: templates), options: PublishOptions())
        #expect(outcome.runs.count == 8)
        let whole = try Self.sweep(into: folder.appendingPathComponent("whole"), parallel: true)
        #expect(Set(outcome.runs.map(\.runID)) == Set(whole.runs.map(\.runID)))
        // Run folders are the shards' files unchanged, equal to a whole sweep's.
        let m = try snapshot(merged), w = try snapshot(folder.appendingPathComponent("whole"))
        for run in whole.runs {
            #expect(m["\(run.runID)/report.json"] == w["\(run.runID)/report.json"])
            #expect(m["\(run.runID)/index.html"] == w["\(run.runID)/index.html"])
        }
        #expect(try History.read(merged.appendingPathComponent("history.jsonl")).count == 8)
        // Merging the same shards again adds no duplicate history lines.
        _ = try Sweep.merge([folder.appendingPathComponent("shard1").path], into: try Publisher(root: merged, templates: templates), options: PublishOptions())
        #expect(try History.read(merged.appendingPathComponent("history.jsonl")).count == 8)
        #expect(throws: RunRequestError.self) {
            try Sweep.merge(
                [folder.appendingPathComponent("nothing-here").path], into: try Publisher(root: merged, templates: templates), options: PublishOptions())
        }
    }

    @Test func historyAccumulatesAndABrokenLineIsNamed() throws {
        let root = try temporaryFolder().appendingPathComponent("site")
        let one = [RunRequest(model: .preset("bert-tiny"))]
        _ = try Self.sweep(into: root, parallel: true, requests: one)
        _ = try Self.sweep(into: root, parallel: true, requests: one)
        let history = try History.read(root.appendingPathComponent("history.jsonl"))
        #expect(history.count == 2 && Set(history.map(\.key)).count == 1)
        let index = try String(contentsOf: root.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\""))
        var text = try String(contentsOf: root.appendingPathComponent("history.jsonl"), encoding: .utf8)
        text += "{not json\n"
        try text.write(to: root.appendingPathComponent("history.jsonl"), atomically: true, encoding: .utf8)
        do {
            _ = try Self.sweep(into: root, parallel: true, requests: one)
            Issue.record("a broken history line was accepted")
        } catch let error as ReportError {
            #expect(error.description.hasPrefix("\(root.standardizedFileURL.path)/history.jsonl:3: is not a history entry"))
        }
    }
}

@Suite struct WorkflowTests {
    @Test func pagesWorkflowHasTheRequiredShape() throws {
        let text = try String(contentsOf: projectRoot.appendingPathComponent(".github/workflows/report.yml"), encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        // YAML 1.1 reads a bare `on` as true: accept either spelling of the key.
        let triggers = try #require((root["on"] ?? root["true"]) as? [String: Any])
        let schedule = try #require(triggers["schedule"] as? [[String: Any]])
        let cron = try #require(schedule.first?["cron"] as? String)
        #expect(cron.split(separator: " ").first != "0", "cron should run off the hour")
        #expect(triggers.keys.contains("workflow_dispatch"))
        let concurrency = try #require(root["concurrency"] as? [String: Any])
        #expect(concurrency["group"] as? String == "pages" && concurrency["cancel-in-progress"] as? Bool == false)
        let jobs = try #require(root["jobs"] as? [String: Any])
        let build = try #require(jobs["build"] as? [String: Any])
        #expect((build["permissions"] as? [String: Any])?["contents"] as? String == "read")
        #expect((build["permissions"] as? [String: Any])?["pages"] as? String == "read")
        let buildSteps = try #require(build["steps"] as? [[String: Any]])
        #expect(buildSteps.contains { ($0["uses"] as? String)?.hasPrefix("actions/upload-pages-artifact@") == true })
        // The site's URL comes from actions/configure-pages, not from the repository's name.
        let pages = try #require(buildSteps.first { ($0["uses"] as? String)?.hasPrefix("actions/configure-pages@") == true })
        let fetch = try #require(buildSteps.first { ($0["run"] as? String)?.hasPrefix("scripts/fetch-published ") == true })
        #expect((fetch["env"] as? [String: Any])?["BASE_URL"] as? String == "${{ steps.\(pages["id"] as? String ?? "?").outputs.base_url }}")
        #expect(buildSteps.contains { ($0["run"] as? String)?.contains("--baseline last-night") == true })
        let checkout = try #require(buildSteps.first { ($0["uses"] as? String)?.hasPrefix("actions/checkout@") == true })
        #expect((checkout["with"] as? [String: Any])?["persist-credentials"] as? Bool == false)
        // Every action pinned to a full commit SHA, every job bounded in time.
        for job in jobs.values.compactMap({ $0 as? [String: Any] }) {
            #expect(job["timeout-minutes"] is Int)
            for step in (job["steps"] as? [[String: Any]]) ?? [] {
                guard let uses = step["uses"] as? String else { continue }
                let sha = uses.split(separator: "@").last ?? ""
                #expect(sha.count == 40 && sha.allSatisfy(\.isHexDigit), "\(uses)")
            }
        }
        #expect((build["container"] as? String)?.contains("@sha256:") == true)
        let deploy = try #require(jobs["deploy"] as? [String: Any])
        let permissions = try #require(deploy["permissions"] as? [String: Any])
        #expect(permissions["pages"] as? String == "write" && permissions["id-token"] as? String == "write")
        #expect((deploy["environment"] as? [String: Any])?["name"] as? String == "github-pages")
        #expect((deploy["steps"] as? [[String: Any]])?.contains { ($0["uses"] as? String)?.hasPrefix("actions/deploy-pages@") == true } == true)
        #expect(deploy["needs"] as? String == "build")
        // The grid the workflow names exists and parses.
        #expect(try SweepGrid.load(projectRoot.appendingPathComponent("sweeps/nightly.yaml").path).requests.count == 36)
    }

    @Test func gitLabPagesJobInTheREADMEParses() throws {
        let readme = try String(contentsOf: projectRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```yaml\n# .gitlab-ci.yml"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let root = try #require(try Yams.load(yaml: String(readme[start.upperBound..<end.lowerBound])) as? [String: Any])
        let pages = try #require(root["pages"] as? [String: Any])
        #expect(((pages["artifacts"] as? [String: Any])?["paths"] as? [String]) == ["public"])
        let script = try #require(pages["script"] as? [String])
        #expect(script.contains { $0.contains("generate-report sweep") && $0.contains("$baseline") })
        #expect(script.contains("scripts/fetch-published \"$CI_PAGES_URL\" public last-night"))
    }
}
