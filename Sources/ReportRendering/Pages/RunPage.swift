import AddAnalysis
import Support
import ReportModel
import KPUModel
import ModelGraph

/// The run page's view model: every value pre-formatted, every chart laid out. The template
/// only places these values.
struct RunPage: Sendable {
    struct Fact: Sendable {
        var label, value, detail: String
        /// Stored, not computed: Mustache reads values through Mirror, which sees stored properties only.
        var hasDetail: Bool

        init(label: String, value: String, detail: String) {
            self.label = label
            self.value = value
            self.detail = detail
            hasDetail = !detail.isEmpty
        }
    }
    struct OpCount: Sendable { var kind: String; var count: String }
    struct Group: Sendable { var id: String; var title: String; var count: String; var explanation: String }
    struct CategoryRow: Sendable {
        var id, title, color, explanation, count, explicit, elements, flops, bytes, bytesExact, share: String
    }
    struct AddRow: Sendable {
        var name, category, shape, dtype, elements, bytes, fusedIn: String
    }

    var pageTitle, heading, subtitle, runID: String
    var facts: [Fact]
    var opCounts: [OpCount]
    var groups: [Group]
    /// The family as the source names it, else the model's name: "Why RoBERTa has so many adds".
    var familyName: String
    /// The structure found in the graph, in one sentence.
    var architecture: String
    var categoryRows: [CategoryRow]
    /// The order the categories are listed in, in a sentence.
    var rankingRule: String
    var absentCategories: String
    var hasAbsentCategories: Bool
    var totalCount, totalElements, totalFLOPs, totalBytes, totalBytesExact: String
    var chart: BarChart
    var adds: [AddRow]
    var addRowsHTML: String
    /// Says so when the table shows only the first rows (very deep graphs).
    var addTableNote: String
    var hasAddTableNote: Bool
    /// Rows a page table carries at most: bert-large has about 1,100 operators; a graph of tens
    /// of thousands would make a page of tens of megabytes. The CSV files have every row.
    static let tableRowLimit = 3_000
    var addCount: String
    var provenance: [Fact]
    var notes: [String]
    var hasNotes: Bool
    /// Baseline, current, Δ% and verdict per headline metric and per add category.
    struct BaselineRow: Sendable {
        var title, baseline, current, change, verdict, verdictClass: String
    }
    var hasBaseline: Bool
    /// The baseline is another configuration: what differs, said above the figures.
    var baselineWarning: String
    var hasBaselineWarning: Bool
    var baselineRows: [BaselineRow]
    var baselineCategoryRows: [BaselineRow]
    var baselineNote: String
    struct DecompositionRow: Sendable {
        var kind, instances, ops, decomposedEnergy, fusedEnergy, decomposedLatency, fusedLatency, decomposedDRAM, fusedDRAM, ratio: String
    }
    var decompositions: [DecompositionRow]
    var hasDecompositions: Bool
    var hasJSON: Bool
    var toolVersion: String
    var date: String?
    var kpu: KPUSection?

    /// One operator in the every-operator table.
    struct OperatorRow: Sendable {
        var name, kind, category, shape, macs, dram, l3, l2, l1, cycles, energy, latency: String
        /// The op's fused group against the roofs: work per byte at DRAM and L3, and its class.
        var dramIntensity, l3Intensity, bound: String
        var mapping: String
    }

    /// The layer chart (when the model has an encoder layer) and the whole-model chart.
    typealias GanttCharts = (layer: GanttChart?, overview: GanttChart)

    /// The Gantt charts of a run with a KPU model, laid out apart from the rest of the page so
    /// they can be made on another thread.
    static func ganttCharts(for report: RunReport) -> GanttCharts? {
        report.kpu.map { KPUSection.ganttCharts(run: $0, modelName: report.config.name) }
    }

