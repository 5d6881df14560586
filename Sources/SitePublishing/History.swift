import Support
import Foundation
import ReportModel

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
                throw ReportError("\(displayPath ?? url.path):\(number + 1): is not a history entry (\(decodingErrorSummary(error))); fix or delete that line")
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
}
