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
        var params: String
        var macs: String
        var adds: String
        var bytes: String
    }

    var rows: [Row]
    var runCount: String
    var toolVersion = ToolInfo.version

    /// Reads each run's `report.json`; runs are sorted by id so the page is deterministic.
    init(runs: [(runID: String, document: ReportDocument, hasPage: Bool)]) {
        rows = runs.sorted { $0.runID < $1.runID }.map { run in
            let model = run.document.model
            return Row(
                runID: run.runID,
                href: run.hasPage ? "\(run.runID)/index.html" : "\(run.runID)/report.json",
                model: model.name, batch: String(model.batch), seq: String(model.seq), precision: model.precision,
                aggregation: model.aggregation, params: Format.scaled(Double(model.params), unit: ""),
                macs: Format.scaled(Double(model.macs), unit: ""), adds: Format.grouped(run.document.totals.adds),
                bytes: Format.bytes(run.document.totals.bytes)
            )
        }
        runCount = runs.count == 1 ? "1 run" : "\(runs.count) runs"
    }
}
