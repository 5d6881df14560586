import Support
import Foundation
import KPUModel
import XHTMLValidator

/// Which files a run produces.
public enum OutputFormat: String, Sendable, CaseIterable {
    case html, json, both

    public var writesHTML: Bool { self != .json }
    public var writesJSON: Bool { self != .html }
}

/// Publishes runs into a site folder without ever leaving it half-written.
///
/// A run's files are rendered, written into a staging folder inside the site, validated, and only
/// then renamed into place; the site index is rendered and validated before anything is moved,
/// then replaced by a rename. A failure at any step leaves the previous site as it was.
///
/// ```swift
/// let writer = SiteWriter(root: URL(fileURLWithPath: "reports"), templates: templates)
/// let published = try writer.publish(report, format: .both)
/// ```
public struct SiteWriter: Sendable {
    public let root: URL
    public let templates: Templates

    public init(root: URL, templates: Templates) {
        self.root = root
        self.templates = templates
    }

    /// The files written for one run, in the order they were written.
    public struct Published: Sendable {
        public let runDirectory: URL
        public let files: [URL]
        public let siteIndex: URL?
    }

    /// Publishes one run: the whole site is assembled beside the published one and swapped in
    /// (see ``SiteAssembly``), with the run's line appended to `history.jsonl`.
    public func publish(_ report: RunReport, format: OutputFormat, commit: String? = nil) throws(ReportError) -> Published {
        // Render and validate first: a template or validation error must not touch the file system.
        let files = try Self.renderFiles(report, format: format, templates: templates, pagePath: "\(root.path)/\(report.runID)/index.html")
        let site = try SiteAssembly(root: root, templates: templates)
        let summary = try site.add(prerendered: files, of: report)
        let written = try site.publish(latest: summary.runID, history: [HistoryEntry(report: report, commit: commit)], pages: format.writesHTML)
        let destination = site.root.appendingPathComponent(report.runID)
        return Published(runDirectory: destination, files: files.map { destination.appendingPathComponent($0.name) },
                         siteIndex: written.first { $0.lastPathComponent == "index.html" })
    }

    /// A run's files, rendered and validated in memory, each handed to `write`, when given, as
    /// soon as it is ready.
    ///
    /// Two lanes run side by side. The page (model, Mustache, validation) is the longer job, so
    /// the other lane lays out its Gantt charts first, then writes the data files.
    static func renderFiles(_ report: RunReport, format: OutputFormat, templates: Templates, pagePath: String,
                            write: (@Sendable (String, Data) throws(ReportError) -> Void)? = nil) throws(ReportError) -> [(name: String, data: Data)] {
        typealias Part = Result<[(name: String, data: Data)], ReportError>
        let charts = Handoff<RunPage.GanttCharts?>()
        @Sendable func produce(_ name: String, _ make: () throws -> Data?) -> Part {
            do {
                guard let data = try make() else { return .success([]) }
                if let write { try write(name, data) }
                return .success([(name, data)])
            } catch let error as ReportError {
                return .failure(error)
            } catch {
                return .failure(ReportError("\(report.runID)/\(name): could not encode it: \(error)"))
            }
        }
        // Neither lane throws: failures come back as results.
        let (page, data): (Part, [Part]) = try! concurrently({
            guard format.writesHTML else { return .success([]) }
            return produce("index.html") {
                let model = RunPage(report: report, hasJSON: format.writesJSON, charts: charts.take())
                let page = try templates.render(ReflectedView(model), template: "run")
                try Self.validate(page, file: pagePath)
                return Data(page.utf8)
            }
        }, {
            if format.writesHTML { charts.put(RunPage.ganttCharts(for: report)) }
            guard format.writesJSON else { return [] }
            return [
                produce("report.json") { try report.jsonData() },
                produce("schedule.json") { try report.scheduleData() },
                produce("trace.json") { try report.perfettoTraceData() },
                produce("adds.csv") { report.addsCSV() },
                produce("ops.csv") { report.opsCSV() },
            ]
        })
        var files: [(name: String, data: Data)] = []
        for part in [page] + data { files += try part.get() }
        return files
    }

    static let latestFolder = "latest"

    /// Runs in a site folder: every folder holding a readable `report.json`.
    static func runs(in root: URL, known: [String: ReportDocument] = [:]) -> [(runID: String, document: ReportDocument, hasPage: Bool)] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: root.path) else { return [] }
        // Read side by side: a site of a hundred runs has a hundred report.json files to decode.
        let found: [(String, ReportDocument, Bool)?] = names.sorted().filter { !$0.hasPrefix(".") && $0 != Self.latestFolder }.concurrentMap { name in
            let folder = root.appendingPathComponent(name)
            let hasPage = FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.html").path)
            if let document = known[name] { return (name, document, hasPage) }
            guard let data = try? Data(contentsOf: folder.appendingPathComponent("report.json")),
                  let document = try? ReportDocument.decoder.decode(ReportDocument.self, from: data) else { return nil }
            return (name, document, hasPage)
        }
        return found.compactMap { $0.map { (runID: $0.0, document: $0.1, hasPage: $0.2) } }
    }

    static func validate(_ page: String, file: String) throws(ReportError) {
        let issues = XHTMLValidator.validate(Array(page.utf8), file: file)
        if let first = issues.first {
            let more = issues.count > 1 ? " (and \(issues.count - 1) more)" : ""
            throw ReportError("\(first)\(more); the page was not published")
        }
    }

    /// rename(2): atomic within one file system, replacing a file at the destination.
    static func rename(_ source: URL, to destination: URL) throws {
        if Foundation.rename(source.path, destination.path) != 0 {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    /// Why a file operation failed, in the system's words (`No such file or directory`).
    public static func reason(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
