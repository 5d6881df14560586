import ArgumentParser
import Foundation
import KPUModel
import ModelGraph
import Pipeline
import Report

/// `generate-report`: builds a BERT graph, classifies its adds, and publishes a validated report.
///
/// The stages live in their own modules (run through `Pipeline`); this command only reads
/// options and maps every failure to one line on stderr: exit 2 for bad input, 3 for a
/// regression beyond --fail-on-regression.
@main
struct GenerateReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-report",
        abstract: "Report where a BERT model's tensor additions spend memory traffic, energy and time on a KPU, as a static HTML site.",
        discussion: """
        Without a subcommand, reports one configuration (the `run` options below).
        Writes <out>/<run-id>/ (index.html, report.json, schedule.json, trace.json, adds.csv, ops.csv), \
        <out>/index.html listing every run, <out>/latest/ and <out>/history.jsonl.
        The run id is derived from the options, so the same inputs always land in the same folder.
        Presets: \(BertConfig.presetNames.joined(separator: ", ")).
        """,
        version: ToolInfo.version,
        subcommands: [RunCommand.self, SweepCommand.self, MergeCommand.self],
        defaultSubcommand: RunCommand.self
    )

    static func main() {
        DefaultTemplates.startLoading()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as RegressionFound {
            FileHandle.standardError.write(Data("generate-report: regression: \(error.lines.joined(separator: "; "))\n".utf8))
            Foundation.exit(3)
        } catch let error as RunRequestError {
            fail(error.description)
        } catch let error as SweepError {
            fail(error.description)
        } catch let error as GraphError {
            fail(error.description)
        } catch let error as ReportError {
            fail(error.description)
        } catch let error as HardwareError {
            fail(error.description)
        } catch {
            // Help and --version exit 0 through here; a malformed command line is a usage error.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            fail("\(message(for: error)); see 'generate-report --help'")
        }
    }

    /// One line on stderr, exit code 2: the contract for every kind of bad input.
    static func fail(_ message: String) -> Never {
        let line = "generate-report: error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        Foundation.exit(2)
    }
}

/// Headline metrics regressed beyond --fail-on-regression; the site was still published.
struct RegressionFound: Error {
    let lines: [String]
}

