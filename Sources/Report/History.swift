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
        self.init(date: report.date, commit: commit, key: report.runID,
                  latencyS: document.totals?.latencyS, energyJ: document.totals.map { $0.energyPj.total * 1e-12 },
                  edp: document.totals?.edp, addEnergyShare: document.addTotals.shareEnergy)
    }

    init(document: ReportDocument, commit: String?) {
        self.init(date: document.generated, commit: commit, key: document.runId,
                  latencyS: document.totals?.latencyS, energyJ: document.totals.map { $0.energyPj.total * 1e-12 },
                  edp: document.totals?.edp, addEnergyShare: document.addTotals.shareEnergy)
    }
}

/// Reading and writing `history.jsonl`: one JSON object per line, keys sorted, snake_case.
public enum History {
    public static let fileName = "history.jsonl"

    /// The entries of a history file, oldest first; none when the file does not exist.
    public static func read(_ url: URL, displayPath: String? = nil) throws(ReportError) -> [HistoryEntry] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var entries: [HistoryEntry] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                entries.append(try decoder.decode(HistoryEntry.self, from: Data(line)))
            } catch {
                throw ReportError("\(displayPath ?? url.path):\(number + 1): is not a history entry (\(Self.describe(error))); fix or delete that line")
            }
        }
        return entries
    }

    public static func encode(_ entries: [HistoryEntry]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = Data()
        for entry in entries {
            // Encoding a struct of strings and doubles cannot fail.
            data.append((try? encoder.encode(entry)) ?? Data("{}".utf8))
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }

    /// The commit to record: --commit, else the CI's own variable.
    public static func commit(option: String?, environment: [String: String]) -> String? {
        if let option, !option.isEmpty { return option }
        return [environment["GITHUB_SHA"], environment["CI_COMMIT_SHA"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context): "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted: "not JSON"
        default: "\(error)"
        }
    }
}
