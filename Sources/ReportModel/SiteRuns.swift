import Foundation
import Support

/// The runs a site folder holds: every folder with a readable `report.json`.
public enum SiteRuns {
    /// The folder holding a copy of the newest run: not a run of its own.
    public static let latestFolder = "latest"

    /// Each run's id, document and whether it has a page, in name order. `known` documents
    /// (runs just added) are not read back.
    public static func read(in root: URL, known: [String: ReportDocument] = [:]) -> [(runID: String, document: ReportDocument, hasPage: Bool)] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: root.path) else { return [] }
        // Read side by side: a site of a hundred runs has a hundred report.json files to decode.
        let found: [(String, ReportDocument, Bool)?] = names.sorted().filter { !$0.hasPrefix(".") && $0 != latestFolder }.concurrentMap { name in
            let folder = root.appendingPathComponent(name)
            let hasPage = FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path)
            if let document = known[name] { return (name, document, hasPage) }
            guard let data = try? Data(contentsOf: folder.appendingPathComponent("report.json")),
                let document = try? ReportDocument.decoder.decode(ReportDocument.self, from: data)
            else { return nil }
            return (name, document, hasPage)
        }
        return found.compactMap { $0.map { (runID: $0.0, document: $0.1, hasPage: $0.2) } }
    }
}
