import ArgumentParser
import Foundation
import KPUModel
import ModelGraph
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

/// `generate-report sweep`: a grid of configurations into one site, with a comparison page.
struct SweepCommand: ParsableCommand, HasExamples, SingleValuedOptions {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Report on a grid of configurations into one site, with a comparison page.",
        discussion: """
            The grid is models × seq × batch × precision × hardware × fusion × residency × energy table, from repeated options \
            or a YAML file (--grid; see README). Runs use every core; the site is the same as a serial run's and \
            is published in one step once every run succeeded. --shard I/N runs every N-th configuration, \
            starting at the I-th, for a CI matrix; 'generate-report merge' combines the shards' sites.
            """
    )

    static let examples = [
        "generate-report sweep --model bert-base-uncased --model bert-large-uncased --seq 128 --seq 512 --hardware kpu-t64 --hardware kpu-t256",
        "generate-report sweep --grid sweeps/nightly.yaml --baseline last-night/ --fail-on-regression 2",
        "generate-report sweep --grid sweeps/design-space.yaml --pages pareto --shard 1/4 --out shard1"
    ]

    @Option(name: .long, help: ArgumentHelp("A YAML file describing the grid (options below add to it).", valueName: "file"))
    var grid: String?

    @Option(name: .long, help: ArgumentHelp("Built-in models (repeatable).", valueName: "preset"))
    var model: [PresetName] = []

    @Option(name: .long, help: ArgumentHelp("Hugging Face config.json files or the folders holding them (repeatable).", valueName: "file"))
    var config: [String] = []

    @Option(name: .long, help: ArgumentHelp("ONNX exports (repeatable).", valueName: "file"))
    var onnx: [String] = []

    @Option(name: .customLong("dim"), help: ArgumentHelp("Binds a symbolic ONNX dimension (repeatable).", valueName: "name=value"))
    var dimensions: [String] = []

    @Option(name: .long, help: ArgumentHelp("Sequence lengths (repeatable; default: 128).", valueName: "n"))
    var seq: [Int] = []

    @Option(name: .long, help: ArgumentHelp("Batch sizes (repeatable; default: 1).", valueName: "n"))
    var batch: [Int] = []

    @Option(name: .long, help: ArgumentHelp("Precisions (repeatable; default: fp32).", valueName: "precision"))
    var precision: [Precision] = []

    @Option(
        name: .customLong("aggregate-hidden-states"),
        help: ArgumentHelp("Hidden-state pooling for every run: none, last-K-sum or all-mean.", valueName: "mode"),
        transform: HiddenStateAggregation.parseOption)
    var aggregateHiddenStates: HiddenStateAggregation?

    @Option(name: .long, help: ArgumentHelp("Built-in SKUs (repeatable; default: \(RunDescriptor.HardwareChoice.defaultSKU)).", valueName: "sku"))
    var hardware: [SKUName] = []

    @Option(name: .customLong("hardware-file"), help: ArgumentHelp("ComputeProduct files (repeatable).", valueName: "file"))
    var hardwareFile: [String] = []

    @Option(name: .long, help: ArgumentHelp("Thermal profile for every SKU.", valueName: "name"))
    var profile: String?

    @Option(
        name: .customLong("energy-table"),
        help: ArgumentHelp("Energy tables (repeatable; default: \(RunDescriptor.HardwareChoice.defaultEnergyTable)).", valueName: "table"))
    var energyTable: [EnergyTableName] = []

    @Option(name: .long, help: ArgumentHelp("Fusion policies (repeatable; default: vector-engine).", valueName: "policy"))
    var fusion: [FusionPolicy] = []

    @Option(name: .long, help: ArgumentHelp("Where activations live between ops (repeatable; default: l3).", valueName: "l3|dram"))
    var residency: [Residency] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A KPU parameter to sweep on top of each SKU, e.g. --vary l3_mib=16,32,64 (repeatable; every combination runs). Knobs: "
                + HardwareKnob.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; ") + ".",
            valueName: "knob=v1,v2,…"))
    var vary: [String] = []

    @Option(name: .long, help: ArgumentHelp("Run only the I-th of N slices of the grid, e.g. 2/4.", valueName: "i/n"))
    var shard: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Which runs get pages: all, pareto (only runs on the latency–energy Pareto front; the rest are modelled without the fusion what-ifs and listed in sweep.csv and the comparison page) or none.",
            valueName: "all|pareto|none"))
    var pages: SweepPages = .all

    @OptionGroup var site: SiteOptions

    static let singleValued = ["--grid", "--aggregate-hidden-states", "--profile", "--shard", "--pages"] + SiteOptions.singleValued
    static let sweepable: Set<String> = []

    func sweepGrid() throws -> SweepGrid {
        var grid = try grid.map { path throws in try SweepGrid.load(path) } ?? SweepGrid()
        grid.models += model.map { .preset($0.name) } + config.map { .config($0) } + onnx.map { .onnx($0) }
        guard !grid.models.isEmpty else { throw RunRequestError("a sweep needs models: give --model, --config, --onnx or --grid FILE") }
        if !seq.isEmpty { grid.seqs = seq }
        if !batch.isEmpty { grid.batches = batch }
        if !precision.isEmpty { grid.precisions = precision }
        let skus = hardware.map { RunRequest.Hardware.builtIn($0.name) } + hardwareFile.map { .file($0) }
        if !skus.isEmpty { grid.hardware = skus }
        if !energyTable.isEmpty { grid.energyTables = energyTable.map(\.name) }
        if !fusion.isEmpty { grid.fusions = fusion }
        if !residency.isEmpty { grid.residencies = residency }
        for text in vary {
            let (knob, values) = try SweepGrid.knobValues(text, source: "--vary")
            grid.vary[knob] = values
        }
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
        let assembly = try Publisher(root: URL(fileURLWithPath: site.out), templates: try site.loadTemplates())
        let outcome = try Sweep.run(
            requests, pipeline: pipeline, site: assembly, options: options, pages: pages, progress: SweepProgress(total: requests.count))
        try site.finish(outcome, runFiles: false)
    }
}