/// Where and how the site is written; shared by every subcommand.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The site folder to write into.", valueName: "dir"))
    var out: String = "reports"

    @Option(name: .long, help: ArgumentHelp("The date the pages and history name, YYYY-MM-DD (default: SOURCE_DATE_EPOCH if set, else no date).", valueName: "date"))
    var date: String?

    @Option(name: .long, help: ArgumentHelp("The commit history.jsonl records (default: GITHUB_SHA or CI_COMMIT_SHA).", valueName: "sha"))
    var commit: String?

    @Option(name: .long, help: ArgumentHelp("What to write: html, json or both.", valueName: "format"))
    var format: String = "both"

    @Option(name: .long, help: ArgumentHelp("Folder of Mustache templates (default: templates/ here or beside the binary, else the built-in copy).", valueName: "dir"))
    var templates: String?

    @Option(name: .long, help: ArgumentHelp("A previous report.json or site folder: pages show baseline, current, change and a verdict.", valueName: "path"))
    var baseline: String?

    @Option(name: .customLong("noise-threshold"), help: ArgumentHelp("Changes within this many percent count as noise.", valueName: "pct"))
    var noiseThreshold: Double = 1

    @Option(name: .customLong("fail-on-regression"), help: ArgumentHelp("Exit 3 when a chosen metric regressed by more than this many percent against --baseline.", valueName: "pct"))
    var failOnRegression: Double?

    @Option(name: .customLong("fail-metrics"), help: ArgumentHelp("The metrics --fail-on-regression watches: latency, energy, edp, comma-separated.", valueName: "list"))
    var failMetrics: String = "latency,energy,edp"

    func validate() throws {
        if !(0..<100).contains(noiseThreshold) { throw ValidationError("--noise-threshold \(noiseThreshold): give a percentage from 0 to 100") }
        if let failOnRegression, failOnRegression < 0 { throw ValidationError("--fail-on-regression \(failOnRegression): give a percentage of 0 or more") }
        if failOnRegression != nil && baseline == nil { throw ValidationError("--fail-on-regression needs --baseline to compare with") }
        for metric in watchedMetrics where !["latency", "energy", "edp"].contains(metric) {
            throw ValidationError("--fail-metrics: \(metric) is not a metric; use latency, energy, edp")
        }
    }

    var watchedMetrics: Set<String> {
        Set(failMetrics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    func outputFormat() throws -> OutputFormat {
        guard let parsed = OutputFormat(rawValue: format) else {
            throw RunRequestError("--format \(format) is not supported; use html, json or both")
        }
        return parsed
    }

    func publishOptions() throws -> PublishOptions {
        PublishOptions(format: try outputFormat(), commit: History.commit(option: commit, environment: ProcessInfo.processInfo.environment),
                       baseline: try baseline.map { path throws in try BaselineComparison.load(path) }, noiseThreshold: noiseThreshold / 100)
    }

    func pipeline() throws -> RunPipeline {
        RunPipeline(date: try RunPipeline.reportDate(option: date, environment: ProcessInfo.processInfo.environment))
    }

    /// --templates, else a templates/ folder here or beside the binary, else the built-in copy.
    func loadTemplates() throws -> Templates {
        if let templates { return try Templates(directory: URL(fileURLWithPath: templates)) }
        return try DefaultTemplates.loaded()
    }

    /// Prints the written files, and exits 3 through `RegressionFound` if asked to.
    func finish(_ outcome: SweepOutcome, runFiles: Bool) throws {
        let root = URL(fileURLWithPath: out).standardizedFileURL
        if runFiles {
            for run in outcome.runs {
                for file in run.files { print(relative(root.appendingPathComponent(run.runID).appendingPathComponent(file))) }
            }
        }
        for file in outcome.siteFiles { print(relative(file)) }
        if let threshold = failOnRegression, let comparison = outcome.comparison {
            let regressions = comparison.regressions(beyond: threshold, metrics: watchedMetrics)
            if !regressions.isEmpty { throw RegressionFound(lines: regressions) }
        }
    }

    func relative(_ url: URL) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(here) ? String(url.path.dropFirst(here.count)) : url.path
    }
}

