import Foundation
import Support
import ReportModel

/// The site's front page: every run found under the output folder, grouped by model and
/// sequence length (see ``RunGrouping``), with its headline figures and history.
public struct SiteIndexPage: Sendable {
    struct Row: Sendable {
        var href: String
        /// The SKU, the text of the link to the run.
        var hardware: String
        /// The other configuration cells that differ between runs.
        var cells: [String]
        var latency, energy, edp, addShare, adds: String
        /// Inline SVG of the configuration's last 50 history entries, or empty.
        var trend: String
        var hasTrend: Bool
    }
    struct Group: Sendable {
        var title: String
        var rows: [Row]
    }

    var groups: [Group]
    var configColumns: [String]
    /// Columns in the table, for the group headings' colspan.
    var columnCount: String
    var shared: String
    var hasShared: Bool
    var runCount: String
    var hasRuns: Bool
    var hasComparison: Bool
    var hasHistory: Bool
    var toolVersion = ToolInfo.version

    /// Reads each run's `report.json`; the order depends on the runs only, so the page is deterministic.
    public init(runs: [(runID: String, document: ReportDocument, hasPage: Bool)], history: [HistoryEntry] = [], hasComparison: Bool = false) {
        self.hasComparison = hasComparison
        hasHistory = !history.isEmpty
        let hasPage = Dictionary(runs.map { ($0.runID, $0.hasPage) }, uniquingKeysWith: { first, _ in first })
        let grouping = RunGrouping(runs.map(\.document))
        configColumns = Array(grouping.columns.dropFirst())
        columnCount = String(grouping.columns.count + 6)
        shared = grouping.shared
        hasShared = !shared.isEmpty
        var number = 0
        groups = grouping.groups.map { group in
            Group(
                title: group.title,
                rows: group.runs.map { document in
                    number += 1
                    let trend = TrendChart.svg(id: "trend-\(number)", key: document.runId, entries: history)
                    let cells = document.cells
                    let configuration = grouping.cells(document)
                    return Row(
                        href: hasPage[document.runId] ?? false ? "\(document.runId)/index.html" : "\(document.runId)/report.json",
                        hardware: configuration[0], cells: Array(configuration.dropFirst()),
                        latency: cells.latency, energy: cells.energy, edp: cells.edp, addShare: cells.addShare,
                        adds: Format.grouped(document.addTotals.adds), trend: trend ?? "", hasTrend: trend != nil
                    )
                })
        }
        runCount = runs.count == 1 ? "1 run" : "\(runs.count) runs"
        hasRuns = !runs.isEmpty
    }
}
