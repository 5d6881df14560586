import CSiteSwap
import Foundation
import KPUModel

/// A site assembled in a folder beside the published one and swapped into place in one step.
///
/// The previous site's files are hard-linked into the staging folder (files are never modified
/// in place, only replaced, so the links cannot change the published copy); new runs, the index,
/// the comparison page and `history.jsonl` are written and validated there; then the staging
/// folder and the site are exchanged atomically (`renameat2(RENAME_EXCHANGE)`). A process killed
/// at any point leaves the published site as it was. An flock(2) on the folder holding the site,
/// held from start to swap, makes concurrent runs on one site take turns, so neither loses the
/// other's run or history line; locking the folder itself leaves no lock file behind.
///
/// ```swift
/// let site = try SiteAssembly(root: URL(fileURLWithPath: "reports"), templates: templates)
/// let summary = try site.add(report, format: .both)
/// try site.publish(latest: summary.runID, history: [entry])
/// ```
public final class SiteAssembly: @unchecked Sendable {
    public let root: URL
    public let templates: Templates
    let staging: URL
    private let lockDescriptor: Int32
    private let state = NSLock()
    private var published = false
    private var released = false
    /// Documents of the runs added here, so the index need not read them back.
    private var added: [String: ReportDocument] = [:]

    /// What the site index and the comparison page need of a run, kept instead of the report.
    public struct RunSummary: Sendable {
        public let runID: String
        let document: ReportDocument
        public let files: [String]
    }

