import Support
import Foundation
import KPUModel
import ReportModel
import ReportRendering
import SitePublishing

/// Options that shape the published site rather than a run.
public struct PublishOptions: Sendable {
    public var format: OutputFormat
    public var commit: String?
    public var baseline: BaselineRuns?
    /// Relative change below which a difference is noise (0.01 = 1 %).
    public var noiseThreshold: Double

    public init(format: OutputFormat = .both, commit: String? = nil, baseline: BaselineRuns? = nil, noiseThreshold: Double = 0.01) {
        self.format = format
        self.commit = commit
        self.baseline = baseline
        self.noiseThreshold = noiseThreshold
    }

    /// Sets the run's comparison with its baseline run, when there is one (see
    /// ``BaselineComparison/compare(_:with:runCount:threshold:)``).
    public func attachBaseline(to report: inout RunReport, runCount: Int) {
        guard let baseline, let comparison = BaselineComparison.compare(report, with: baseline, runCount: runCount, threshold: noiseThreshold) else { return }
        report.baseline = (comparison, baseline.source, noiseThreshold)
    }
}

/// What a published sweep or merge holds.
public struct SweepOutcome: Sendable {
    public let runs: [RunSummary]
    public let comparison: BaselineComparison?
    public let siteFiles: [URL]

    public init(runs: [RunSummary], comparison: BaselineComparison?, siteFiles: [URL]) {
        self.runs = runs
        self.comparison = comparison
        self.siteFiles = siteFiles
    }
}

/// Which runs of a sweep get a folder of their own (page and data files).
public enum SweepPages: String, Sendable, CaseIterable {
    /// Every run.
    case all
    /// Only the runs on the latency–energy Pareto front; the others are rows of `sweep.csv` and
    /// points on the comparison page.
    case pareto
    /// No run: the site index, the comparison page, `sweep.csv` and `history.jsonl` only.
    case none
}

/// Runs a grid of configurations on all cores into one site, published in one step: the run
/// pages, the site index, a comparison page, `sweep.csv` and one history line per run. The
/// output is the same as a serial run's: each run depends only on its inputs, and the index,
/// comparison and history are written in grid order once all runs are done. If any run fails,
/// nothing is published and the error names the configuration.
///
/// With `--pages pareto` or `none`, every run is first modelled on the light path (its own policy
/// and residency only, see ``RunPipeline/point(_:)``); the runs that get a page are then modelled
/// in full.
public enum Sweep {
    public static func run(
        _ requests: [RunRequest], pipeline: RunPipeline, site: Publisher, options: PublishOptions, pages: SweepPages = .all,
        progress: SweepProgress? = nil, parallel: Bool = true
    ) throws -> SweepOutcome {
        let total = requests.count
        // Serial is there to check that parallel output is identical.
        func each<T: Sendable>(_ requests: [RunRequest], _ work: @escaping @Sendable (RunRequest) -> T) -> [T] {
            parallel ? requests.concurrentMap(work) : requests.map(work)
        }
        let full: @Sendable (RunRequest) throws -> (RunSummary, HistoryEntry) = { request in
            var report = try pipeline.report(request)
            options.attachBaseline(to: &report, runCount: total)
            let summary = try site.add(report, format: options.format)
            return (summary, HistoryEntry(report: report, commit: options.commit))
        }
        func check<T>(_ outcomes: [Result<T, any Error>], _ requestsOf: [Int]) throws -> [T] {
            try outcomes.enumerated().map { offset, outcome in
                let index = requestsOf[offset]
                do { return try outcome.get() } catch { throw SweepError(run: index + 1, of: total, label: requests[index].label, underlying: error) }
            }
        }
        var summaries: [RunSummary] = []
        var history: [HistoryEntry] = []
        switch pages {
        case .all:
            let outcomes = each(requests) { request in
                let result = Result { try full(request) }
                progress?.finished(label: (try? result.get().0.runID) ?? request.label, failed: (try? result.get()) == nil)
                return result
            }
            progress?.done()
            for (summary, entry) in try check(outcomes, Array(requests.indices)) {
                summaries.append(summary)
                history.append(entry)
            }
        case .pareto, .none:
            let outcomes = each(requests) { request in
                let result = Result { try pipeline.point(request) }
                progress?.finished(label: (try? result.get().runID) ?? request.label, failed: (try? result.get()) == nil)
                return result
            }
            progress?.done()
            let points = try check(outcomes, Array(requests.indices))
            let paged = pages == .pareto ? ParetoFront.indices(of: points).sorted() : []
            let fullOutcomes = each(paged.map { requests[$0] }) { request in Result { try full(request) } }
            let pagedRuns = Dictionary(uniqueKeysWithValues: zip(paged, try check(fullOutcomes, paged)))
            for (index, point) in points.enumerated() {
                if let (summary, entry) = pagedRuns[index] {
                    summaries.append(summary)
                    history.append(entry)
                } else {
                    summaries.append(RunSummary(point: point))
                    history.append(point.historyEntry(date: pipeline.date, commit: options.commit))
                }
            }
        }
        let comparison = options.baseline.map { BaselineComparison(runs: summaries, baseline: $0, threshold: options.noiseThreshold) }
        let files = try site.publish(
            latest: summaries.last { !$0.files.isEmpty }?.runID, history: history,
            comparison: total > 1 || comparison != nil ? ComparisonPage(runs: summaries, baseline: comparison) : nil,
            pages: options.format.writesHTML)
        return SweepOutcome(runs: summaries, comparison: comparison, siteFiles: files)
    }

