import Support
import Foundation

/// One line of `history.jsonl`: a run's headline figures at a date and commit, so a nightly job
/// can show how each configuration moves over time.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// From --date or SOURCE_DATE_EPOCH; null when neither was given.
    public var date: String?
    /// From --commit, GITHUB_SHA or CI_COMMIT_SHA.
    public var commit: String?
    /// The configuration key: the run id.
    public var key: String
    public var latencyS: Double?
    public var energyJ: Double?
    public var edp: Double?
    public var addEnergyShare: Double?

    public init(date: String?, commit: String?, key: String, latencyS: Double?, energyJ: Double?, edp: Double?, addEnergyShare: Double?) {
        self.date = date
        self.commit = commit
        self.key = key
        self.latencyS = latencyS
        self.energyJ = energyJ
        self.edp = edp
        self.addEnergyShare = addEnergyShare
    }

    /// A run's line; the figures are its sweep point's, so a run with a page and one without
    /// write the same line.
    public init(report: RunReport, commit: String?) {
        let document = report.document
        if let point = SweepPoint(document: document, page: nil) {
            self = point.historyEntry(date: report.date, commit: commit)
        } else {
            self.init(date: report.date, commit: commit, key: report.runID, latencyS: nil, energyJ: nil, edp: nil, addEnergyShare: nil)
        }
    }
}