    /// `charts`: the run's Gantt charts, when already made (see `ganttCharts(for:)`).
    init(report: RunReport, hasJSON: Bool, charts: GanttCharts? = nil) {
        let config = report.config, options = report.options, analysis = report.analysis
        // The title names everything that tells two runs' tabs apart, most telling first: tabs
        // cut titles short from the end.
        var shape = ["batch \(options.batch)", "sequence \(options.sequenceLength)", options.precision.rawValue]
        if options.aggregation != .none { shape.append("hidden states \(options.aggregation)") }
        var machine: [String] = []
        if let run = report.kpu {
            machine =
                ["\(run.hardware.name) \(run.hardware.profileName)"] + report.knobs.map { "\($0.knob.rawValue) \(HardwareKnob.text($0.value))" }
                + ["\(run.chosen.fusion.rawValue) fusion", "\(run.energyTable.name) energy table"]
        }
        pageTitle = ([config.name] + shape + machine).joined(separator: " · ") + " — transformer adds"
        heading = "Where \(config.name)'s additions go"
        subtitle = (["Batch \(options.batch)"] + shape.dropFirst() + machine).joined(separator: " · ")
        runID = report.runID
        toolVersion = ToolInfo.version
        date = report.date
        self.hasJSON = hasJSON

        facts = [
            report.isONNX
                ? Fact(
                    label: "Weights in the file", value: Format.grouped(report.parameterCount),
                    detail: "initializers as stored; exporters store identical tensors once")
                : Fact(label: "Parameters", value: Format.grouped(report.parameterCount), detail: Format.scaled(Double(report.parameterCount), unit: "")),
            Fact(label: "MACs per forward pass", value: Format.grouped(report.macCount), detail: Format.scaled(Double(report.macCount), unit: "MAC")),
            Fact(label: "Adds", value: Format.grouped(analysis.totalCount), detail: "\(Format.grouped(analysis.totalFLOPs)) FLOPs"),
            Fact(label: "Least bytes the adds move", value: Format.grouped(analysis.totalMinimalBytes), detail: Format.bytes(analysis.totalMinimalBytes)),
            Fact(
                label: "Layers × hidden × heads", value: "\(config.layerCount) × \(config.hiddenSize) × \(config.headCount)",
                detail: "intermediate \(config.intermediateSize)" + (report.isONNX ? "" : ", \(config.hiddenActivation.rawValue)"))
        ]
        opCounts = report.opCounts.sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }
            .map { OpCount(kind: $0.key.rawValue, count: Format.grouped($0.value)) }
        familyName = report.modelFamily ?? config.name
        architecture = analysis.architecture.description
        groups = AddGroup.allCases.map {
            let count = analysis.count(of: $0)
            return Group(id: $0.rawValue, title: $0.title, count: count == 1 ? "1 add" : "\(Format.grouped(count)) adds", explanation: $0.explanation)
        }

        // The page's one ranking of the categories (by energy under the chosen policy).
        let present = report.rankedCategories.compactMap { analysis.summary(for: $0) }
        rankingRule =
            report.kpu.map { kpu in
                "Categories are listed in one order throughout the page: the most energy under \(kpu.chosen.fusion.rawValue) fusion with \(kpu.chosen.residency.rawValue) residency first."
            } ?? "Categories are listed in one order throughout the page: the most least bytes first."
        let totalBytes = max(analysis.totalMinimalBytes, 1)
        categoryRows = present.map { summary in
            CategoryRow(
                id: summary.category.id, title: summary.category.title, color: CategoryPalette.color(summary.category),
                explanation: summary.category.explanation, count: Format.grouped(summary.count), explicit: Format.grouped(summary.explicit),
                elements: Format.grouped(summary.elements), flops: Format.grouped(summary.flops),
                bytes: Format.bytes(summary.minimalBytes), bytesExact: Format.grouped(summary.minimalBytes),
                share: Format.percent(Double(summary.minimalBytes) / Double(totalBytes))
            )
        }
        let absent = analysis.categories.filter { $0.count == 0 }.map { "\($0.category.title) (\($0.category.id))" }
        absentCategories = absent.joined(separator: ", ")
        hasAbsentCategories = !absent.isEmpty
        totalCount = Format.grouped(analysis.totalCount)
        totalElements = Format.grouped(analysis.records.reduce(0) { $0 + $1.elements })
        totalFLOPs = Format.grouped(analysis.totalFLOPs)
        self.totalBytes = Format.bytes(analysis.totalMinimalBytes)
        totalBytesExact = Format.grouped(analysis.totalMinimalBytes)

        chart = BarChart(
            id: "chart-bytes-by-category",
            title: "Least bytes moved by the adds of each category",
            description:
                "Horizontal bars, one per add category present in \(config.name): each input read once and each output written once at \(options.precision.rawValue). "
                + present.map { "\($0.category.title): \(Format.bytes($0.minimalBytes))" }.joined(separator: "; ") + ".",
            unit: "B",
            bars: present.map { summary in
                BarChart.Input(
                    label: summary.category.title, value: Double(summary.minimalBytes), valueLabel: Format.bytes(summary.minimalBytes),
                    color: CategoryPalette.color(summary.category),
                    tooltip:
                        "\(summary.category.title) (\(summary.category.id)): \(Format.grouped(summary.count)) adds, \(Format.grouped(summary.minimalBytes)) bytes, \(Format.grouped(summary.flops)) FLOPs"
                )
            }
        )

        adds = analysis.records.map {
            AddRow(
                name: $0.name, category: $0.category.id, shape: Format.shape($0.shape), dtype: $0.dtype.rawValue,
                elements: Format.grouped($0.elements), bytes: Format.grouped($0.minimalBytes), fusedIn: $0.fusedIn ?? "—")
        }
        addCount = Format.grouped(analysis.records.count)
        addTableNote =
            adds.count > Self.tableRowLimit
            ? "The first \(Format.grouped(Self.tableRowLimit)) of \(addCount) adds; every one is in adds.csv and report.json." : ""
        hasAddTableNote = !addTableNote.isEmpty
        addRowsHTML = adds.prefix(Self.tableRowLimit).map { row in
            let e = XMLEscaping.escape
            return
                "<tr><td><code>\(e(row.name))</code></td><td>\(e(row.category))</td><td>\(e(row.fusedIn))</td><td>\(e(row.shape))</td><td>\(e(row.dtype))</td>"
                + "<td class=\"num\">\(row.elements)</td><td class=\"num\">\(row.bytes)</td></tr>"
        }.joined(separator: "\n")