    /// Combines the sites that shards wrote into one: their run folders, the runs their
    /// `sweep.csv` files list (runs without a page included), their history lines (each line
    /// once), a comparison page over every run, and a fresh index.
    public static func merge(_ folders: [String], into site: Publisher, options: PublishOptions) throws -> SweepOutcome {
        var summaries: [String: RunSummary] = [:]
        var history: [HistoryEntry] = []
        var seen = Set<String>()
        for entry in try site.previousHistory() { seen.insert(Self.identity(entry)) }
        for folder in folders {
            let url = URL(fileURLWithPath: folder)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RunRequestError("\(folder): no such folder; merge takes the site folders the shards wrote")
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.sorted() ?? []
            let runFolders = names.filter {
                !$0.hasPrefix(".") && $0 != "latest"
                    && FileManager.default.fileExists(atPath: url.appendingPathComponent($0).appendingPathComponent("report.json").path)
            }
            let table = url.appendingPathComponent(SweepCSV.fileName)
            let hasTable = FileManager.default.fileExists(atPath: table.path)
            if runFolders.isEmpty && !hasTable {
                throw RunRequestError("\(folder): holds neither run folders with a report.json nor a sweep.csv; is it a shard's --out folder?")
            }
            if hasTable {
                let data: Data
                do { data = try Data(contentsOf: table) } catch { throw RunRequestError("\(table.path): cannot be read (\(systemErrorReason(error)))") }
                for var point in try SweepCSV.points(from: data, file: table.path) where summaries[point.runID] == nil {
                    // A page is linked once its folder is adopted below.
                    point.page = nil
                    summaries[point.runID] = RunSummary(point: point)
                }
            }
            for name in runFolders { summaries[name] = try site.adopt(runFolder: url.appendingPathComponent(name)) }
            for entry in try History.read(url.appendingPathComponent(History.fileName)) where seen.insert(Self.identity(entry)).inserted {
                history.append(entry)
            }
        }
        let runs = summaries.keys.sorted().map { summaries[$0]! }
        let comparison = options.baseline.map { BaselineComparison(runs: runs, baseline: $0, threshold: options.noiseThreshold) }
        let files = try site.publish(
            latest: runs.last { !$0.files.isEmpty }?.runID, history: history, comparison: ComparisonPage(runs: runs, baseline: comparison),
            pages: options.format.writesHTML)
        return SweepOutcome(runs: runs, comparison: comparison, siteFiles: files)
    }

    /// A history line is the same line when key, date, commit and figures agree.
    static func identity(_ entry: HistoryEntry) -> String {
        String(decoding: History.encode([entry]), as: UTF8.self)
    }
}

/// A run of a sweep failed: which one, and why.
public struct SweepError: Error, CustomStringConvertible {
    public let run: Int
    public let of: Int
    public let label: String
    public let underlying: any Error
    public var description: String { "run \(run) of \(of) (\(label)): \(underlying); nothing was published" }
}

/// Progress on stderr: a line rewritten in place on a terminal (run i of n, elapsed, remaining),
/// one line per finished run otherwise (CI logs).
public final class SweepProgress: @unchecked Sendable {
    private let total: Int
    private let terminal: Bool
    private let start = DispatchTime.now().uptimeNanoseconds
    private let lock = NSLock()
    private var count = 0

    public init(total: Int, terminal: Bool = isatty(2) != 0) {
        self.total = total
        self.terminal = terminal
    }

    func finished(label: String, failed: Bool) {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        // A log gets a line per run up to a hundred runs, then one per hundredth of the sweep
        // (and every failure), so a 10,000-run sweep's log stays readable.
        guard terminal || failed || total <= 100 || count % (total / 100) == 0 || count == total else { return }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let remaining = elapsed / Double(count) * Double(total - count)
        let line =
            terminal
            ? "\r\u{1B}[Krun \(count) of \(total), \(Self.seconds(elapsed)) elapsed, about \(Self.seconds(remaining)) left"
            : "run \(count) of \(total)\(failed ? " failed" : ""): \(label) (\(Self.seconds(elapsed)) elapsed)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func done() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func seconds(_ value: Double) -> String {
        value < 10 ? String(format: "%.1f s", value) : "\(Int(value.rounded())) s"
    }
}
