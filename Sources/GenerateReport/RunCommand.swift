import Support
import ArgumentParser
import Foundation
import KPUModel
import ConfigFrontend
import ModelGraph
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

/// `generate-report [run]`: one configuration into the site.
struct RunCommand: ParsableCommand, HasExamples, SingleValuedOptions {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Report on one configuration (the default: 'generate-report --model …' is 'generate-report run --model …').",
        discussion: """
            Writes <out>/<run-id>/ (index.html, report.json, schedule.json, trace.json, adds.csv, ops.csv), \
            <out>/index.html listing every run, <out>/latest/ and <out>/history.jsonl. The run id is derived from \
            the options, so the same inputs always land in the same folder. Each option takes one value; to report \
            on several, use 'generate-report sweep'. 'generate-report list' prints the presets, SKUs and their \
            profiles, energy tables and fusion policies. With no options at all it writes the default report: \
            \(RunRequest.defaultModel) at \(RunRequest.defaultPrecision.rawValue) on \(RunDescriptor.HardwareChoice.defaultSKU) into reports/.
            """
    )

    static let examples = [
        "generate-report --model bert-base-uncased",
        "generate-report --onnx Tests/Fixtures/onnx/bert-tiny.dynamo18.onnx --hardware kpu-t64 --fusion epilogue",
        "generate-report --config my-bert/ --seq 384 --precision bf16 --baseline reports/ --fail-on-regression 2"
    ]

    @Option(name: .long, help: ArgumentHelp("A built-in model (default: \(RunRequest.defaultModel)).", valueName: "preset"))
    var model: PresetName?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A Hugging Face config.json of a bert, roberta, xlm-roberta, distilbert, albert or electra encoder, or the folder holding it, instead of a preset.",
            valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("An ONNX export of any transformer (torch legacy or dynamo exporter, onnxruntime-optimised).", valueName: "file"))
    var onnx: String?

    @Option(
        name: .customLong("dim"), help: ArgumentHelp("Binds a symbolic dimension of an ONNX input, e.g. --dim batch=8 (repeatable).", valueName: "name=value"))
    var dimensions: [String] = []

    @Option(name: .long, help: ArgumentHelp("Sequences per forward pass (default: 1; an ONNX file with a static shape keeps its own).", valueName: "n"))
    var batch: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Tokens per sequence, at most the model's positions (default: 128; an ONNX file with a static shape keeps its own, and one without a sequence input takes its tokens from the graph).",
            valueName: "n"))
    var seq: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Element type of weights and activations (default: \(RunRequest.defaultPrecision.rawValue), the KPU's precision for transformers; an ONNX file keeps its own).",
            valueName: "precision"))
    var precision: Precision?

    @Option(
        name: .customLong("aggregate-hidden-states"),
        help: ArgumentHelp("Pool hidden states across layers: none, last-K-sum (K−1 adds, e.g. last-4-sum) or all-mean. (default: none)", valueName: "mode"),
        transform: HiddenStateAggregation.parseOption)
    var aggregateHiddenStates: HiddenStateAggregation = .none

    @Option(name: .long, help: ArgumentHelp("A built-in KPU SKU (default: \(RunDescriptor.HardwareChoice.defaultSKU)).", valueName: "sku"))
    var hardware: SKUName?

    @Option(
        name: .customLong("hardware-file"), help: ArgumentHelp("A branes ComputeProduct YAML describing a KPU, instead of a built-in SKU.", valueName: "file"))
    var hardwareFile: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Thermal profile of the SKU (default: the file's default_thermal_profile; 'generate-report list' names them).", valueName: "name"))
    var profile: String?

    @Option(name: .customLong("energy-table"), help: ArgumentHelp("Energy per event.", valueName: "table"))
    var energyTable = EnergyTableName(checked: RunDescriptor.HardwareChoice.defaultEnergyTable)

    @Option(name: .long, help: ArgumentHelp("What rides the matmul drain.", valueName: "policy"))
    var fusion: FusionPolicy = .vectorEngine

    @Option(name: .long, help: ArgumentHelp("Where activations live between ops.", valueName: "l3|dram"))
    var residency: Residency = .l3

    @OptionGroup var site: SiteOptions

    /// The options above that take one value, and those of them `sweep` takes several of.
    static let singleValued =
        [
            "--model", "--config", "--onnx", "--batch", "--seq", "--precision", "--aggregate-hidden-states",
            "--hardware", "--hardware-file", "--profile", "--energy-table", "--fusion", "--residency"
        ] + SiteOptions.singleValued
    static let sweepable: Set<String> = [
        "--model", "--config", "--onnx", "--batch", "--seq", "--precision", "--hardware",
        "--hardware-file", "--energy-table", "--fusion", "--residency"
    ]

    func request() throws -> RunRequest {
        let sources = [model?.name, config, onnx].compactMap { $0 }
        guard sources.count <= 1 else { throw RunRequestError("give one of --model, --config or --onnx, not several") }
        // None named: the default report.
        let modelSource: RunRequest.Model =
            if let config { .config(config) } else if let onnx { .onnx(onnx) } else { .preset(model?.name ?? RunRequest.defaultModel) }
        let hardwareSource: RunRequest.Hardware
        switch (hardware, hardwareFile) {
        case (.some, .some): throw RunRequestError("give either --hardware or --hardware-file, not both")
        case (nil, let path?): hardwareSource = .file(path)
        case (let sku, nil): hardwareSource = .builtIn(sku?.name ?? RunDescriptor.HardwareChoice.defaultSKU)
        }
        return RunRequest(
            model: modelSource, batch: batch, seq: seq, precision: precision, aggregation: aggregateHiddenStates,
            dimensions: dimensions, hardware: hardwareSource, profile: profile, energyTable: energyTable.name, fusion: fusion, residency: residency)
    }

    func run() throws {
        let request = try request()
        let options = try site.publishOptions()
        let pipeline = try site.pipeline()
        // Parsing the templates is independent of the model: it runs beside the whole analysis.
        let site = self.site
        var (report, templates) = try concurrently({ try pipeline.report(request) }, { try site.loadTemplates() })
        options.attachBaseline(to: &report, runCount: 1)
        let assembly = try Publisher(root: URL(fileURLWithPath: site.out), templates: templates)
        let summary = try assembly.add(report, format: options.format)
        let comparison = options.baseline.map { BaselineComparison(runs: [summary], baseline: $0, threshold: options.noiseThreshold) }
        let files = try assembly.publish(
            latest: summary.runID, history: [HistoryEntry(report: report, commit: options.commit)],
            comparison: comparison.map { ComparisonPage(runs: [summary], baseline: $0) }, pages: options.format.writesHTML)
        try site.finish(SweepOutcome(runs: [summary], comparison: comparison, siteFiles: files), runFiles: true)
    }
}

