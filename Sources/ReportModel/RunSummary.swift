/// A run as published into a site: what the site index and the comparison page need of it,
/// kept instead of the whole report.
public struct RunSummary: Sendable {
    public let runID: String
    public let document: ReportDocument
    /// The run's files, by name.
    public let files: [String]

    public init(runID: String, document: ReportDocument, files: [String]) {
        self.runID = runID
        self.document = document
        self.files = files
    }
}