        let descriptor = report.descriptor
        var provenance = [
            Fact(label: "Tool", value: "\(ToolInfo.name) \(ToolInfo.version)", detail: ""),
            Fact(label: "Model", value: config.name, detail: descriptor.sourceDescription)
        ]
        switch descriptor.source {
        case .configFile(_, let hash):
            provenance.append(Fact(label: "Config fingerprint", value: hash, detail: "FNV-1a 64 of the file's bytes"))
        case .onnxFile(_, let hash, _):
            provenance.append(Fact(label: "Graph fingerprint", value: hash, detail: "FNV-1a 64 of the ModelProto without its large weight payloads"))
        case .preset:
            provenance.append(
                Fact(
                    label: "Config fingerprint", value: config.fingerprint,
                    detail: "FNV-1a 64 of the preset's fields (sizes, vocabularies, activation, LayerNorm eps)"))
        }
        provenance += [
            Fact(
                label: "Options",
                value:
                    "batch \(options.batch), sequence \(options.sequenceLength), precision \(options.precision.rawValue), hidden-state aggregation \(options.aggregation)",
                detail: ""),
            Fact(label: "Graph", value: report.graphDescription, detail: ""),
            Fact(label: "Run id", value: report.runID, detail: "derived from the inputs; same inputs, same folder")
        ]
        self.provenance = provenance
        notes = report.notes
        hasNotes = !report.notes.isEmpty
        func rows(_ metrics: [BaselineComparison.Metric]) -> [BaselineRow] {
            metrics.map { metric in
                BaselineRow(
                    title: metric.title, baseline: metric.format(metric.baseline), current: metric.format(metric.current),
                    change: BaselineComparison.signedPercent(metric.change), verdict: metric.verdict.rawValue,
                    verdictClass: metric.verdict == .withinNoise ? "noise" : metric.verdict.rawValue)
            }
        }
        if let baseline = report.baseline, !(baseline.comparison.headline.isEmpty && baseline.comparison.categories.isEmpty) {
            hasBaseline = true
            baselineRows = rows(baseline.comparison.headline)
            baselineCategoryRows = rows(baseline.comparison.categories)
            var note = "Against \(baseline.source)"
            if baseline.comparison.baselineRunID != report.runID { note += " (run \(baseline.comparison.baselineRunID))" }
            note += "; changes within ±\(Format.fixed(baseline.threshold * 100, decimals: 2)) % count as noise. Lower is better for every figure."
            if !baseline.comparison.unmatchedCategories.isEmpty {
                note += " Categories on one side only: \(baseline.comparison.unmatchedCategories.joined(separator: ", "))."
            }
            baselineNote = note
            baselineWarning =
                baseline.comparison.differences.isEmpty
                ? ""
                : "The baseline is another configuration: " + baseline.comparison.differences.joined(separator: ", ")
                    + ". Its differences come from that as much as from the tool."
        } else {
            baselineWarning = ""
            hasBaseline = false
            baselineRows = []
            baselineCategoryRows = []
            baselineNote = ""
        }
        hasBaselineWarning = !baselineWarning.isEmpty
        decompositions = report.decompositions.map { d in
            DecompositionRow(
                kind: d.kind, instances: Format.grouped(d.instances), ops: Format.grouped(d.primitiveOps),
                decomposedEnergy: Format.energy(d.decomposedEnergy), fusedEnergy: Format.energy(d.fusedEnergy),
                decomposedLatency: Format.time(d.decomposedLatency), fusedLatency: Format.time(d.fusedLatency),
                decomposedDRAM: Format.bytes(d.decomposedDRAMBytes), fusedDRAM: Format.bytes(d.fusedDRAMBytes),
                ratio: d.fusedEnergy > .zero ? Format.significant(d.decomposedEnergy.share(of: d.fusedEnergy), digits: 3) + "×" : "—"
            )
        }
        hasDecompositions = !decompositions.isEmpty
        kpu = nil
        if let run = report.kpu {
            kpu = KPUSection(report: report, run: run, charts: charts)
            self.provenance.insert(
                contentsOf: [
                    Fact(
                        label: "Hardware", value: "\(run.hardware.name), profile \(run.hardware.profileName)",
                        detail: "\(run.hardware.source); ComputeProduct fingerprint \(run.hardware.contentHash)"),
                    Fact(
                        label: "Energy table", value: run.energyTable.title,
                        detail: "\(run.energyTable.source); energy-tables file fingerprint \(run.energyTable.contentHash)"),
                    Fact(label: "Fusion policy", value: run.chosen.fusion.rawValue, detail: "all four are modelled for the comparison")
                ], at: 2)
        }
    }
}
