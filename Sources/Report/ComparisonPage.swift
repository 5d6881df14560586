import Foundation

/// `comparison.html`: the runs of one sweep (or merge) side by side: a row per run and bar
/// charts of latency, energy, EDP and the adds' share of energy across the grid, with the
/// baseline's verdicts when one was given.
public struct ComparisonPage: Sendable {
    public static let fileName = "comparison.html"

    struct Row: Sendable {
        var number: String
        var runID: String
        var href: String
        var model: String
        var seq: String
        var batch: String
        var precision: String
        var hardware: String
        var fusion: String
        var latency: String
        var energy: String
        var edp: String
        var addShare: String
        var latencyChange: String
        var energyChange: String
        var edpChange: String
        var latencyClass: String
        var energyClass: String
        var edpClass: String
    }

    var rows: [Row]
    var charts: [BarChart]
    /// With a baseline: each run's change in energy per add category, categories as columns.
    struct CategoryCell: Sendable { var text: String; var verdictClass: String; var tooltip: String }
    struct CategoryRow: Sendable { var number: String; var runID: String; var cells: [CategoryCell] }
    var categoryTitles: [String]
    var categoryRows: [CategoryRow]
    var hasCategoryRows: Bool
    var runCount: String
    var hasBaseline: Bool
    var baselineNote: String
    var missingInBaseline: [String]
    var missingInCurrent: [String]
    var hasMissing: Bool
    var hasMissingInBaseline: Bool
    var hasMissingInCurrent: Bool
    var toolVersion = ToolInfo.version

    public init(runs summaries: [SiteAssembly.RunSummary], baseline: BaselineComparison?) {
        let documents = summaries.map(\.document).sorted { $0.runId < $1.runId }
        func cell(_ run: String, _ id: String) -> (String, String) {
            guard let metric = baseline?.run(run)?.headline.first(where: { $0.id == id }) else { return ("—", "") }
            return (BaselineComparison.signedPercent(metric.change), metric.verdict == .withinNoise ? "noise" : metric.verdict.rawValue)
        }
        rows = documents.enumerated().map { index, document in
            let cells = document.cells
            let latency = cell(document.runId, "latency"), energy = cell(document.runId, "energy"), edp = cell(document.runId, "edp")
            return Row(number: "#\(index + 1)", runID: document.runId, href: "\(document.runId)/index.html", model: document.model.name,
                       seq: String(document.model.seq), batch: String(document.model.batch), precision: document.model.precision,
                       hardware: cells.hardware, fusion: document.fusion ?? "—",
                       latency: cells.latency, energy: cells.energy, edp: cells.edp, addShare: cells.addShare,
                       latencyChange: latency.0, energyChange: energy.0, edpChange: edp.0,
                       latencyClass: latency.1, energyClass: energy.1, edpClass: edp.1)
        }
        // Bars are labelled by row number; the tooltip names the run.
        func chart(_ id: String, _ title: String, unit: String, color: String, value: (ReportDocument) -> Double?, label: (Double) -> String) -> BarChart? {
            let inputs = documents.enumerated().compactMap { index, document -> BarChart.Input? in
                guard let number = value(document) else { return nil }
                return BarChart.Input(label: "#\(index + 1) \(document.model.name)", value: number, valueLabel: label(number),
                                      color: color, tooltip: "\(document.runId): \(label(number))")
            }
            guard !inputs.isEmpty else { return nil }
            return BarChart(id: id, title: title, description: "\(title) of each run in the table, in its order.", unit: unit, bars: inputs)
        }
        charts = [
            chart("compare-latency", "Latency", unit: "s", color: "#0072b2", value: { $0.totals?.latencyS }, label: { Format.seconds($0) }),
            chart("compare-energy", "Energy", unit: "J", color: "#d55e00", value: { $0.totals.map { $0.energyPj.total * 1e-12 } }, label: { Format.joules($0) }),
            chart("compare-edp", "Energy-delay product", unit: "J·s", color: "#009e73", value: { $0.totals?.edp }, label: { Format.scientific($0, unit: "J·s") }),
            chart("compare-add-share", "Adds' share of energy", unit: "", color: "#cc79a7", value: { $0.addTotals.shareEnergy }, label: { Format.percent($0) }),
        ].compactMap { $0 }
        // Categories in the order the first run lists them, then any others.
        var categoryIDs: [String] = [], titles: [String: String] = [:]
        for document in documents {
            for category in document.categories where category.count > 0 && titles[category.id] == nil {
                categoryIDs.append(category.id)
                titles[category.id] = category.title
            }
        }
        categoryTitles = categoryIDs.map { titles[$0]! }
        categoryRows = documents.enumerated().compactMap { index, document in
            guard let run = baseline?.run(document.runId) else { return nil }
            let byID = Dictionary(run.categories.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            return CategoryRow(number: "#\(index + 1)", runID: document.runId, cells: categoryIDs.map { id in
                guard let metric = byID["\(id).energy"] else { return CategoryCell(text: "—", verdictClass: "", tooltip: "not in both runs") }
                return CategoryCell(text: BaselineComparison.signedPercent(metric.change), verdictClass: metric.verdict == .withinNoise ? "noise" : metric.verdict.rawValue,
                                    tooltip: "\(metric.format(metric.baseline)) → \(metric.format(metric.current)), \(metric.verdict.rawValue)")
            })
        }
        hasCategoryRows = !categoryRows.isEmpty
        runCount = documents.count == 1 ? "1 run" : "\(documents.count) runs"
        hasBaseline = baseline != nil
        baselineNote = baseline.map { "Changes against \($0.baselineSource); within ±\(Format.fixed($0.threshold * 100, decimals: 2)) % counts as noise, and lower is better." } ?? ""
        missingInBaseline = baseline?.missingInBaseline ?? []
        missingInCurrent = baseline?.missingInCurrent ?? []
        hasMissingInBaseline = !missingInBaseline.isEmpty
        hasMissingInCurrent = !missingInCurrent.isEmpty
        hasMissing = hasMissingInBaseline || hasMissingInCurrent
    }
}
