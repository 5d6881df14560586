import Foundation

/// The site's front page: one row per run found under the output folder.
struct SiteIndexPage: Sendable {
    struct Row: Sendable {
        var runID: String
        var href: String
        var model: String
        var batch: String
        var seq: String
        var precision: String
        var aggregation: String
        var hardware: String
        var fusion: String
        var latency: String
        var energy: String
        var edp: String
        var addShare: String
        var adds: String
        /// Inline SVG of the configuration's last 50 history entries, or empty.
        var trend: String
        var hasTrend: Bool
    }

    var rows: [Row]
    var runCount: String
    var hasComparison: Bool
    var hasHistory: Bool
    var toolVersion = ToolInfo.version

    /// Reads each run's `report.json`; runs are sorted by id so the page is deterministic.
    init(runs: [(runID: String, document: ReportDocument, hasPage: Bool)], history: [HistoryEntry] = [], hasComparison: Bool = false) {
        self.hasComparison = hasComparison
        hasHistory = !history.isEmpty
        rows = runs.sorted { $0.runID < $1.runID }.enumerated().map { index, run in
            let model = run.document.model
            let trend = TrendChart.svg(id: "trend-\(index + 1)", key: run.runID, entries: history)
            let cells = run.document.cells
            return Row(
                runID: run.runID,
                href: run.hasPage ? "\(run.runID)/index.html" : "\(run.runID)/report.json",
                model: model.name, batch: String(model.batch), seq: String(model.seq), precision: model.precision,
                aggregation: model.aggregation,
                hardware: cells.hardware, fusion: run.document.fusion ?? "—",
                latency: cells.latency, energy: cells.energy, edp: cells.edp, addShare: cells.addShare,
                adds: Format.grouped(run.document.addTotals.adds),
                trend: trend ?? "", hasTrend: trend != nil
            )
        }
        runCount = runs.count == 1 ? "1 run" : "\(runs.count) runs"
    }
}
