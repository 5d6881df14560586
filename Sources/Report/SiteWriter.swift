import Foundation
import KPUModel
import XHTMLValidator

/// Which files a run produces.
public enum OutputFormat: String, Sendable, CaseIterable {
    case html, json, both

    var writesHTML: Bool { self != .json }
    var writesJSON: Bool { self != .html }
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

    public func publish(_ report: RunReport, format: OutputFormat) throws(ReportError) -> Published {
        // Render and validate everything in memory first: a template or validation error must
        // not touch the file system at all. The page and the JSON files are independent, so they
        // are produced side by side.
        let templates = self.templates
        let pagePath = "\(root.path)/\(report.runID)/index.html"
        // Each file is independent: they are produced side by side on all cores, kept in this order.
        let names = ["index.html", "report.json", "schedule.json", "trace.json", "adds.csv", "ops.csv"]
        let parts: [Result<[(name: String, data: Data)], ReportError>] = names.concurrentMap { name in
            do {
                let data: Data?
                switch name {
                case "index.html":
                    guard format.writesHTML else { return .success([]) }
                    let page = try templates.render(ReflectedView(RunPage(report: report, hasJSON: format.writesJSON)), template: "run")
                    try Self.validate(page, file: pagePath)
                    data = Data(page.utf8)
                case _ where !format.writesJSON: data = nil
                case "report.json": data = try report.jsonData()
                case "schedule.json": data = try report.scheduleData()
                case "trace.json": data = try report.perfettoTraceData()
                case "adds.csv": data = report.addsCSV()
                default: data = report.opsCSV()
                }
                return .success(data.map { [(name, $0)] } ?? [])
            } catch let error as ReportError {
                return .failure(error)
            } catch {
                return .failure(ReportError("\(report.runID)/\(name): could not encode it: \(error)"))
            }
        }
        var files: [(name: String, data: Data)] = []
        for part in parts { files += try part.get() }

        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw ReportError("\(root.path): cannot create the output folder (\(Self.reason(error))); choose a writable folder with --out")
        }
        let staging = root.appendingPathComponent(".staging-\(report.runID)-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? fileManager.removeItem(at: staging)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
            for file in files {
                try file.data.write(to: staging.appendingPathComponent(file.name))
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw ReportError("\(root.path): cannot write into the output folder (\(Self.reason(error))); choose a writable folder with --out")
        }

        // The index lists the runs already present plus this one; render it before moving anything.
        var indexPage: String?
        if format.writesHTML {
            var runs = existingRuns().filter { $0.runID != report.runID }
            runs.append((report.runID, report.document, true))
            do {
                let page = try templates.render(ReflectedView(SiteIndexPage(runs: runs)), template: "site-index")
                try Self.validate(page, file: "\(root.path)/index.html")
                indexPage = page
            } catch {
                try? fileManager.removeItem(at: staging)
                throw error
            }
        }

        let destination = root.appendingPathComponent(report.runID)
        do {
            try Self.replace(destination, with: staging)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw ReportError("\(destination.path): cannot move the new run into place (\(Self.reason(error)))")
        }
        var siteIndex: URL?
        if let indexPage {
            let index = root.appendingPathComponent("index.html")
            let temporary = root.appendingPathComponent(".index.html.\(ProcessInfo.processInfo.processIdentifier).tmp")
            do {
                try Data(indexPage.utf8).write(to: temporary)
                try Self.rename(temporary, to: index)
            } catch {
                try? fileManager.removeItem(at: temporary)
                throw ReportError("\(index.path): cannot update the site index (\(Self.reason(error)))")
            }
            siteIndex = index
        }
        // reports/latest/ holds a copy of the newest run, so a fixed link always shows it.
        // A copy rather than a link: Pages artifacts and zip archives do not keep symlinks.
        let latest = root.appendingPathComponent(Self.latestFolder)
        let latestStaging = root.appendingPathComponent(".staging-latest-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? fileManager.removeItem(at: latestStaging)
            try fileManager.createDirectory(at: latestStaging, withIntermediateDirectories: false)
            for file in files { try file.data.write(to: latestStaging.appendingPathComponent(file.name)) }
            try Self.replace(latest, with: latestStaging)
        } catch {
            try? fileManager.removeItem(at: latestStaging)
            throw ReportError("\(latest.path): cannot update the copy of the newest run (\(Self.reason(error)))")
        }
        return Published(runDirectory: destination, files: files.map { destination.appendingPathComponent($0.name) }, siteIndex: siteIndex)
    }

    static let latestFolder = "latest"

    /// Runs already in the site: every folder holding a readable `report.json`.
    func existingRuns() -> [(runID: String, document: ReportDocument, hasPage: Bool)] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: root.path) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."), name != Self.latestFolder else { return nil }
            let folder = root.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: folder.appendingPathComponent("report.json")),
                  let document = try? decoder.decode(ReportDocument.self, from: data) else { return nil }
            let hasPage = fileManager.fileExists(atPath: folder.appendingPathComponent("index.html").path)
            return (name, document, hasPage)
        }
    }

    static func validate(_ page: String, file: String) throws(ReportError) {
        let issues = XHTMLValidator.validate(Array(page.utf8), file: file)
        if let first = issues.first {
            let more = issues.count > 1 ? " (and \(issues.count - 1) more)" : ""
            throw ReportError("\(first)\(more); the page was not published")
        }
    }

    /// Puts `staging` at `destination`, moving any previous run aside first and deleting it after.
    static func replace(_ destination: URL, with staging: URL) throws {
        let fileManager = FileManager.default
        let previous = destination.deletingLastPathComponent()
            .appendingPathComponent(".previous-\(destination.lastPathComponent)-\(ProcessInfo.processInfo.processIdentifier)")
        var movedAside = false
        if fileManager.fileExists(atPath: destination.path) {
            try rename(destination, to: previous)
            movedAside = true
        }
        do {
            try rename(staging, to: destination)
        } catch {
            if movedAside { try? rename(previous, to: destination) }
            throw error
        }
        if movedAside { try? fileManager.removeItem(at: previous) }
    }

    /// rename(2): atomic within one file system, replacing a file at the destination.
    static func rename(_ source: URL, to destination: URL) throws {
        if Foundation.rename(source.path, destination.path) != 0 {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    static func reason(_ error: Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
