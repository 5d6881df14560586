import Foundation
import ReportModel
import ReportRendering
import SitePublishing
import Support

/// The one way runs reach a site, for `run`, `sweep`, `merge` and the tests: each run's files
/// rendered, validated and written into a staged copy of the site, then the history, the
/// comparison page, the index and `latest/` written, and the whole swapped into place in one
/// step. A failure anywhere leaves the published site as it was.
///
/// ```swift
/// let publisher = try Publisher(root: URL(fileURLWithPath: "reports"), templates: templates)
/// let summary = try publisher.add(report, format: .both)
/// try publisher.publish(latest: summary.runID, history: [HistoryEntry(report: report, commit: nil)])
/// ```
public final class Publisher: @unchecked Sendable {
    public let site: StagedSite
    public let templates: Templates
    private let state = NSLock()
    /// Documents of the runs added here, so the index need not read them back.
    private var added: [String: ReportDocument] = [:]

    public var root: URL { site.root }

    public init(root: URL, templates: Templates) throws(ReportError) {
        site = try StagedSite(root: root)
        self.templates = templates
    }

    /// Renders, validates and writes one run into the staged site. Safe to call from several
    /// threads at once for different runs.
    public func add(_ report: RunReport, format: OutputFormat) throws(ReportError) -> RunSummary {
        // Each file is written as soon as it is rendered, beside the others still rendering: the
        // folder is in the staged site, which is dropped if anything fails.
        let folder = try site.runFolder(report.runID)
        let site = self.site
        let files = try RunFiles.render(report, format: format, templates: templates, pagePath: "\(root.path)/\(report.runID)/index.html") {
            name, data throws(ReportError) in
            do { try StagedSite.writeFile(folder.appendingPathComponent(name), data) } catch { throw site.writeError(error) }
        }
        let summary = RunSummary(runID: report.runID, document: report.document, files: files.map(\.name))
        state.withLock { added[summary.runID] = summary.document }
        return summary
    }

    /// Copies a finished run folder (from a shard's site) into the staged site.
    public func adopt(runFolder: URL) throws(ReportError) -> RunSummary {
        let reportFile = runFolder.appendingPathComponent("report.json")
        let document: ReportDocument
        do {
            document = try ReportDocument.decoder.decode(ReportDocument.self, from: Data(contentsOf: reportFile))
        } catch {
            throw ReportError("\(reportFile.path): is not a report.json this tool wrote (\(error)); merge only site folders written by generate-report")
        }
        let files = try site.copyRun(from: runFolder)
        return RunSummary(runID: runFolder.lastPathComponent, document: document, files: files)
    }

    /// The history lines already in the site being replaced.
    public func previousHistory() throws(ReportError) -> [HistoryEntry] {
        try site.previousHistory()
    }

    /// Writes `history.jsonl` (previous lines plus `history`), the comparison page and
    /// `sweep.csv` when given a comparison, the site index (every run in the site) and `latest/`;
    /// validates the pages; then swaps the staged site into place. Returns the written
    /// site-level files.
    @discardableResult
    public func publish(
        latest: String?, history newEntries: [HistoryEntry], comparison: ComparisonPage? = nil,
        pages: Bool = true
    ) throws(ReportError) -> [URL] {
        var written: [URL] = []
        let history = try previousHistory() + newEntries
        written.append(try site.replaceSiteFile(History.fileName, with: History.encode(history)))
        if let comparison {
            written.append(try site.replaceSiteFile(SweepCSV.fileName, with: SweepCSV.data(comparison.points)))
        }
        if let comparison, pages {
            let page = try templates.render(comparison, path: "\(root.path)/\(ComparisonPage.fileName)")
            written.append(try site.replaceSiteFile(ComparisonPage.fileName, with: Data(page.utf8)))
        }
        let runs = SiteRuns.read(in: site.staging, known: state.withLock { added })
        if (!runs.isEmpty || comparison != nil) && pages {
            let hasComparison = FileManager.default.fileExists(atPath: site.staging.appendingPathComponent(ComparisonPage.fileName).path)
            let index = SiteIndexPage(runs: runs, history: history, hasComparison: hasComparison)
            let page = try templates.render(index, path: "\(root.path)/index.html")
            written.append(try site.replaceSiteFile("index.html", with: Data(page.utf8)))
        }
        if let latest { try site.updateLatest(latest) }
        try site.swapIntoPlace()
        return written
    }

    /// Where one run landed: its folder, its files and the site index.
    public struct Published: Sendable {
        public let runDirectory: URL
        public let files: [URL]
        public let siteIndex: URL?
    }

    /// Publishes one run on its own into the site at `root`: the run, its history line, the
    /// index and `latest/`.
    @discardableResult
    public static func publish(
        _ report: RunReport, format: OutputFormat, into root: URL, templates: Templates,
        commit: String? = nil
    ) throws(ReportError) -> Published {
        let publisher = try Publisher(root: root, templates: templates)
        let summary = try publisher.add(report, format: format)
        let written = try publisher.publish(latest: summary.runID, history: [HistoryEntry(report: report, commit: commit)], pages: format.writesHTML)
        let folder = publisher.root.appendingPathComponent(summary.runID)
        return Published(
            runDirectory: folder, files: summary.files.map { folder.appendingPathComponent($0) },
            siteIndex: written.first { $0.lastPathComponent == "index.html" })
    }
}
