/// A run as published into a site: what the site index, the comparison page and `sweep.csv`
/// need of it, kept instead of the whole report. A run with files (a page, data files) has its
/// report.json document; a run of a sweep without files (`--pages pareto|none`) has only its
/// point.
public struct RunSummary: Sendable {
    public let runID: String
    /// The run's figures as the comparison page and `sweep.csv` read them; nil for a run without
    /// a KPU model.
    public let point: SweepPoint?
    public let document: ReportDocument?
    /// The run's files, by name; empty for a run without a folder.
    public let files: [String]

    public init(runID: String, document: ReportDocument, files: [String]) {
        self.runID = runID
        self.document = document
        self.files = files
        point = SweepPoint(document: document, page: files.contains("index.html") ? "\(runID)/index.html" : nil)
    }

    /// A run of a sweep that got no folder.
    public init(point: SweepPoint) {
        runID = point.runID
        self.point = point
        document = nil
        files = []
    }
}
