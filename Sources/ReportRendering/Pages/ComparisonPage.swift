import AddAnalysis
import Foundation
import KPUModel
import ReportModel
import Support

/// `comparison.html`: the runs of one sweep (or merge) against each other. It opens with the
/// design question — latency against energy, the Pareto front drawn and linked — then, when
/// knobs were swept, how far each knob moves each figure and each add category's energy (the
/// sensitivity table) and small multiples of the figures against each knob; a pivot of the
/// headline figures; and the runs themselves: every run up to ``tableLimit`` runs, else the runs
/// on the front (`sweep.csv` lists every run). With a baseline, each run's Δ and verdicts.
public struct ComparisonPage: Sendable {
    public static let fileName = "comparison.html"
    /// Runs listed one per row up to this many; past it, the table lists the Pareto front.
    public static let tableLimit = 200
    /// Bar charts of each run's figures up to this many runs; past it they are a wall of bars,
    /// and the scatter and the small multiples say more.
    public static let barChartLimit = 40

    /// Every run compared, in order (what `sweep.csv` lists).
    public let points: [SweepPoint]

    struct Row: Sendable {
        var number: String
        var href: String
        var hasHref: Bool
        /// The SKU, the text of the link to the run.
        var hardware: String
        /// The other configuration cells that differ between runs.
        var cells: [String]
        var latency, energy, edp, addShare, latencyChange, energyChange, edpChange, latencyClass, energyClass, edpClass: String
        var front: Bool
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
    var runsTitle: String
    var tableNote: String
    var charts: [BarChart]
    var hasCharts: Bool
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

    // The Pareto scatter.
    var hasScatter: Bool
    var scatter: String
    var frontSummary: String
    /// The runs near the front, when the whole chart squeezes it into a corner.
    var hasCloseUp: Bool
    var closeUp: String
    var closeUpNote: String

    // The sensitivity table: figures as rows, knobs as columns.
    struct SensitivityKnob: Sendable { var title: String; var range: String }
    struct SensitivityCell: Sendable { var text: String; var detail: String; var tooltip: String; var cssClass: String }
    struct SensitivityRow: Sendable { var figure: String; var cells: [SensitivityCell] }
    var hasSensitivity: Bool
    var sensitivityKnobs: [SensitivityKnob]
    var sensitivityRows: [SensitivityRow]

    // Small multiples, a row of panels per knob.
    struct PanelRow: Sendable { var knob: String; var panels: [String] }
    var hasPanels: Bool
    var panelRows: [PanelRow]

    // The pivot: model × sequence down, the column dimension across.
    struct PivotCell: Sendable { var latency, energy, edp, runs: String; var hasRuns: Bool; var isEmpty: Bool }
    struct PivotRow: Sendable { var title: String; var cells: [PivotCell] }
    var hasPivot: Bool
    var pivotNote: String
    var pivotCorner: String
    var pivotColumns: [String]
    var pivotRows: [PivotRow]

    var toolVersion = ToolInfo.version

