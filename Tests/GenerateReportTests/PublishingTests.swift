import Foundation
import Testing

/// Publishing under failure and contention, with the real binary as separate processes.
@Suite(.serialized) struct PublishingTests {
    static func files(_ root: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[path] = try Data(contentsOf: root.appendingPathComponent(path)) }
        }
        return files
    }

    @Test func killedSweepLeavesThePreviousSiteIntact() throws {
        let first = try CommandRun(["--model", "bert-tiny", "--out", "site", "--date", "2026-11-01"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let site = first.folder.appendingPathComponent("site")
        let before = try Self.files(site)
        // A sweep long enough to be killed in the middle: 4 models × 4 lengths × 4 SKUs × 3 policies.
        let process = Process()
        process.executableURL = CommandRun.binary
        process.currentDirectoryURL = first.folder
        process.arguments = [
            "sweep", "--model", "bert-base-uncased", "--model", "bert-large-uncased", "--model", "bert-mini", "--model", "bert-small",
            "--seq", "128", "--seq", "256", "--seq", "384", "--seq", "512",
            "--hardware", "kpu-t64", "--hardware", "kpu-t128", "--hardware", "kpu-t256", "--hardware", "kpu-t768",
            "--fusion", "none", "--fusion", "vector-engine", "--fusion", "epilogue", "--out", "site"
        ]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until new runs are being written into the staging folder (beside the previous
        // site's four entries, linked in), then kill -9.
        let staging = first.folder.appendingPathComponent(".site.staging-\(process.processIdentifier)")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && ((try? FileManager.default.contentsOfDirectory(atPath: staging.path).count) ?? 0) < 4 + 3 { usleep(5_000) }
        #expect(process.isRunning, "the sweep finished before it could be killed; make it longer")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(try Self.files(site) == before)
        // The next run cleans up and publishes normally, keeping the earlier run and its history.
        let next = try CommandRun(["--model", "bert-mini", "--out", "site", "--date", "2026-11-02"], in: first.folder)
        #expect(next.status == 0, "stderr: \(next.stderr)")
        #expect(!FileManager.default.fileExists(atPath: staging.path))
        let history = try String(contentsOf: site.appendingPathComponent("history.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(history.count == 2)
        #expect(
            try Self.files(site)["bert-tiny_b1_s128_bf16_kpu-t256_vector-engine/report.json"]
                == before["bert-tiny_b1_s128_bf16_kpu-t256_vector-engine/report.json"])
    }

    @Test func concurrentRunsOnOneSiteKeepBothRunsAndHistoryLines() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let models = ["bert-tiny", "bert-mini", "bert-small", "bert-medium"]
        let processes = try models.map { model in
            let process = Process()
            process.executableURL = CommandRun.binary
            process.currentDirectoryURL = folder
            process.arguments = ["--model", model, "--out", "site"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let site = folder.appendingPathComponent("site")
        let index = try String(contentsOf: site.appendingPathComponent("index.html"), encoding: .utf8)
        for model in models {
            #expect(index.contains("href=\"\(model)_b1_s128_bf16_kpu-t256_vector-engine/index.html\""), "\(model) is missing from the index")
        }
        let history = try String(contentsOf: site.appendingPathComponent("history.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(history.count == 4)
        #expect(Set(history.compactMap { line in models.first { line.contains("\"key\":\"\($0)_") } }).count == 4)
    }

    @Test func regressionBeyondTheLimitExitsThree() throws {
        let base = try CommandRun(["--model", "bert-tiny", "--fusion", "epilogue", "--out", "old"])
        #expect(base.status == 0, "stderr: \(base.stderr)")
        let epilogue = "old/bert-tiny_b1_s128_bf16_kpu-t256_epilogue/report.json"
        // No fusion costs more energy than the epilogue policy: a regression, against a report.json
        // named explicitly, so compared although it is another configuration, and said so.
        let run = try CommandRun(
            ["--model", "bert-tiny", "--fusion", "none", "--out", "new", "--baseline", epilogue, "--fail-on-regression", "1"], in: base.folder)
        #expect(run.status == 3)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(
            lines.first
                == "generate-report: warning: bert-tiny_b1_s128_bf16_kpu-t256_none was compared with \(epilogue) (run bert-tiny_b1_s128_bf16_kpu-t256_epilogue), another configuration: fusion epilogue (this run none)"
        )
        #expect(lines.last?.hasPrefix("generate-report: regression: bert-tiny_b1_s128_bf16_kpu-t256_none: latency") == true)
        // The site is still published, with the verdicts and the warning.
        let page = try String(contentsOf: base.folder.appendingPathComponent("new/bert-tiny_b1_s128_bf16_kpu-t256_none/index.html"), encoding: .utf8)
        #expect(page.contains("regressed") && page.contains("The baseline is another configuration: fusion epilogue (this run none)."))
        #expect(FileManager.default.fileExists(atPath: base.folder.appendingPathComponent("new/comparison.html").path))
        // A site folder's runs are matched by run id only: nothing matches, so the gate cannot pass.
        let unmatched = try CommandRun(
            ["--model", "bert-tiny", "--fusion", "none", "--out", "other", "--baseline", "old", "--fail-on-regression", "1"], in: base.folder)
        #expect(unmatched.status == 3)
        #expect(
            unmatched.stderr
                == "generate-report: regression gate: 0 of 1 run had a baseline in old (a folder's runs are matched by run id), so nothing was compared; point --baseline at the same configurations\n"
        )
        // When some runs match, the others are listed.
        let sweep = try CommandRun(
            [
                "sweep", "--model", "bert-tiny", "--fusion", "none", "--fusion", "epilogue", "--out", "both", "--baseline", "old",
                "--fail-on-regression", "1"
            ], in: base.folder)
        #expect(sweep.status == 0, "stderr: \(sweep.stderr)")
        #expect(
            sweep.stderr.contains(
                "generate-report: warning: 1 of 2 runs had a baseline in old (a folder's runs are matched by run id); not compared: bert-tiny_b1_s128_bf16_kpu-t256_none\n"
            ))
        // Watching only a metric that did not regress: exit 0.
        let watched = try CommandRun(
            [
                "--model", "bert-tiny", "--fusion", "epilogue", "--out", "same", "--baseline", epilogue,
                "--fail-on-regression", "0.5", "--fail-metrics", "energy"
            ], in: base.folder)
        #expect(watched.status == 0, "stderr: \(watched.stderr)")
        #expect(watched.stderr.isEmpty)
        let missing = try CommandRun(["--model", "bert-tiny", "--out", "x", "--baseline", "nowhere", "--fail-on-regression", "1"], in: base.folder)
        #expect(missing.status == 2 && missing.stderr.contains("nowhere: no such file or folder"))
    }
}
