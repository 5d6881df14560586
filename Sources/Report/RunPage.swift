import AddAnalysis
import ModelGraph

/// The run page's view model: every value pre-formatted, every chart laid out. The template
/// only places these values.
struct RunPage: Sendable {
    struct Fact: Sendable {
        var label: String
        var value: String
        var detail: String
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
        var id: String
        var title: String
        var color: String
        var explanation: String
        var count: String
        var elements: String
        var flops: String
        var bytes: String
        var bytesExact: String
        var share: String
    }
    struct AddRow: Sendable {
        var name: String
        var category: String
        var shape: String
        var dtype: String
        var elements: String
        var bytes: String
    }

    var pageTitle: String
    var heading: String
    var subtitle: String
    var runID: String
    var facts: [Fact]
    var opCounts: [OpCount]
    var groups: [Group]
    var categoryRows: [CategoryRow]
    var absentCategories: String
    var hasAbsentCategories: Bool
    var totalCount: String
    var totalElements: String
    var totalFLOPs: String
    var totalBytes: String
    var totalBytesExact: String
    var chart: BarChart
    var adds: [AddRow]
    var addCount: String
    var provenance: [Fact]
    var hasJSON: Bool
    var toolVersion: String

    init(report: RunReport, hasJSON: Bool) {
        let config = report.config, options = report.options, analysis = report.analysis
        pageTitle = "BERT adds: \(config.name), batch \(options.batch), sequence \(options.sequenceLength), \(options.precision.rawValue)"
        heading = "Where \(config.name)'s additions go"
        subtitle = "Batch \(options.batch) · sequence \(options.sequenceLength) · \(options.precision.rawValue)"
            + (options.aggregation == .none ? "" : " · hidden states \(options.aggregation)")
        runID = report.runID
        toolVersion = ToolInfo.version
        self.hasJSON = hasJSON

        facts = [
            Fact(label: "Parameters", value: Format.grouped(report.parameterCount), detail: Format.scaled(Double(report.parameterCount), unit: "")),
            Fact(label: "MACs per forward pass", value: Format.grouped(report.macCount), detail: Format.scaled(Double(report.macCount), unit: "MAC")),
            Fact(label: "Adds", value: Format.grouped(analysis.totalCount), detail: "\(Format.grouped(analysis.totalFLOPs)) FLOPs"),
            Fact(label: "Least bytes the adds move", value: Format.grouped(analysis.totalMinimalBytes), detail: Format.bytes(analysis.totalMinimalBytes)),
            Fact(label: "Layers × hidden × heads", value: "\(config.layerCount) × \(config.hiddenSize) × \(config.headCount)",
                 detail: "intermediate \(config.intermediateSize), \(config.hiddenActivation.rawValue)"),
        ]
        opCounts = report.opCounts.sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }
            .map { OpCount(kind: $0.key.rawValue, count: Format.grouped($0.value)) }
        groups = AddGroup.allCases.map {
            let count = analysis.count(of: $0)
            return Group(id: $0.rawValue, title: $0.title, count: count == 1 ? "1 add" : "\(Format.grouped(count)) adds", explanation: $0.explanation)
        }

        let present = analysis.categories.filter { $0.count > 0 }
        let totalBytes = max(analysis.totalMinimalBytes, 1)
        categoryRows = present.map { summary in
            CategoryRow(
                id: summary.category.id, title: summary.category.title, color: CategoryPalette.color(summary.category),
                explanation: summary.category.explanation, count: Format.grouped(summary.count),
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
            description: "Horizontal bars, one per add category present in \(config.name): each input read once and each output written once at \(options.precision.rawValue). "
                + present.map { "\($0.category.title): \(Format.bytes($0.minimalBytes))" }.joined(separator: "; ") + ".",
            unit: "B",
            bars: present.map { summary in
                BarChart.Input(
                    label: summary.category.title, value: Double(summary.minimalBytes), valueLabel: Format.bytes(summary.minimalBytes),
                    color: CategoryPalette.color(summary.category),
                    tooltip: "\(summary.category.title) (\(summary.category.id)): \(Format.grouped(summary.count)) adds, \(Format.grouped(summary.minimalBytes)) bytes, \(Format.grouped(summary.flops)) FLOPs"
                )
            }
        )

        adds = analysis.records.map {
            AddRow(name: $0.name, category: $0.category.id, shape: Format.shape($0.shape), dtype: $0.dtype.rawValue,
                   elements: Format.grouped($0.elements), bytes: Format.grouped($0.minimalBytes))
        }
        addCount = Format.grouped(analysis.records.count)

        let descriptor = report.descriptor
        var provenance = [
            Fact(label: "Tool", value: "\(ToolInfo.name) \(ToolInfo.version)", detail: ""),
            Fact(label: "Model", value: config.name, detail: descriptor.sourceDescription),
        ]
        if case .configFile(_, let hash) = descriptor.source {
            provenance.append(Fact(label: "Config fingerprint", value: hash, detail: "FNV-1a 64 of the file's bytes"))
        }
        provenance += [
            Fact(label: "Options", value: "batch \(options.batch), sequence \(options.sequenceLength), precision \(options.precision.rawValue), hidden-state aggregation \(options.aggregation)", detail: ""),
            Fact(label: "Graph", value: "transformers BertModel, eager attention, inference (dropout omitted)", detail: ""),
            Fact(label: "Run id", value: report.runID, detail: "derived from the inputs; same inputs, same folder"),
        ]
        self.provenance = provenance
    }
}
