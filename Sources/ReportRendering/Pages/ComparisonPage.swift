import Foundation
import Support
import ReportModel

/// `comparison.html`: the runs of one sweep (or merge) side by side: a row per run and bar
/// charts of latency, energy, EDP and the adds' share of energy across the grid, with the
/// baseline's verdicts when one was given.
public struct ComparisonPage: Sendable {
    public static let fileName = "comparison.html"
    /// The runs compared, in order (also what `sweep.csv` lists).
    public let runs: [RunSummary]

    struct Row: Sendable {
        var number: String
        var href: String
        /// The SKU, the text of the link to the run.
        var hardware: String
        /// The other configuration cells that differ between runs.
        var cells: [String]
        var latency, energy, edp, addShare, latencyChange, energyChange, edpChange, latencyClass, energyClass, edpClass: String
    }
    struct Group: Sendable {
        var title: String
        var rows: [Row]
        var categoryRows: [CategoryRow]
        var hasCategoryRows: Bool
    }

    var groups: [Group]
    var configColumns: [String]
    /// Columns of the run table and of the category table, for the group headings' colspan.
    var columnCount, categoryColumnCount, shared: String
    var hasShared: Bool
    var charts: [BarChart]
    /// With a baseline: each run's change in energy per add category, categories as columns.
    struct CategoryCell: Sendable { var text: String; var verdictClass: String; var tooltip: String }
    struct CategoryRow: Sendable { var number: String; var hardware: String; var cells: [String]; var categories: [CategoryCell] }
    var categoryTitles: [String]
    var hasCategoryRows: Bool
    var runCount: String
    var hasBaseline: Bool
    var baselineNote: String
    var missingInBaseline: [String]
    var missingInCurrent: [String]
    var hasMissing: Bool
    /// Runs compared with another configuration (an explicit report.json), and what differs.
    var configurationWarnings: [String]
    var hasConfigurationWarnings, hasMissingInBaseline, hasMissingInCurrent: Bool
    var toolVersion = ToolInfo.version

    public init(runs summaries: [RunSummary], baseline: BaselineComparison?) {
        runs = summaries
        let grouping = RunGrouping(summaries.map(\.document))
        let documents = grouping.ordered
        configColumns = Array(grouping.columns.dropFirst())
        shared = grouping.shared
        hasShared = !shared.isEmpty
        func cell(_ run: String, _ id: String) -> (String, String) {
            guard let metric = baseline?.run(run)?.headline.first(where: { $0.id == id }) else { return ("—", "") }
            return (BaselineComparison.signedPercent(metric.change), metric.verdict == .withinNoise ? "noise" : metric.verdict.rawValue)
        }
        // Runs are numbered in table order; the charts label their bars with the same numbers.
        let numbers = Dictionary(documents.enumerated().map { ($1.runId, "#\($0 + 1)") }, uniquingKeysWith: { first, _ in first })
        func row(_ document: ReportDocument) -> Row {
            let cells = document.cells, configuration = grouping.cells(document)
            let latency = cell(document.runId, "latency"), energy = cell(document.runId, "energy"), edp = cell(document.runId, "edp")
            return Row(
                number: numbers[document.runId]!, href: "\(document.runId)/index.html", hardware: configuration[0],
                cells: Array(configuration.dropFirst()),
                latency: cells.latency, energy: cells.energy, edp: cells.edp, addShare: cells.addShare,
                latencyChange: latency.0, energyChange: energy.0, edpChange: edp.0,
                latencyClass: latency.1, energyClass: energy.1, edpClass: edp.1)
        }
        // Bars are labelled by number and configuration, under their group's heading; the tooltip names the run.
        func chart(_ id: String, _ title: String, unit: String, color: String, value: (ReportDocument) -> Double?, label: (Double) -> String) -> BarChart? {
            let inputs = grouping.groups.flatMap { group in
                group.runs.compactMap { document -> BarChart.Input? in
                    guard let number = value(document) else { return nil }
                    return BarChart.Input(
                        label: ([numbers[document.runId]!] + grouping.cells(document)).joined(separator: " "), value: number,
                        valueLabel: label(number), color: color, tooltip: "\(document.runId): \(label(number))", group: group.title)
                }
            }
            guard !inputs.isEmpty else { return nil }
            return BarChart(
                id: id, title: title, description: "\(title) of each run in the table, in its order, grouped by model and sequence length.",
                unit: unit, bars: inputs)
        }
        charts = [
            chart("compare-latency", "Latency", unit: "s", color: "#0072b2", value: { $0.totals?.latencyS }, label: { Format.seconds($0) }),
            chart("compare-energy", "Energy", unit: "J", color: "#d55e00", value: { $0.totals.map { $0.energyPj.joules } }, label: { Format.joules($0) }),
            chart(
                "compare-edp", "Energy-delay product", unit: "J·s", color: "#009e73", value: { $0.totals?.edp }, label: { Format.scientific($0, unit: "J·s") }),
            chart("compare-add-share", "Adds' share of energy", unit: "", color: "#cc79a7", value: { $0.addTotals.shareEnergy }, label: { Format.percent($0) })
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
        func categoryRow(_ document: ReportDocument) -> CategoryRow? {
            guard let run = baseline?.run(document.runId) else { return nil }
            let byID = Dictionary(run.categories.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let configuration = grouping.cells(document)
            return CategoryRow(
                number: numbers[document.runId]!, hardware: configuration[0], cells: Array(configuration.dropFirst()),
                categories: categoryIDs.map { id in
                    guard let metric = byID["\(id).energy"] else { return CategoryCell(text: "—", verdictClass: "", tooltip: "not in both runs") }
                    return CategoryCell(
                        text: BaselineComparison.signedPercent(metric.change), verdictClass: metric.verdict == .withinNoise ? "noise" : metric.verdict.rawValue,
                        tooltip: "\(metric.format(metric.baseline)) → \(metric.format(metric.current)), \(metric.verdict.rawValue)")
                })
        }
        hasBaseline = baseline != nil
        groups = grouping.groups.map { group in
            let categoryRows = group.runs.compactMap(categoryRow)
            return Group(title: group.title, rows: group.runs.map(row), categoryRows: categoryRows, hasCategoryRows: !categoryRows.isEmpty)
        }
        hasCategoryRows = groups.contains { $0.hasCategoryRows }
        // Number, configuration, latency, energy, EDP and share, with a change column after each of the first three under a baseline.
        columnCount = String(1 + grouping.columns.count + 4 + (hasBaseline ? 3 : 0))
        categoryColumnCount = String(1 + grouping.columns.count + categoryIDs.count)
        runCount = documents.count == 1 ? "1 run" : "\(documents.count) runs"
        baselineNote =
            baseline.map {
                "Changes against \($0.baselineSource); within ±\(Format.fixed($0.threshold * 100, decimals: 2)) % counts as noise, and lower is better."
            } ?? ""
        missingInBaseline = baseline?.missingInBaseline ?? []
        missingInCurrent = baseline?.missingInCurrent ?? []
        hasMissingInBaseline = !missingInBaseline.isEmpty
        hasMissingInCurrent = !missingInCurrent.isEmpty
        hasMissing = hasMissingInBaseline || hasMissingInCurrent
        configurationWarnings = (baseline?.runs ?? []).filter { !$0.differences.isEmpty }.map {
            "\($0.runID) is compared with run \($0.baselineRunID), another configuration: " + $0.differences.joined(separator: ", ") + "."
        }
        hasConfigurationWarnings = !configurationWarnings.isEmpty
    }
}