/// The hardware and fusion options, one value each (run) or repeatable (sweep).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Report on one configuration (the default).")

    @Option(name: .long, help: ArgumentHelp("A built-in model.", valueName: "preset"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("A Hugging Face BERT config.json instead of a preset.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("An ONNX export of a BERT model (torch legacy or dynamo exporter, onnxruntime-optimised).", valueName: "file"))
    var onnx: String?

    @Option(name: .customLong("dim"), help: ArgumentHelp("Binds a symbolic dimension of an ONNX input, e.g. --dim batch=8 (repeatable).", valueName: "name=value"))
    var dimensions: [String] = []

    @Option(name: .long, help: "Sequences per forward pass (default 1).")
    var batch: Int?

    @Option(name: .long, help: "Tokens per sequence, at most the model's max_position_embeddings (default 128).")
    var seq: Int?

    @Option(name: .long, help: ArgumentHelp("Element type of weights and activations: fp32, bf16, fp16 or int8.", valueName: "precision"))
    var precision: String?

    @Option(name: .customLong("aggregate-hidden-states"), help: ArgumentHelp("Pool hidden states across layers: none, last-K-sum (e.g. last-4-sum) or all-mean.", valueName: "mode"))
    var aggregateHiddenStates: String = "none"

    @Option(name: .long, help: ArgumentHelp("A built-in KPU SKU: \(KPUHardware.builtInNames.joined(separator: ", ")).", valueName: "sku"))
    var hardware: String?

    @Option(name: .customLong("hardware-file"), help: ArgumentHelp("A branes ComputeProduct YAML describing a KPU, instead of a built-in SKU.", valueName: "file"))
    var hardwareFile: String?

    @Option(name: .long, help: ArgumentHelp("Thermal profile of the SKU (default: the file's default_thermal_profile).", valueName: "name"))
    var profile: String?

    @Option(name: .customLong("energy-table"), help: ArgumentHelp("Energy per event: \(EnergyTable.names.joined(separator: ", ")).", valueName: "table"))
    var energyTable: String = "kpu-16nm"

    @Option(name: .long, help: ArgumentHelp("What rides the matmul drain: none, vector-engine or epilogue.", valueName: "policy"))
    var fusion: String = "vector-engine"

    @OptionGroup var site: SiteOptions

    func request() throws -> RunRequest {
        let sources = [model, config, onnx].compactMap { $0 }
        guard sources.count == 1 else {
            throw RunRequestError(sources.isEmpty
                ? "give --model PRESET, --config FILE or --onnx FILE; presets: \(BertConfig.presetNames.joined(separator: ", "))"
                : "give one of --model, --config or --onnx, not several")
        }
        let modelSource: RunRequest.Model = if let model { .preset(model) } else if let config { .config(config) } else { .onnx(onnx!) }
        let hardwareSource: RunRequest.Hardware
        switch (hardware, hardwareFile) {
        case (.some, .some): throw RunRequestError("give either --hardware or --hardware-file, not both")
        case (nil, let path?): hardwareSource = .file(path)
        case (let name, nil): hardwareSource = .builtIn(name ?? RunDescriptor.HardwareChoice.defaultSKU)
        }
        return RunRequest(model: modelSource, batch: batch, seq: seq, precision: precision, aggregation: aggregateHiddenStates,
                          dimensions: dimensions, hardware: hardwareSource, profile: profile, energyTable: energyTable, fusion: fusion)
    }

    func run() throws {
        let request = try request()
        let options = try site.publishOptions()
        let pipeline = try site.pipeline()
        // Parsing the templates is independent of the model: it runs beside the whole analysis.
        let site = self.site
        var (report, templates) = try concurrently({ try pipeline.report(request) }, { try site.loadTemplates() })
        options.attachBaseline(to: &report, runCount: 1)
        let assembly = try SiteAssembly(root: URL(fileURLWithPath: site.out), templates: templates)
        let summary = try assembly.add(report, format: options.format)
        let comparison = options.baseline.map { BaselineComparison(runs: [summary], baseline: $0, threshold: options.noiseThreshold) }
        let files = try assembly.publish(latest: summary.runID, history: [HistoryEntry(report: report, commit: options.commit)],
                                         comparison: comparison.map { ComparisonPage(runs: [summary], baseline: $0) }, pages: options.format.writesHTML)
        try site.finish(SweepOutcome(runs: [summary], comparison: comparison, siteFiles: files), runFiles: true)
    }
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Report on a grid of configurations into one site, with a comparison page.",
        discussion: """
        The grid is models × seq × batch × precision × hardware × fusion × energy table, from repeated options \
        or a YAML file (--grid; see README). Runs use every core; the site is the same as a serial run's and \
        is published in one step once every run succeeded. --shard I/N runs every N-th configuration, \
        starting at the I-th, for a CI matrix; 'generate-report merge' combines the shards' sites.
        """
    )

    @Option(name: .long, help: ArgumentHelp("A YAML file describing the grid (options below add to it).", valueName: "file"))
    var grid: String?

    @Option(name: .long, help: ArgumentHelp("A built-in model (repeatable).", valueName: "preset"))
    var model: [String] = []

    @Option(name: .long, help: ArgumentHelp("A Hugging Face config.json (repeatable).", valueName: "file"))
    var config: [String] = []

    @Option(name: .long, help: ArgumentHelp("An ONNX export (repeatable).", valueName: "file"))
    var onnx: [String] = []

    @Option(name: .customLong("dim"), help: ArgumentHelp("Binds a symbolic ONNX dimension (repeatable).", valueName: "name=value"))
    var dimensions: [String] = []

    @Option(name: .long, help: "Sequence lengths (repeatable).")
    var seq: [Int] = []

    @Option(name: .long, help: "Batch sizes (repeatable).")
    var batch: [Int] = []

    @Option(name: .long, help: ArgumentHelp("Precisions (repeatable).", valueName: "precision"))
    var precision: [String] = []

    @Option(name: .customLong("aggregate-hidden-states"), help: ArgumentHelp("Hidden-state pooling for every run.", valueName: "mode"))
    var aggregateHiddenStates: String?

    @Option(name: .long, help: ArgumentHelp("Built-in SKUs (repeatable).", valueName: "sku"))
    var hardware: [String] = []

    @Option(name: .customLong("hardware-file"), help: ArgumentHelp("ComputeProduct files (repeatable).", valueName: "file"))
    var hardwareFile: [String] = []

    @Option(name: .long, help: ArgumentHelp("Thermal profile for every SKU.", valueName: "name"))
    var profile: String?

    @Option(name: .customLong("energy-table"), help: ArgumentHelp("Energy tables (repeatable).", valueName: "table"))
    var energyTable: [String] = []

    @Option(name: .long, help: ArgumentHelp("Fusion policies (repeatable).", valueName: "policy"))
    var fusion: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only the I-th of N slices of the grid, e.g. 2/4.", valueName: "i/n"))
    var shard: String?

    @OptionGroup var site: SiteOptions

    func sweepGrid() throws -> SweepGrid {
        var grid = try grid.map { path throws in try SweepGrid.load(path) } ?? SweepGrid()
        grid.models += model.map { .preset($0) } + config.map { .config($0) } + onnx.map { .onnx($0) }
        guard !grid.models.isEmpty else { throw RunRequestError("a sweep needs models: give --model, --config, --onnx or --grid FILE") }
        if !seq.isEmpty { grid.seqs = seq }
        if !batch.isEmpty { grid.batches = batch }
        if !precision.isEmpty { grid.precisions = precision }
        let skus = hardware.map { RunRequest.Hardware.builtIn($0) } + hardwareFile.map { .file($0) }
        if !skus.isEmpty { grid.hardware = skus }
        if !energyTable.isEmpty { grid.energyTables = energyTable }
        if !fusion.isEmpty { grid.fusions = fusion }
        if let profile { grid.profile = profile }
        if let aggregateHiddenStates { grid.aggregation = aggregateHiddenStates }
        grid.dimensions += dimensions
        return grid
    }

    func run() throws {
        var requests = try sweepGrid().requests
        if let shard {
            let (index, count) = try SweepGrid.parseShard(shard)
            requests = SweepGrid.shard(requests, index: index, count: count)
            guard !requests.isEmpty else { throw RunRequestError("--shard \(shard): this slice of the grid is empty; use fewer shards") }
        }
        let options = try site.publishOptions()
        let pipeline = try site.pipeline()
        let assembly = try SiteAssembly(root: URL(fileURLWithPath: site.out), templates: try site.loadTemplates())
        let outcome = try Sweep.run(requests, pipeline: pipeline, site: assembly, options: options, progress: SweepProgress(total: requests.count))
        try site.finish(outcome, runFiles: false)
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the sites written by sweep shards into one site (runs, history, index, comparison)."
    )

    @Argument(help: ArgumentHelp("The shards' --out folders.", valueName: "dir"))
    var folders: [String]

    @OptionGroup var site: SiteOptions

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give the shards' site folders to merge") }
    }

    func run() throws {
        let options = try site.publishOptions()
        let assembly = try SiteAssembly(root: URL(fileURLWithPath: site.out), templates: try site.loadTemplates())
        let outcome = try Sweep.merge(folders, into: assembly, options: options)
        try site.finish(outcome, runFiles: false)
    }
}

/// The templates used without --templates (a templates/ folder here or beside the binary, else
/// the built-in copy), parsed on another thread from the moment the process starts: parsing
/// them and parsing the command line take a few milliseconds each, and neither needs the other.
enum DefaultTemplates {
    /// Started by the first use: `startLoading()` at start-up, else the first `loaded()`.
    private static let loading = BackgroundJob { try load() }

    static func startLoading() { _ = loading }

    /// The templates parsed since start-up, waiting for them if need be.
    static func loaded() throws -> Templates { try loading.result() }

    private static func load() throws -> Templates {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "/proc/self/exe")
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return try Templates.locate(executable: executable, workingDirectory: here).map { directory throws in try Templates(directory: directory) }
            ?? Templates.bundled()
    }
}
