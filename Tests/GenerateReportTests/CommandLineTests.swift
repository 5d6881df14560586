import Foundation
import TestFixtures
import Testing

/// Runs the built `generate-report` binary as a user would, from a fresh folder.
struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String
    let folder: URL

    /// The binary sits beside the test bundle in SwiftPM's build folder.
    static let binary: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("generate-report")
    }()

    init(_ arguments: [String], in folder: URL? = nil) throws {
        let folder =
            try folder
            ?? {
                let url = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                return url
            }()
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        status = process.terminationStatus
        stdout = String(decoding: outData, as: UTF8.self)
        stderr = String(decoding: errData, as: UTF8.self)
        self.folder = folder
    }

    /// Everything the run left in its folder, apart from inputs the test put there.
    func written(except inputs: Set<String> = []) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !inputs.contains($0) }.sorted()
    }
}

@Suite struct CommandLineTests {
    @Test func defaultReportIsWrittenUnderReports() throws {
        // No arguments at all: bert-base-uncased at bf16 on kpu-t256, into reports/.
        let run = try CommandRun([])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(
            run.stdout.split(separator: "\n") == [
                "reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/index.html",
                "reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/report.json",
                "reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/schedule.json",
                "reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/trace.json",
                "reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/adds.csv",
                "reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/ops.csv",
                "reports/history.jsonl",
                "reports/index.html"
            ])
        let json = try Data(contentsOf: run.folder.appendingPathComponent("reports/bert-base-uncased_b1_s128_bf16_kpu-t256_vector-engine/report.json"))
        let model = try #require((try JSONSerialization.jsonObject(with: json) as? [String: Any])?["model"] as? [String: Any])
        #expect(model["params"] as? Int == 109_482_240)
        #expect(model["macs"] as? Int == 11_174_215_680)
        #expect(model["precision"] as? String == "bf16")
        // --help says what the bare command does.
        let help = try CommandRun(["--help"]).stdout
        #expect(help.contains("generate-report                  (the default report: bert-base-uncased, bf16, kpu-t256, into reports/)"))
        // Help wraps its lines: compare with the words alone.
        let words = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("--precision <precision> Element type of weights and activations (default: bf16, the KPU's precision for transformers"))
    }

    @Test func identicalInputsGiveIdenticalBytes() throws {
        let first = try CommandRun(["--model", "bert-tiny", "--out", "a"])
        let second = try CommandRun(["--model", "bert-tiny", "--out", "a"])
        #expect(first.status == 0 && second.status == 0)
        let page = { (run: CommandRun) in try Data(contentsOf: run.folder.appendingPathComponent("a/bert-tiny_b1_s128_bf16_kpu-t256_vector-engine/index.html"))
        }
        #expect(try page(first) == page(second))
    }

    @Test func configFileIsReadAndFingerprinted() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)/my-bert")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = #"{"model_type": "bert", "hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024}"#
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        let run = try CommandRun(["--config", "config.json", "--seq", "64", "--precision", "bf16", "--aggregate-hidden-states", "last-4-sum"], in: folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        // Named after the folder holding config.json (no _name_or_path), plus 8 hex digits of its fingerprint.
        let runFolder = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("reports").path).first { $0.hasPrefix("my-bert-") })
        #expect(runFolder.hasSuffix("_b1_s64_bf16_last-4-sum_kpu-t256_vector-engine"))
        let json = try Data(contentsOf: folder.appendingPathComponent("reports/\(runFolder)/report.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        // Same architecture as bert-mini: 11,170,560 parameters (PyTorch).
        #expect((root["model"] as? [String: Any])?["params"] as? Int == 11_170_560)
        let categories = try #require(root["categories"] as? [[String: Any]])
        #expect(categories.first { $0["id"] as? String == "hidden_state_aggregation" }?["count"] as? Int == 3)
    }

    @Test func hardwareFileWithAMissingFieldIsNamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = "id: my_kpu\nname: Mine\ndies:\n- process_node_id: tsmc_n16\n  blocks: []\npower:\n  default_thermal_profile: 5W\n  thermal_profiles: []\n"
        try Data(text.utf8).write(to: folder.appendingPathComponent("sku.yaml"))
        let run = try CommandRun(["--model", "bert-tiny", "--hardware-file", "sku.yaml"], in: folder)
        #expect(run.status == 2)
        #expect(run.stderr == "generate-report: error: sku.yaml: power.idle_power_watts: is missing; add this field\n")
        #expect(try run.written(except: ["sku.yaml"]) == [])
    }

    @Test(arguments: ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"])
    func everySKUAndEnergyTableGivesAValidatedReport(sku: String) throws {
        // bert-base and bert-large under all three tables; the tool validates each page before writing it.
        for model in ["bert-base-uncased", "bert-large-uncased"] {
            for table in ["kpu-16nm", "horowitz-45nm", "eyeriss-65nm"] {
                let run = try CommandRun(["--model", model, "--hardware", sku, "--energy-table", table, "--precision", "bf16", "--format", "html"])
                #expect(run.status == 0, "\(model) \(sku) \(table): \(run.stderr)")
            }
        }
    }

    static let fixtures = Fixture.url("onnx")

    @Test func onnxExportGivesAReportWithFusedAdds() throws {
        let run = try CommandRun(["--onnx", Self.fixtures.appendingPathComponent("bert-tiny.ortfused.onnx").path, "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let file = try #require(run.stdout.split(separator: "\n").first { $0.hasSuffix("report.json") })
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.folder.appendingPathComponent(String(file)))) as? [String: Any])
        let categories = try #require(root["categories"] as? [[String: Any]])
        let bias = try #require(categories.first { $0["id"] as? String == "bias" })
        // Explicit Add nodes: none; all adds: 13, inside Attention, SkipLayerNormalization, BiasGelu and the pooler Gemm.
        #expect(bias["explicit"] as? Int == 0)
        #expect(bias["count"] as? Int == 13)
        let adds = try #require(root["adds"] as? [[String: Any]])
        #expect(Set(adds.compactMap { $0["fused_in"] as? String }) == ["Attention", "SkipLayerNormalization", "BiasGelu", "Gemm"])
        let model = try #require(root["model"] as? [String: Any])
        #expect(model["macs"] as? Int == 58_736_640)
        #expect(model["layers"] as? Int == 2)
        #expect(model["heads"] as? Int == 2)
    }

    @Test func writtenOutLayerNormIsSetAgainstTheFusedOp() throws {
        let run = try CommandRun(["--onnx", Self.fixtures.appendingPathComponent("bert-tiny.legacy14.onnx").path, "--format", "html"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let file = try #require(run.stdout.split(separator: "\n").first { $0.hasSuffix("/index.html") && $0.contains("_b1_") })
        let page = try String(contentsOf: run.folder.appendingPathComponent(String(file)), encoding: .utf8)
        // 5 LayerNorms of 9 primitive ops each, 2 GELUs of 5.
        #expect(page.contains("<tr><td>LayerNorm</td><td class=\"num\">5</td><td class=\"num\">45</td>"))
        #expect(page.contains("<tr><td>GELU</td><td class=\"num\">2</td><td class=\"num\">10</td>"))
    }

    @Test func badONNXInputFailsCleanly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let original = try Data(contentsOf: Self.fixtures.appendingPathComponent("bert-tiny.legacy14.onnx"))
        try original.prefix(20_000).write(to: folder.appendingPathComponent("truncated.onnx"))
        try Data("not a model\n".utf8).write(to: folder.appendingPathComponent("text.onnx"))
        let dynamic = Self.fixtures.appendingPathComponent("bert-tiny.legacy17dyn.onnx").path
        let staticFile = Self.fixtures.appendingPathComponent("bert-tiny.legacy14.onnx").path
        let cases: [([String], String)] = [
            (["--onnx", "truncated.onnx"], "truncated.onnx: byte "),
            (["--onnx", "text.onnx"], "text.onnx: byte 0: "),
            (["--onnx", "absent.onnx"], "absent.onnx: cannot read the file"),
            (["--onnx", staticFile, "--seq", "64"], "its inputs have the static shape [1, 128]"),
            (["--onnx", staticFile, "--precision", "bf16"], "its weights are fp32"),
            (["--onnx", dynamic, "--dim", "batch"], "--dim batch is not NAME=VALUE"),
            (["--onnx", dynamic, "--aggregate-hidden-states", "last-2-sum"], "an ONNX file already fixes its outputs"),
            (["--model", "bert-tiny", "--dim", "batch=2"], "--dim binds dimensions of an ONNX file")
        ]
        for (arguments, fragment) in cases {
            let run = try CommandRun(arguments, in: folder)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.hasPrefix("generate-report: error: ") && run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
            #expect(run.stderr.filter { $0 == "\n" }.count == 1)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["text.onnx", "truncated.onnx"])
    }

    /// The README shows a newcomer an ONNX export that ships with the repository; it must run
    /// and land where the README says.
    @Test func readmesONNXExampleRunsAsShown() throws {
        let readme = try String(contentsOf: Fixture.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n").map(String.init)
        let command = try #require(lines.firstIndex { $0.hasPrefix("scripts/report --onnx ") })
        let file = String(lines[command].dropFirst("scripts/report --onnx ".count))
        let page = try #require(lines[command + 1].components(separatedBy: "# → reports/").last)
        let run = try CommandRun(["--onnx", Fixture.repositoryRoot.appendingPathComponent(file).path, "--out", "reports"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.split(separator: "\n").contains { $0 == "reports/" + page })
    }

    @Test func aCopiedBinaryWorksFromAnyFolder() throws {
        // No templates/ beside it or in the working folder: the built-in copy is used.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("bin/generate-report")
        // A copy fails now and then (NSCocoaErrorDomain 256) while other tests' child processes
        // come and go; it is retried rather than failing a test about something else.
        for attempt in 1...3 {
            do {
                try FileManager.default.copyItem(at: CommandRun.binary, to: copy)
                break
            } catch  where attempt < 3 {
                try? FileManager.default.removeItem(at: copy)
            }
        }
        let process = Process()
        process.executableURL = copy
        process.arguments = ["--model", "bert-tiny", "--out", "site", "--format", "html"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("site/latest/index.html").path))
    }

    @Test func helpShowsTheRunOptionsAndEveryPageEndsWithExamples() throws {
        let root = try CommandRun(["--help"])
        #expect(root.status == 0)
        // Without a subcommand the tool runs `run`: its help lists run's options, and the subcommands.
        for option in ["--model <preset>", "--seq <n>", "--fusion <policy>", "--fail-on-regression <pct>", "--version"] {
            #expect(root.stdout.contains(option), "\(option)")
        }
        #expect(root.stdout.contains("SUBCOMMANDS:") && root.stdout.contains("  sweep ") && root.stdout.contains("  list "))
        // Values and defaults come with each option (compared with the line wrapping undone).
        let flat = root.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("A built-in KPU SKU (default: kpu-t256). (values: kpu-t64, kpu-t128, kpu-t256, kpu-t768)"))
        #expect(flat.contains("vector-engine - bias adds and activations ride the matmul's drain"))
        #expect(flat.contains("(values: kpu-16nm, horowitz-45nm, eyeriss-65nm; default: kpu-16nm)"))
        for arguments in [["--help"], ["run", "--help"], ["sweep", "--help"], ["merge", "--help"], ["list", "--help"], ["help", "sweep"]] {
            let run = try CommandRun(arguments)
            #expect(run.status == 0, "\(arguments)")
            let examples = try #require(run.stdout.components(separatedBy: "\nEXAMPLES:\n").last, "\(arguments)")
            let lines = examples.split(separator: "\n")
            #expect((2...3).contains(lines.count) && lines.allSatisfy { $0.hasPrefix("  generate-report") }, "\(arguments): \(examples)")
        }
        #expect(try CommandRun(["help", "sweep"]).stdout.contains("--shard <i/n>"))
        #expect(try CommandRun(["--version"]).stdout == "0.2.0\n")
    }

    /// Every option of run that takes one value is checked for repetition; the rest are repeatable.
    @Test func everySingleValuedOptionIsCheckedForRepetition() throws {
        let help = try CommandRun(["run", "--help"]).stdout
        let options = Set(
            help.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                guard let first = words.first, first.hasPrefix("--"), words.count > 1, words[1].hasPrefix("<") else { return nil }
                return String(first)
            })
        let checked = [
            "--model", "--config", "--onnx", "--batch", "--seq", "--precision", "--aggregate-hidden-states", "--hardware",
            "--hardware-file", "--profile", "--energy-table", "--fusion", "--residency", "--out", "--date", "--commit", "--format", "--templates",
            "--baseline", "--noise-threshold", "--fail-on-regression", "--fail-metrics"
        ]
        #expect(options == Set(checked + ["--dim"]))
        for option in checked {
            let run = try CommandRun((option == "--model" ? [] : ["--model", "bert-tiny"]) + [option, "x", option, "y"])
            #expect(run.status == 2 && run.stderr.contains("\(option) is given 2 times (x, y)"), "\(option): \(run.stderr)")
        }
    }

    @Test func listNamesPresetsSKUsProfilesTablesAndPolicies() throws {
        let run = try CommandRun(["list"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("  bert-base-uncased             BERT          12 × 768 × 12    109,482,240\n"))
        #expect(run.stdout.contains("  albert-base-v2                ALBERT        12 × 768 × 12     11,683,584\n"))
        #expect(run.stdout.contains("  kpu-t256   Stillwater KPU-T256   256 tiles   15W, 30W*, 50W\n"))
        #expect(run.stdout.contains("  horowitz-45nm   Horowitz, ISSCC 2014"))
        #expect(run.stdout.contains("  epilogue          also the residual add and the LayerNorm after it"))
        #expect(run.stdout.contains("  flash-attention   also each attention block as one kernel, the scores kept on chip"))
        #expect(run.stdout.hasSuffix("Precisions (--precision): fp32, bf16, fp16, int8\n"))
        #expect(try run.written() == [])
    }

    /// Bad input: one line on stderr naming the problem and the fix, exit 2, nothing written.
    @Test(arguments: [
        (
            ["--model", "bert-huge"],
            "The value 'bert-huge' is invalid for '--model <preset>'. Please provide one of the following: bert-tiny, bert-mini, bert-small, bert-medium, bert-base-uncased, bert-large-uncased, all-MiniLM-L6-v2, roberta-base, xlm-roberta-base, distilbert-base-uncased, albert-base-v2, electra-small-discriminator; see 'generate-report --help'"
        ),
        (
            ["--model", "bert-tiny", "--seq", "600"],
            "--seq 600: bert-tiny takes at most 512 tokens (max_position_embeddings); give --seq 512 or less (the default is 128)"
        ),
        (
            ["--model", "roberta-base", "--seq", "513"],
            "--seq 513: roberta-base takes at most 512 tokens (max_position_embeddings 514, less the 2 positions up to the padding index); give --seq 512 or less (the default is 128)"
        ),
        (["--model", "bert-tiny", "--batch", "0"], "--batch 0: the batch must be at least 1"),
        (
            ["--model", "bert-tiny", "--precision", "fp64"],
            "The value 'fp64' is invalid for '--precision <precision>'. Please provide one of 'fp32', 'bf16', 'fp16' or 'int8'; see 'generate-report --help'"
        ),
        (
            ["--model", "bert-tiny", "--aggregate-hidden-states", "last-9-sum"],
            "bert-tiny: hidden-state aggregation: last-9-sum needs 1 ≤ K ≤ 3 (the embedding output and 2 layer outputs)"
        ),
        (
            ["--model", "bert-tiny", "--format", "pdf"],
            "The value 'pdf' is invalid for '--format <format>'. Please provide one of 'html', 'json' or 'both'; see 'generate-report --help'"
        ),
        (["--model", "bert-tiny", "--config", "c.json"], "give one of --model, --config or --onnx, not several"),
        (["--config", "absent.json"], "absent.json: cannot read the config file (no such file); check the path"),
        (["--model", "bert-tiny", "--colour", "red"], "Unknown option '--colour'; see 'generate-report --help'"),
        (
            ["--model", "bert-tiny", "--hardware", "kpu-t9"],
            "The value 'kpu-t9' is invalid for '--hardware <sku>'. Please provide one of 'kpu-t64', 'kpu-t128', 'kpu-t256' or 'kpu-t768'; see 'generate-report --help'"
        ),
        (["--model", "bert-tiny", "--profile", "90W"], "built-in kpu-t256: --profile: 90W is not a thermal profile of this SKU; profiles: 15W, 30W, 50W"),
        (
            ["--model", "bert-tiny", "--energy-table", "guess"],
            "The value 'guess' is invalid for '--energy-table <table>'. Please provide one of 'kpu-16nm', 'horowitz-45nm' or 'eyeriss-65nm'; see 'generate-report --help'"
        ),
        (
            ["--model", "bert-tiny", "--fusion", "all"],
            "The value 'all' is invalid for '--fusion <policy>'. Please provide one of 'none', 'vector-engine', 'epilogue' or 'flash-attention'; see 'generate-report --help'"
        ),
        (["sweep", "--model", "bert-tiny", "--colour", "red"], "Unknown option '--colour'; see 'generate-report sweep --help'"),
        (
            ["--model", "bert-tiny", "--model", "bert-mini"],
            "--model is given 2 times (bert-tiny, bert-mini); a run takes one. To report on each, use 'generate-report sweep --model bert-tiny --model bert-mini'"
        ),
        (
            ["--model", "bert-tiny", "--fusion=none", "--fusion", "epilogue"],
            "--fusion is given 2 times (none, epilogue); a run takes one. To report on each, use 'generate-report sweep --fusion none --fusion epilogue'"
        ),
        (["--model", "bert-tiny", "--out", "a", "--out", "b"], "--out is given 2 times (a, b); give it once"),
        (["sweep", "--model", "bert-tiny", "--profile", "6W", "--profile", "3W"], "--profile is given 2 times (6W, 3W); give it once"),
        (["--model", "bert-tiny", "--hardware-file", "absent.yaml"], "absent.yaml: cannot read the hardware file (no such file); check the path"),
        (
            ["--onnx", Fixture.path("onnx-transformers/vit-base-4l.legacy14.onnx"), "--seq", "128"],
            "\(Fixture.path("onnx-transformers/vit-base-4l.legacy14.onnx")): its inputs (pixel_values [1, 3, 224, 224]) have no sequence axis, so --seq 128 does not apply; the graph fixes 197 tokens"
        ),
        (
            ["--config", Fixture.path("configs/bert-base-uncased-relative-key.json")],
            "\(Fixture.path("configs/bert-base-uncased-relative-key.json")): position_embedding_type: is \"relative_key\"; this tool models \"absolute\" position embeddings only (relative_key and relative_key_query add a distance embedding to every attention layer); export the model to ONNX and pass --onnx"
        )
    ])
    func badOptionsFailCleanly(arguments: [String], message: String) throws {
        let run = try CommandRun(arguments)
        #expect(run.status == 2)
        #expect(run.stderr == "generate-report: error: \(message)\n")
        #expect(run.stdout.isEmpty)
        #expect(try run.written() == [])
    }

    @Test(arguments: [
        (
            #"{"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12}"#,
            "c.json: intermediate_size: is missing; add it (bert-base-uncased has 3072)"
        ),
        (
            #"{"hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 3, "intermediate_size": 400}"#,
            "c.json: hidden_size: 100 is not divisible by num_attention_heads 3; each head needs hidden_size / num_attention_heads features"
        ),
        (
            #"{"hidden_size": 128, "num_hidden_layers": 0, "num_attention_heads": 2, "intermediate_size": 512}"#,
            "c.json: num_hidden_layers: is 0; it must be at least 1"
        ),
        (
            "{\n\"hidden_size\": 128,\n\"num_hidden_layers\": 2 \"x\"\n}",
            "c.json: line 3, column 24: is not valid JSON; fix the syntax there (a Hugging Face config.json is one JSON object)"
        )
    ])
    func badConfigFailsCleanly(json: String, message: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(json.utf8).write(to: folder.appendingPathComponent("c.json"))
        let run = try CommandRun(["--config", "c.json"], in: folder)
        #expect(run.status == 2)
        #expect(run.stderr == "generate-report: error: \(message)\n")
        #expect(try run.written(except: ["c.json"]) == [])
    }

    /// Publishing exchanges the whole --out folder: one that is not the site's own is refused
    /// before anything is modelled or written.
    @Test func outFoldersThatAreNotASitesOwnAreRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        let work = folder.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("repo/.git"), withIntermediateDirectories: true)
        let tool = CommandRun.binary.deletingLastPathComponent()
        let cases: [(String, String)] = [
            ("", "--out '': give the site a folder of its own (e.g. --out reports)"),
            (".", "--out .: is the working folder \(work.path)"),
            ("..", "--out ..: holds the working folder \(work.path)"),
            ("repo", "--out repo: is a git repository"),
            (tool.deletingLastPathComponent().path, "--out \(tool.deletingLastPathComponent().path): holds generate-report itself (\(tool.path))")
        ]
        for (out, message) in cases {
            let run = try CommandRun(["--model", "bert-tiny", "--out", out], in: work)
            #expect(run.status == 2, "\(out)")
            #expect(run.stderr.hasPrefix("generate-report: error: \(message)"), "\(out): \(run.stderr)")
            #expect(run.stderr.filter { $0 == "\n" }.count == 1)
        }
        // Nothing was written, nothing was locked or staged beside the folders.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["repo"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["work"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("repo").path) == [".git"])
    }

    @Test func publishingLeavesNoLockFile() throws {
        let run = try CommandRun(["--model", "bert-tiny", "--out", "site", "--format", "json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(try run.written() == ["site"])
    }

    /// Messages that give the right fix: a folder where a file goes, a hardware file without
    /// rates at the chosen precision, a default --seq beyond a config's positions.
    @Test func foldersPrecisionsAndPositionsGetMessagesThatSayWhatToDo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        let fm = FileManager.default
        for name in ["empty", "exports", "skus", "MiniLM"] {
            try fm.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try fm.copyItem(at: Self.fixtures.appendingPathComponent("bert-tiny.ortfused.onnx"), to: folder.appendingPathComponent("exports/model.onnx"))
        let sku = try String(contentsOf: Fixture.repositoryRoot.appendingPathComponent("data/hardware/kpu-t64.yaml"), encoding: .utf8)
        // Only the BF16-primary tile class runs fp32: without that line, the SKU has no fp32 rate.
        try Data(sku.replacingOccurrences(of: "        fp32: 512.0\n", with: "").utf8).write(to: folder.appendingPathComponent("skus/no-fp32.yaml"))
        // A sentence-transformers checkpoint: config.json in the folder, 64 positions.
        let config =
            #"{"model_type": "bert", "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 512, "max_position_embeddings": 64}"#
        try Data(config.utf8).write(to: folder.appendingPathComponent("MiniLM/config.json"))
        let cases: [([String], String)] = [
            (["--config", "empty"], "empty: is a folder without a config.json; --config takes a Hugging Face config.json or the folder holding it"),
            (["--onnx", "exports"], "exports: is a folder; --onnx takes an ONNX export (.onnx file); it holds model.onnx: give --onnx exports/model.onnx"),
            (
                ["--model", "bert-tiny", "--hardware-file", "skus"],
                "skus: is a folder; --hardware-file takes a ComputeProduct YAML file; it holds no-fp32.yaml: give --hardware-file skus/no-fp32.yaml"
            ),
            (
                ["--model", "bert-tiny", "--hardware-file", "skus/no-fp32.yaml", "--precision", "fp32"],
                "skus/no-fp32.yaml: tiles[].ops_per_tile_per_clock: no tile class has a rate for fp32; give --precision bf16 or fp16 or int8, which it has"
            ),
            // The folder's config.json is used; the default --seq is longer than its positions.
            (["--config", "MiniLM"], "--seq defaults to 128, but MiniLM takes at most 64 tokens (max_position_embeddings); give --seq 64 or less")
        ]
        for (arguments, message) in cases {
            let run = try CommandRun(arguments, in: folder)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr == "generate-report: error: \(message)\n", "\(arguments)")
        }
        #expect(try CommandRun(["--config", "MiniLM", "--seq", "64", "--format", "json"], in: folder).status == 0)
        #expect(
            try CommandRun(["--model", "bert-tiny", "--hardware-file", "skus/no-fp32.yaml", "--precision", "bf16", "--format", "json"], in: folder).status == 0)
    }

    @Test func unwritableOutputFolderFailsCleanly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent("taken"))
        // A folder below a plain file cannot be created, even by root.
        let run = try CommandRun(["--model", "bert-tiny", "--out", "taken/site"], in: folder)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("generate-report: error: \(folder.path)/taken/site: cannot create the output folder ("))
        #expect(run.stderr.hasSuffix("); choose a writable folder with --out\n"))
        #expect(run.stderr.filter { $0 == "\n" }.count == 1)
        #expect(try run.written(except: ["taken"]) == [])
    }
}
