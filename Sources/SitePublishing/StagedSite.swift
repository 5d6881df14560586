import CSiteSwap
import Foundation
import ReportModel
import Support

/// A site assembled in a folder beside the published one and swapped into place in one step.
///
/// The previous site's files are hard-linked into the staging folder (files are never modified
/// in place, only replaced, so the links cannot change the published copy); new runs, the index,
/// the comparison page and `history.jsonl` are written there; then the staging folder and the
/// site are exchanged atomically (`renameat2(RENAME_EXCHANGE)`). A process killed at any point
/// leaves the published site as it was. An flock(2) on the folder holding the site, held from
/// start to swap, makes concurrent runs on one site take turns, so neither loses the other's run
/// or history line; locking the folder itself leaves no lock file behind.
///
/// It knows files and folders only: what goes into them is the publisher's (Pipeline).
///
/// ```swift
/// let site = try StagedSite(root: URL(fileURLWithPath: "reports"))
/// let folder = try site.runFolder(runID)
/// try StagedSite.writeFile(folder.appendingPathComponent("report.json"), data)
/// try site.swapIntoPlace()
/// ```
public final class StagedSite: @unchecked Sendable {
    public let root: URL
    /// Where the new site is assembled; it becomes `root` when swapped into place.
    public let staging: URL
    private let lockDescriptor: Int32
    private let state = NSLock()
    private var published = false
    private var released = false

    public init(root: URL) throws(ReportError) {
        try SiteLocation.check(root)
        self.root = root.standardizedFileURL
        let fileManager = FileManager.default
        let parent = self.root.deletingLastPathComponent()
        let name = self.root.lastPathComponent
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ReportError("\(self.root.path): cannot create the output folder (\(systemErrorReason(error))); choose a writable folder with --out")
        }
        // The parent is never swapped, so its lock outlives every exchange of the site below it.
        // (Sites side by side in one folder take turns too; each run holds the lock for moments.)
        let descriptor = open(parent.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ReportError(
                "\(self.root.path): cannot open the folder holding it to lock it (\(String(cString: strerror(errno)))); choose a writable folder with --out")
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
            throw ReportError("\(self.root.path): cannot prepare the new site beside it (\(systemErrorReason(error))); choose a writable folder with --out")
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

    /// An empty folder for the run in the staging site.
    public func runFolder(_ runID: String) throws(ReportError) -> URL {
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

    public func writeError(_ error: any Error) -> ReportError {
        ReportError("\(root.path): cannot write into the output folder (\(systemErrorReason(error))); choose a writable folder with --out")
    }

    /// Copies a finished run folder (from a shard's site) into the staging site; returns the
    /// names of its files.
    public func copyRun(from runFolder: URL) throws(ReportError) -> [String] {
        let folder = staging.appendingPathComponent(runFolder.lastPathComponent)
        do {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.copyItem(at: runFolder, to: folder)
        } catch {
            throw ReportError("\(root.path): cannot copy \(runFolder.path) into the site (\(systemErrorReason(error)))")
        }
        return (try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()) ?? []
    }

    /// Writes a site-level file (`history.jsonl`, `index.html`, …) into the staging site and
    /// returns where it will be published. `what` names it in an error.
    @discardableResult
    public func replaceSiteFile(_ name: String, with data: Data) throws(ReportError) -> URL {
        do { try Self.replaceFile(staging.appendingPathComponent(name), with: data) } catch {
            throw ReportError("\(root.path): cannot write \(name) (\(systemErrorReason(error)))")
        }
        return root.appendingPathComponent(name)
    }

    /// The history lines already in the site being replaced.
    public func previousHistory() throws(ReportError) -> [HistoryEntry] {
        try History.read(staging.appendingPathComponent(History.fileName), displayPath: root.appendingPathComponent(History.fileName).path)
    }

    /// `latest/`: a copy of the newest run, so a fixed link always shows it. A copy rather than
    /// a symlink: Pages artifacts and zip archives do not keep symlinks.
    public func updateLatest(_ runID: String) throws(ReportError) {
        let latestFolder = staging.appendingPathComponent(SiteRuns.latestFolder)
        do {
            try? FileManager.default.removeItem(at: latestFolder)
            try Self.linkTree(from: staging.appendingPathComponent(runID), to: latestFolder, create: true)
        } catch {
            throw ReportError("\(root.path)/latest: cannot update the copy of the newest run (\(systemErrorReason(error)))")
        }
    }

    /// Exchanges the staging folder with the published site in one step, and lets the next run in.
    public func swapIntoPlace() throws(ReportError) {
        try exchange()
        release()
    }

    private func exchange() throws(ReportError) {
        let fileManager = FileManager.default
        state.lock()
        defer { state.unlock() }
        if fileManager.fileExists(atPath: root.path) {
            if site_swap_exchange(staging.path, root.path) == 0 {
                // The staging path now holds the previous site.
                try? fileManager.removeItem(at: staging)
            } else {
                // No exchange on this file system: two renames, the old site kept until the new one is in place.
                let previous = root.deletingLastPathComponent().appendingPathComponent(
                    ".\(root.lastPathComponent).previous-\(ProcessInfo.processInfo.processIdentifier)")
                do {
                    try Self.rename(root, to: previous)
                    do { try Self.rename(staging, to: root) } catch {
                        try? Self.rename(previous, to: root)
                        throw error
                    }
                } catch {
                    throw ReportError("\(root.path): cannot move the new site into place (\(systemErrorReason(error)))")
                }
                try? fileManager.removeItem(at: previous)
            }
        } else {
            do { try Self.rename(staging, to: root) } catch {
                throw ReportError("\(root.path): cannot move the new site into place (\(systemErrorReason(error)))")
            }
        }
        published = true
    }

    /// Writes `data` as a new file at `url` (unlinking what was there, which may be a link into
    /// the published site).
    public static func replaceFile(_ url: URL, with data: Data) throws {
        unlink(url.path)
        try writeFile(url, data)
    }

    /// Writes a new file in the staging site with open/write/close. Not Data.write(to:), which
    /// fsyncs every file (a millisecond or more each here): publishing is made safe by the
    /// rename that swaps the finished site in, not by flushing each file to disk.
    public static func writeFile(_ url: URL, _ data: Data) throws {
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

    /// rename(2): atomic within one file system, replacing a file at the destination.
    static func rename(_ source: URL, to destination: URL) throws {
        if Foundation.rename(source.path, destination.path) != 0 {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
