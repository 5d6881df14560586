import ArgumentParser
import Foundation
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

/// Where and how the site is written, and what it is compared with; shared by every subcommand.
struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The site folder to write into: not the working folder, nor a folder holding it or the tool.", valueName: "dir"))
    var out: String = "reports"

    @Option(
        name: .long, help: ArgumentHelp("The date the pages and history name, YYYY-MM-DD (default: SOURCE_DATE_EPOCH if set, else no date).", valueName: "date")
    )
    var date: String?

    @Option(name: .long, help: ArgumentHelp("The commit history.jsonl records (default: GITHUB_SHA or CI_COMMIT_SHA).", valueName: "sha"))
    var commit: String?

    @Option(name: .long, help: ArgumentHelp("What to write: pages, data files or both.", valueName: "format"))
    var format: OutputFormat = .both

    @Option(
        name: .long,
        help: ArgumentHelp("Folder of Mustache templates (default: templates/ here or beside the binary, else the built-in copy).", valueName: "dir"))
    var templates: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A previous report.json or site folder: pages show baseline, current, change and a verdict. A folder's runs are matched by run id.",
            valueName: "path"))
    var baseline: String?

    @Option(name: .customLong("noise-threshold"), help: ArgumentHelp("Changes within this many percent count as noise.", valueName: "pct"))
    var noiseThreshold: Double = 1

    @Option(
        name: .customLong("fail-on-regression"),
        help: ArgumentHelp(
            "Exit 3 when a watched metric regressed by more than this many percent against --baseline, or when no run had a baseline to compare with.",
            valueName: "pct"))
    var failOnRegression: Double?

    @Option(name: .customLong("fail-metrics"), help: ArgumentHelp("The metrics --fail-on-regression watches, comma-separated.", valueName: "list"))
    var failMetrics = WatchedMetrics(argument: WatchedMetrics.all.joined(separator: ","))!

    /// The options above that take one value.
    static let singleValued = [
        "--out", "--date", "--commit", "--format", "--templates", "--baseline", "--noise-threshold",
        "--fail-on-regression", "--fail-metrics"
    ]

    func validate() throws {
        // Refused before any work: publishing exchanges the whole --out folder.
        if out.trimmingCharacters(in: .whitespaces).isEmpty { throw RunRequestError("--out '': give the site a folder of its own (e.g. --out reports)") }
        try SiteLocation.check(URL(fileURLWithPath: out), given: out)
        if !(0..<100).contains(noiseThreshold) { throw ValidationError("--noise-threshold \(noiseThreshold): give a percentage from 0 to 100") }
        if let failOnRegression, failOnRegression < 0 { throw ValidationError("--fail-on-regression \(failOnRegression): give a percentage of 0 or more") }
        if failOnRegression != nil && baseline == nil { throw ValidationError("--fail-on-regression needs --baseline to compare with") }
    }

    func publishOptions() throws -> PublishOptions {
        PublishOptions(
            format: format, commit: History.commit(option: commit, environment: ProcessInfo.processInfo.environment),
            baseline: try baseline.map { path throws in try BaselineComparison.load(path) }, noiseThreshold: noiseThreshold / 100)
    }

    func pipeline() throws -> RunPipeline {
        RunPipeline(date: try RunPipeline.reportDate(option: date, environment: ProcessInfo.processInfo.environment))
    }

    /// --templates, else a templates/ folder here or beside the binary, else the built-in copy.
    func loadTemplates() throws -> Templates {
        if let templates { return try Templates(directory: URL(fileURLWithPath: templates)) }
        return try DefaultTemplates.loaded()
    }

    /// Prints the written files and what stderr should know of the baseline comparison, and
    /// exits 3 through `RegressionFound` when the gate fails: a watched metric regressed, or no
    /// run had a baseline, so nothing could be checked.
    func finish(_ outcome: SweepOutcome, runFiles: Bool) throws {
        let root = URL(fileURLWithPath: out).standardizedFileURL
        if runFiles {
            for run in outcome.runs {
                for file in run.files { print(relative(root.appendingPathComponent(run.runID).appendingPathComponent(file))) }
            }
        }
        for file in outcome.siteFiles { print(relative(file)) }
        // What each page warns of, on stderr too, so a nightly job's log shows it.
        for run in outcome.runs {
            for warning in run.document?.warnings ?? [] {
                FileHandle.standardError.write(Data("generate-report: warning: \(run.runID): \(warning)\n".utf8))
            }
        }
        guard let comparison = outcome.comparison else { return }
        let total = outcome.runs.count
        if failOnRegression != nil && comparison.runs.isEmpty {
            throw RegressionFound(
                gate: true, lines: ["\(comparison.coverage(runCount: total)), so nothing was compared; point --baseline at the same configurations"])
        }
        for line in comparison.warnings(runCount: total) {
            FileHandle.standardError.write(Data("generate-report: warning: \(line)\n".utf8))
        }
        if let threshold = failOnRegression {
            let regressions = comparison.regressions(beyond: threshold, metrics: failMetrics.names)
            if !regressions.isEmpty { throw RegressionFound(gate: false, lines: regressions) }
        }
    }

    func relative(_ url: URL) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(here) ? String(url.path.dropFirst(here.count)) : url.path
    }
}

/// --fail-on-regression failed: headline metrics regressed beyond it, or (`gate`) there was
/// nothing to compare. The site was still published.
struct RegressionFound: Error {
    let gate: Bool
    let lines: [String]
}
