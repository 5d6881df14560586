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

    public init(report: RunReport, commit: String?) {
        let document = report.document
        self.init(
            date: report.date, commit: commit, key: report.runID,
            latencyS: document.totals?.latencyS, energyJ: document.totals.map { $0.energyPj.joules },
            edp: document.totals?.edp, addEnergyShare: document.addTotals.shareEnergy)
    }

    init(document: ReportDocument, commit: String?) {
        self.init(
            date: document.generated, commit: commit, key: document.runId,
            latencyS: document.totals?.latencyS, energyJ: document.totals.map { $0.energyPj.joules },
            edp: document.totals?.edp, addEnergyShare: document.addTotals.shareEnergy)
    }
}