/// A command's options that take one value, and those of them `sweep` takes several of.
protocol SingleValuedOptions {
    static var singleValued: [String] { get }
    static var sweepable: Set<String> { get }
}

/// A single-valued option given more than once: parsing keeps the last, so a run would quietly
/// drop the others. Found in the raw arguments before they are parsed: the parsed values cannot
/// show it, and a value refused by parsing would hide it.
enum RepeatedOptions {
    /// Each of `names` given more than once, with its values in order (`--name value` and `--name=value`).
    static func find(in arguments: [String], names: [String]) -> [(name: String, values: [String])] {
        var values: [String: [String]] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--"), names.contains(String(argument[..<equals])) {
                values[String(argument[..<equals]), default: []].append(String(argument[argument.index(after: equals)...]))
            } else if names.contains(argument) {
                values[argument, default: []].append(index + 1 < arguments.count ? arguments[index + 1] : "")
                index += 1
            }
            index += 1
        }
        return names.compactMap { name in values[name].flatMap { $0.count > 1 ? (name, $0) : nil } }
    }

    /// Throws for the first repeated option, pointing to `sweep` for those it takes several of.
    static func check(_ arguments: [String], singleValued: [String], sweepable: Set<String>) throws {
        guard let (name, values) = find(in: arguments, names: singleValued).first else { return }
        let given = "\(name) is given \(values.count) times (\(values.joined(separator: ", ")))"
        if sweepable.contains(name) {
            throw RunRequestError(
                "\(given); a run takes one. To report on each, use 'generate-report sweep "
                    + values.map { "\(name) \($0)" }.joined(separator: " ") + "'")
        }
        throw RunRequestError("\(given); give it once")
    }
}