    public init(root: URL, templates: Templates) throws(ReportError) {
        try SiteLocation.check(root)
        self.root = root.standardizedFileURL
        self.templates = templates
        let fileManager = FileManager.default
        let parent = self.root.deletingLastPathComponent()
        let name = self.root.lastPathComponent
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ReportError("\(self.root.path): cannot create the output folder (\(SiteWriter.reason(error))); choose a writable folder with --out")
        }
        // The parent is never swapped, so its lock outlives every exchange of the site below it.
        // (Sites side by side in one folder take turns too; each run holds the lock for moments.)
        let descriptor = open(parent.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ReportError("\(self.root.path): cannot open the folder holding it to lock it (\(String(cString: strerror(errno)))); choose a writable folder with --out")
        }
        // Blocks while another run publishes into a site in the same folder.
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
        lockDescriptor = descriptor
        staging = parent.appendingPathComponent(".\(name).staging-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            // Left by runs that were killed: nobody else can be using them while we hold the lock.
            for leftover in (try? fileManager.contentsOfDirectory(atPath: parent.path)) ?? []
            where leftover.hasPrefix(".\(name).staging-") || leftover.hasPrefix(".\(name).previous-") {
                try? fileManager.removeItem(at: parent.appendingPathComponent(leftover))
            }
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
            if fileManager.fileExists(atPath: self.root.path) {
                try Self.linkTree(from: self.root, to: staging)
            }
        } catch let error as ReportError {
            release()
            throw error
        } catch {
            release()
            throw ReportError("\(self.root.path): cannot prepare the new site beside it (\(SiteWriter.reason(error))); choose a writable folder with --out")
        }
    }

    deinit { release() }

    /// Drops the staging folder unless it was published, and lets the next run in.
    private func release() {
        state.lock()
        defer { state.unlock() }
        guard !released else { return }
        released = true
        if !published { try? FileManager.default.removeItem(at: staging) }
        close(lockDescriptor)
    }

    /// Renders, validates and writes one run into the staging site. Safe to call from several
    /// threads at once for different runs.
    public func add(_ report: RunReport, format: OutputFormat) throws(ReportError) -> RunSummary {
        // Each file is written as soon as it is rendered, beside the others still rendering: the
        // folder is in the staging site, which is dropped if anything fails.
        let folder = try runFolder(report.runID)
        let files = try SiteWriter.renderFiles(report, format: format, templates: templates, pagePath: "\(root.path)/\(report.runID)/index.html") {
            name, data throws(ReportError) in
            do { try Self.writeFile(folder.appendingPathComponent(name), data) } catch { throw self.writeError(error) }
        }
        return added(report, files: files.map(\.name))
    }

    func add(prerendered files: [(name: String, data: Data)], of report: RunReport) throws(ReportError) -> RunSummary {
        let folder = try runFolder(report.runID)
        for file in files {
            do { try Self.writeFile(folder.appendingPathComponent(file.name), file.data) } catch { throw writeError(error) }
        }
        return added(report, files: files.map(\.name))
    }

    /// An empty folder for the run in the staging site.
    private func runFolder(_ runID: String) throws(ReportError) -> URL {
        let folder = staging.appendingPathComponent(runID)
        do {
            // The previous run of the same id was linked in: remove the links, never write through them.
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
            throw writeError(error)
        }
        return folder
    }

    private func writeError(_ error: any Error) -> ReportError {
        ReportError("\(root.path): cannot write into the output folder (\(SiteWriter.reason(error))); choose a writable folder with --out")
    }

    private func added(_ report: RunReport, files: [String]) -> RunSummary {
        let summary = RunSummary(runID: report.runID, document: report.document, files: files)
        state.withLock { added[summary.runID] = summary.document }
        return summary
    }

    /// Copies a finished run folder (from a shard's site) into the staging site.
    public func adopt(runFolder: URL) throws(ReportError) -> RunSummary {
        let reportFile = runFolder.appendingPathComponent("report.json")
        let document: ReportDocument
        do {
            document = try ReportDocument.decoder.decode(ReportDocument.self, from: Data(contentsOf: reportFile))
        } catch {
            throw ReportError("\(reportFile.path): is not a report.json this tool wrote (\(error)); merge only site folders written by generate-report")
        }
        let folder = staging.appendingPathComponent(runFolder.lastPathComponent)
        do {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.copyItem(at: runFolder, to: folder)
        } catch {
            throw ReportError("\(root.path): cannot copy \(runFolder.path) into the site (\(SiteWriter.reason(error)))")
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()) ?? []
        return RunSummary(runID: runFolder.lastPathComponent, document: document, files: files)
    }

    /// The history lines already in the site being replaced.
    public func previousHistory() throws(ReportError) -> [HistoryEntry] {
        try History.read(staging.appendingPathComponent(History.fileName), displayPath: root.appendingPathComponent(History.fileName).path)
    }

    /// Writes the site index (every run in the site), `history.jsonl` (previous lines plus
    /// `history`), the comparison page when given, and `latest/`; validates the pages; then
    /// swaps the staging folder into place. Returns the written site-level files.
    @discardableResult
    public func publish(latest: String?, history newEntries: [HistoryEntry], comparison: ComparisonPage? = nil,
                        pages: Bool = true) throws(ReportError) -> [URL] {
        let fileManager = FileManager.default
        var written: [URL] = []
        let history = try previousHistory() + newEntries
        do {
            try Self.replaceFile(staging.appendingPathComponent(History.fileName), with: History.encode(history))
            written.append(root.appendingPathComponent(History.fileName))
        } catch {
            throw ReportError("\(root.path): cannot write history.jsonl (\(SiteWriter.reason(error)))")
        }
        if let comparison, pages {
            let page = try templates.render(ReflectedView(comparison), template: "comparison")
            try SiteWriter.validate(page, file: "\(root.path)/\(ComparisonPage.fileName)")
            do { try Self.replaceFile(staging.appendingPathComponent(ComparisonPage.fileName), with: Data(page.utf8)) } catch {
                throw ReportError("\(root.path): cannot write \(ComparisonPage.fileName) (\(SiteWriter.reason(error)))")
            }
            written.append(root.appendingPathComponent(ComparisonPage.fileName))
        }
        let runs = SiteWriter.runs(in: staging, known: state.withLock { added })
        if !runs.isEmpty && pages {
            let hasComparison = fileManager.fileExists(atPath: staging.appendingPathComponent(ComparisonPage.fileName).path)
            let index = SiteIndexPage(runs: runs, history: history, hasComparison: hasComparison)
            let page = try templates.render(ReflectedView(index), template: "site-index")
            try SiteWriter.validate(page, file: "\(root.path)/index.html")
            do { try Self.replaceFile(staging.appendingPathComponent("index.html"), with: Data(page.utf8)) } catch {
                throw ReportError("\(root.path): cannot write index.html (\(SiteWriter.reason(error)))")
            }
            written.append(root.appendingPathComponent("index.html"))
        }
        // latest/ holds a copy of the newest run, so a fixed link always shows it. A copy rather
        // than a symlink: Pages artifacts and zip archives do not keep symlinks.
        if let latest {
            let latestFolder = staging.appendingPathComponent(SiteWriter.latestFolder)
            do {
                try? fileManager.removeItem(at: latestFolder)
                try Self.linkTree(from: staging.appendingPathComponent(latest), to: latestFolder, create: true)
            } catch {
                throw ReportError("\(root.path)/latest: cannot update the copy of the newest run (\(SiteWriter.reason(error)))")
            }
        }
        try swapIntoPlace()
        release()
        return written
    }

    private func swapIntoPlace() throws(ReportError) {
        let fileManager = FileManager.default
        state.lock()
        defer { state.unlock() }
        if fileManager.fileExists(atPath: root.path) {
            if site_swap_exchange(staging.path, root.path) == 0 {
                // The staging path now holds the previous site.
                try? fileManager.removeItem(at: staging)
            } else {
                // No exchange on this file system: two renames, the old site kept until the new one is in place.
                let previous = root.deletingLastPathComponent().appendingPathComponent(".\(root.lastPathComponent).previous-\(ProcessInfo.processInfo.processIdentifier)")
                do {
                    try SiteWriter.rename(root, to: previous)
                    do { try SiteWriter.rename(staging, to: root) } catch {
                        try? SiteWriter.rename(previous, to: root)
                        throw error
                    }
                } catch {
                    throw ReportError("\(root.path): cannot move the new site into place (\(SiteWriter.reason(error)))")
                }
                try? fileManager.removeItem(at: previous)
            }
        } else {
            do { try SiteWriter.rename(staging, to: root) } catch {
                throw ReportError("\(root.path): cannot move the new site into place (\(SiteWriter.reason(error)))")
            }
        }
        published = true
    }

    /// Writes `data` as a new file at `url` (unlinking what was there, which may be a link into
    /// the published site).
    static func replaceFile(_ url: URL, with data: Data) throws {
        unlink(url.path)
        try writeFile(url, data)
    }

    /// Writes a new file in the staging site with open/write/close. Not Data.write(to:), which
    /// fsyncs every file (a millisecond or more each here): publishing is made safe by the
    /// rename that swaps the finished site in, not by flushing each file to disk.
    static func writeFile(_ url: URL, _ data: Data) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
        }
    }

    /// Recreates `source`'s tree under `destination` with hard links to its files (a copy where
    /// links are refused). Dot-files at the top (staging leftovers) are skipped.
    static func linkTree(from source: URL, to destination: URL, create: Bool = false) throws {
        let fileManager = FileManager.default
        if create { try fileManager.createDirectory(at: destination, withIntermediateDirectories: false) }
        for name in try fileManager.contentsOfDirectory(atPath: source.path).sorted() where !name.hasPrefix(".") {
            let from = source.appendingPathComponent(name), to = destination.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            _ = fileManager.fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try linkTree(from: from, to: to, create: true)
            } else if link(from.path, to.path) != 0 {
                try fileManager.copyItem(at: from, to: to)
            }
        }
    }
}
