import Support
import Foundation

/// Where a site may be published. Publishing swaps the whole `--out` folder for the new site
/// (the previous site's files are carried over, anything else in it too, but the folder itself
/// is exchanged), so `--out` must be a folder of its own: not empty, not the working folder or
/// one holding it, not a folder holding this binary, not a git repository.
public enum SiteLocation {
    /// Why `root` cannot hold a site, in words for the person who gave `--out`, or nil.
    static func refusal(for root: URL, workingDirectory: URL, executable: URL) -> String? {
        let site = resolved(root)
        let here = resolved(workingDirectory)
        if contains(site, here) {
            return site == here ? "is the working folder \(here.path)" : "holds the working folder \(here.path)"
        }
        let tool = resolved(executable.deletingLastPathComponent())
        if contains(site, tool) { return "holds generate-report itself (\(tool.path))" }
        if FileManager.default.fileExists(atPath: site.appendingPathComponent(".git").path) { return "is a git repository" }
        return nil
    }

    /// The refusal as an error naming `--out` as given (`given`, else the path) and the fix.
    public static func check(
        _ root: URL, given: String? = nil, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        executable: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    ) throws(ReportError) {
        guard let reason = refusal(for: root, workingDirectory: workingDirectory, executable: executable) else { return }
        throw ReportError(
            "--out \(given ?? root.path): \(reason); publishing replaces the whole folder, so give the site a folder of its own (e.g. --out reports)")
    }

    /// Whether `folder` is `other` or one of the folders above it.
    static func contains(_ folder: URL, _ other: URL) -> Bool {
        let outer = folder.pathComponents, inner = other.pathComponents
        return inner.count >= outer.count && Array(inner.prefix(outer.count)) == outer
    }

    /// The folder with symbolic links resolved as far as it exists, so a link cannot disguise it.
    static func resolved(_ url: URL) -> URL {
        url.standardizedFileURL.resolvingSymlinksInPath()
    }
}