    public init(runs summaries: [RunSummary], baseline: BaselineComparison?) {
        let points = summaries.compactMap(\.point)
        self.points = points
        let front = ParetoFront.indices(of: points)
        let onFront = Set(front.map { points[$0].runID })

        // The run table: every run, or the front when there are too many to read.
        let listed = points.count <= Self.tableLimit ? points : front.map { points[$0] }
        let grouping = RunGrouping(listed)
        let ordered = grouping.ordered
        configColumns = Array(grouping.columns.dropFirst())
        let overall = RunGrouping(points)
        shared = overall.shared
        hasShared = !shared.isEmpty
        runsTitle = points.count <= Self.tableLimit ? "Runs" : "Runs on the Pareto front"
        tableNote =
            points.count <= Self.tableLimit
            ? (front.count < points.count ? "Rows in bold are on the Pareto front." : "")
            : "The \(front.count) runs on the Pareto front of the \(Format.grouped(points.count)); every run is a row of sweep.csv."
        func cell(_ run: String, _ id: String) -> (String, String) {
            guard let metric = baseline?.run(run)?.headline.first(where: { $0.id == id }) else { return ("—", "") }
            return (BaselineComparison.signedPercent(metric.change), metric.verdict == .withinNoise ? "noise" : metric.verdict.rawValue)
        }
        // Runs are numbered in table order; the charts label their bars with the same numbers.
        var numbers: [String: String] = [:]
        for (index, point) in ordered.enumerated() where numbers[point.runID] == nil { numbers[point.runID] = "#\(index + 1)" }
        func row(_ point: SweepPoint) -> Row {
            let configuration = grouping.cells(point)
            let latency = cell(point.runID, "latency"), energy = cell(point.runID, "energy"), edp = cell(point.runID, "edp")
            return Row(
                number: numbers[point.runID]!, href: point.page ?? "", hasHref: point.page != nil, hardware: configuration[0],
                cells: Array(configuration.dropFirst()), latency: Format.time(point.latency), energy: Format.energy(point.energy),
                edp: Format.energyDelay(point.edp), addShare: Format.percent(point.addShareOfEnergy),
                latencyChange: latency.0, energyChange: energy.0, edpChange: edp.0, latencyClass: latency.1, energyClass: energy.1, edpClass: edp.1,
                front: onFront.contains(point.runID) && front.count < listed.count)
        }
        // Bars are labelled by number and configuration, under their group's heading; the tooltip names the run.
        func chart(_ id: String, _ title: String, unit: String, color: String, value: (SweepPoint) -> Double, label: (Double) -> String) -> BarChart {
            let inputs = grouping.groups.flatMap { group in
                group.runs.map { point in
                    BarChart.Input(
                        label: ([numbers[point.runID]!] + grouping.cells(point)).joined(separator: " "), value: value(point),
                        valueLabel: label(value(point)), color: color, tooltip: "\(point.runID): \(label(value(point)))", group: group.title)
                }
            }
            return BarChart(
                id: id, title: title, description: "\(title) of each run in the table, in its order, grouped by model and sequence length.",
                unit: unit, bars: inputs)
        }
        charts =
            listed.isEmpty || listed.count > Self.barChartLimit
            ? []
            : [
                chart("compare-latency", "Latency", unit: "s", color: "#0072b2", value: { $0.latency.seconds }, label: { Format.seconds($0) }),
                chart("compare-energy", "Energy", unit: "J", color: "#d55e00", value: { $0.energy.joules }, label: { Format.joules($0) }),
                chart(
                    "compare-edp", "Energy-delay product", unit: "J·s", color: "#009e73", value: { $0.edp.jouleSeconds },
                    label: { Format.scientific($0, unit: "J·s") }),
                chart("compare-add-share", "Adds' share of energy", unit: "", color: "#cc79a7", value: { $0.addShareOfEnergy }, label: { Format.percent($0) })
            ]
        hasCharts = !charts.isEmpty
        // Categories in the report's order, those some run has.
        let present = Set(points.flatMap { point in point.categoryEnergy.filter { $0.value > .zero }.keys })
        let categories = AddCategory.allCases.filter { present.contains($0.id) }
        categoryTitles = categories.map(\.title)
        func categoryRow(_ point: SweepPoint) -> CategoryRow? {
            guard let run = baseline?.run(point.runID) else { return nil }
            let byID = Dictionary(run.categories.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let configuration = grouping.cells(point)
            return CategoryRow(
                number: numbers[point.runID]!, hardware: configuration[0], cells: Array(configuration.dropFirst()),
                categories: categories.map { category in
                    guard let metric = byID["\(category.id).energy"] else { return CategoryCell(text: "—", verdictClass: "", tooltip: "not in both runs") }
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
        let changeColumns = hasBaseline ? 3 : 0
        columnCount = String(1 + grouping.columns.count + 4 + changeColumns)
        categoryColumnCount = String(1 + grouping.columns.count + categories.count)
        runCount = points.count == 1 ? "1 run" : "\(Format.grouped(points.count)) runs"
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

        // The scatter and what its front says.
        hasScatter = points.count > 1
        scatter = hasScatter ? ParetoScatter(id: "pareto-chart", points: points, front: front).svg : ""
        frontSummary = Self.frontSummary(points: points, front: front)
        let window = ParetoScatter.closeUp(points: points, front: front)
        hasCloseUp = window != nil
        closeUp = window.map { ParetoScatter(id: "pareto-close-up", points: points, front: front, window: $0).svg } ?? ""
        closeUpNote =
            window.map { window in
                "The runs within \(Format.seconds(window.latency.upperBound)) and \(Format.joules(window.energy.upperBound)): \(Format.grouped(points.filter(window.contains).count)) of the \(Format.grouped(points.count))."
            } ?? ""

        // Sensitivity and small multiples, for knobs swept over two or more values.
        let sensitivity = KnobSensitivity(points: points, categories: categories.map(\.id))
        hasSensitivity = !sensitivity.knobs.isEmpty
        sensitivityKnobs = sensitivity.knobs.map {
            SensitivityKnob(title: $0.knob.rawValue, range: "\(HardwareKnob.text($0.lowest)) → \(HardwareKnob.text($0.highest))")
        }
        let titles = Dictionary(uniqueKeysWithValues: categories.map { ($0.id, $0.title) })
        sensitivityRows = sensitivity.figures.map { figure in
            let name: String =
                switch figure {
                case .latency: "Latency"
                case .energy: "Energy"
                case .edp: "Energy-delay product"
                case .addShareOfEnergy: "Adds' share of energy"
                case .categoryEnergy(let id): "\(titles[id] ?? id) energy"
                }
            return SensitivityRow(
                figure: name,
                cells: sensitivity.knobs.map { knob in
                    guard let change = knob.changes[figure] else {
                        return SensitivityCell(text: "—", detail: "", tooltip: "no pair of runs has it", cssClass: "")
                    }
                    let text = { (value: Double) in figure.isShare ? Self.signedPoints(value) : BaselineComparison.signedPercent(value) }
                    let spread = change.smallest == change.largest ? "" : "\(text(change.smallest)) to \(text(change.largest))"
                    return SensitivityCell(
                        text: text(change.median), detail: spread,
                        tooltip:
                            "\(knob.knob.rawValue) \(HardwareKnob.text(knob.lowest)) → \(HardwareKnob.text(knob.highest)): median over \(Format.grouped(change.pairs)) pair\(change.pairs == 1 ? "" : "s") of runs alike in all else",
                        cssClass: abs(change.median) < 0.01 ? "noise" : (change.median < 0 ? "improved" : "regressed"))
                })
        }
        panelRows = sensitivity.knobs.map { knob in
            PanelRow(
                knob: "\(knob.knob.rawValue) (\(knob.knob.summary))",
                panels: KnobPanel.Figure.allCases.map { figure in
                    KnobPanel(id: "panel-\(knob.knob.rawValue)-\(figure.cssClass)", knob: knob.knob, figure: figure, points: points).svg
                })
        }
        hasPanels = !panelRows.isEmpty

        // The pivot.
        let pivot = PivotLayout(points: points, sensitivity: sensitivity)
        hasPivot = pivot.columns.count > 1 || pivot.rows.count > 1
        pivotNote = pivot.note
        pivotCorner = "\(pivot.rowHeading) ↓ \(pivot.columnHeading) →"
        pivotColumns = pivot.columns
        pivotRows = pivot.rows.map { row in
            PivotRow(
                title: row.title,
                cells: row.cells.map { cell in
                    guard let cell else { return PivotCell(latency: "—", energy: "", edp: "", runs: "", hasRuns: false, isEmpty: true) }
                    return PivotCell(
                        latency: Format.time(cell.latency), energy: Format.energy(cell.energy), edp: Format.energyDelay(cell.edp),
                        runs: "median of \(Format.grouped(cell.runs))", hasRuns: cell.runs > 1, isEmpty: false)
                })
        }
    }

    /// `+1.2 pt`: a change of a share, in percentage points.
    static func signedPoints(_ fraction: Double) -> String {
        let text = Format.fixed(abs(fraction * 100), decimals: 1)
        return (text == "0.0" ? "" : fraction > 0 ? "+" : "-") + text + " pt"
    }

    /// One sentence on the front: how many runs, the fastest and the most frugal.
    static func frontSummary(points: [SweepPoint], front: [Int]) -> String {
        guard let fastest = front.first.map({ points[$0] }), let frugal = front.last.map({ points[$0] }) else { return "" }
        if front.count == 1 {
            return "One run, \(fastest.runID), is both the fastest and the most frugal: \(Format.time(fastest.latency)) at \(Format.energy(fastest.energy))."
        }
        return
            "\(front.count) of the \(Format.grouped(points.count)) runs are on the Pareto front: from the fastest, \(Format.time(fastest.latency)) at \(Format.energy(fastest.energy)), to the most frugal, \(Format.energy(frugal.energy)) at \(Format.time(frugal.latency)). Every other run is beaten on both by one of them."
    }
}
