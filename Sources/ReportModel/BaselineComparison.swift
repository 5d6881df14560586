import Support
import Foundation

/// Current runs set against a baseline (a previous `report.json` or a site folder of them):
/// per run, each headline metric and each add category's energy and latency, with Δ% and a
/// verdict. Lower is better for every metric compared. A site folder's runs are matched by run
/// id only; a run on only one side is listed. A single run against a `report.json` named
/// explicitly is compared whatever its id (one SKU against another, say), and what differs in
/// the two configurations is said on the page and on stderr.
public struct BaselineComparison: Sendable {
    public enum Verdict: String, Sendable {
        case improved, regressed
        case withinNoise = "within noise"
    }

    public struct Metric: Sendable {
        /// `latency`, `energy`, `edp`, or `<category>.energy` / `<category>.latency`.
        public let id: String
        public let title: String
        public let baseline: Double
        public let current: Double
        /// (current − baseline) / baseline; nil when the baseline is zero.
        public let change: Double?
        public let verdict: Verdict
        /// What `baseline` and `current` are measured in.
        public let unit: MetricUnit

        /// A value of this metric as the pages and messages print it.
        public func format(_ value: Double) -> String { unit.format(value) }
    }

    public struct Run: Sendable {
        public let runID: String
        public let baselineRunID: String
        public let headline: [Metric]
        public let categories: [Metric]
        /// Categories present on one side only.
        public let unmatchedCategories: [String]
        /// What differs in the baseline's configuration ("SKU KPU-T64 6W (this run KPU-T256 30W)"),
        /// empty when the two are the same configuration.
        public let differences: [String]
    }

    public let runs: [Run]
    /// Current runs with no baseline to compare with.
    public let missingInBaseline: [String]
    /// Baseline runs that this run set does not have.
    public let missingInCurrent: [String]
    /// Relative change below which a difference is noise (0.01 = 1 %).
    public let threshold: Double
    public let baselineSource: String
    /// The baseline was one `report.json` named explicitly, not a site folder.
    public let explicitFile: Bool

    init(current: [ReportDocument], baseline: [ReportDocument], threshold: Double, baselineSource: String, explicitFile: Bool) {
        self.threshold = threshold
        self.baselineSource = baselineSource
        self.explicitFile = explicitFile
        var pairs: [(ReportDocument, ReportDocument)] = []
        let baselineByID = Dictionary(baseline.map { ($0.runId, $0) }, uniquingKeysWith: { first, _ in first })
        if explicitFile, current.count == 1, baseline.count == 1 {
            pairs = [(current[0], baseline[0])]
            missingInBaseline = []
            missingInCurrent = []
        } else {
            pairs = current.compactMap { run in baselineByID[run.runId].map { (run, $0) } }
            let currentIDs = Set(current.map(\.runId))
            missingInBaseline = current.map(\.runId).filter { baselineByID[$0] == nil }.sorted()
            missingInCurrent = baseline.map(\.runId).filter { !currentIDs.contains($0) }.sorted()
        }
        runs = pairs.map { Self.compare($0.0, $0.1, threshold: threshold) }
    }

    static func compare(_ current: ReportDocument, _ baseline: ReportDocument, threshold: Double) -> Run {
        func metric(_ id: String, _ title: String, _ old: Double, _ new: Double, _ unit: MetricUnit) -> Metric {
            let change: Double? = old != 0 ? (new - old) / abs(old) : (new == 0 ? 0 : nil)
            let verdict: Verdict
            if let change {
                verdict = change > threshold ? .regressed : (change < -threshold ? .improved : .withinNoise)
            } else {
                verdict = new > old ? .regressed : .withinNoise
            }
            return Metric(id: id, title: title, baseline: old, current: new, change: change, verdict: verdict, unit: unit)
        }
        var headline: [Metric] = []
        if let now = current.totals, let then = baseline.totals {
            headline = [
                metric("latency", "Latency", then.latencyS, now.latencyS, .seconds),
                metric("energy", "Energy", then.energyPj.joules, now.energyPj.joules, .joules),
                metric("edp", "Energy-delay product", then.edp, now.edp, .jouleSeconds)
            ]
        }
        var categories: [Metric] = []
        let old = Dictionary(baseline.categories.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(current.categories.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for category in current.categories {
            // Categories the model has on neither side (no LayerNorm internals in a fused graph) say nothing.
            guard let then = old[category.id], category.count > 0 || then.count > 0,
                let nowEnergy = category.energyPj?.joules, let thenEnergy = then.energyPj?.joules,
                let nowLatency = category.latencyS, let thenLatency = then.latencyS
            else { continue }
            categories.append(metric("\(category.id).energy", "\(category.title): energy", thenEnergy, nowEnergy, .joules))
            categories.append(metric("\(category.id).latency", "\(category.title): latency", thenLatency, nowLatency, .seconds))
        }
        let unmatched = Set(old.keys).symmetricDifference(new.keys).sorted()
        return Run(
            runID: current.runId, baselineRunID: baseline.runId, headline: headline, categories: categories, unmatchedCategories: unmatched,
            differences: differences(current, baseline))
    }

    /// What the baseline's configuration has that the current run's has not, field by field.
    static func differences(_ current: ReportDocument, _ baseline: ReportDocument) -> [String] {
        let fields: [(String, (ReportDocument) -> String)] = [
            ("model", { $0.model.name }), ("SKU", { $0.hardwareLabel }), ("fusion", { $0.fusion ?? "none modelled" }),
            // Reports written before residency was an axis kept every activation in DRAM.
            ("residency", { $0.residency ?? "dram" }),
            ("precision", { $0.model.precision }), ("sequence", { String($0.model.seq) }), ("batch", { String($0.model.batch) }),
            ("hidden states", { $0.model.aggregation }), ("energy table", { $0.hardware?.energyTable ?? "none" })
        ]
        return fields.compactMap { name, value in
            value(current) == value(baseline) ? nil : "\(name) \(value(baseline)) (this run \(value(current)))"
        }
    }

    /// What stderr should say about the comparison of `runCount` runs: how many had a baseline and
    /// which did not, and which were compared with another configuration.
    public func warnings(runCount: Int) -> [String] {
        var lines: [String] = []
        if runs.count < runCount {
            let shown = missingInBaseline.prefix(10).joined(separator: ", ") + (missingInBaseline.count > 10 ? ", …" : "")
            lines.append("\(coverage(runCount: runCount)); not compared: \(shown)")
        }
        for run in runs where !run.differences.isEmpty {
            lines.append(
                "\(run.runID) was compared with \(baselineSource) (run \(run.baselineRunID)), another configuration: "
                    + run.differences.joined(separator: ", "))
        }
        return lines
    }

    /// "2 of 3 runs had a baseline in last-night/ (a folder's runs are matched by run id)".
    public func coverage(runCount: Int) -> String {
        "\(runs.count) of \(runCount) run\(runCount == 1 ? "" : "s") had a baseline in \(baselineSource)"
            + (explicitFile ? "" : " (a folder's runs are matched by run id)")
    }

    /// Each headline metric of `metrics` that rose by more than `percent` %, described in one line.
    public func regressions(beyond percent: Double, metrics: Set<String>) -> [String] {
        runs.flatMap { run in
            run.headline.filter { metrics.contains($0.id) && ($0.change ?? .infinity) > percent / 100 && $0.current > $0.baseline }.map {
                "\(run.runID): \($0.id) \($0.format($0.baseline)) → \($0.format($0.current)) (\(Self.signedPercent($0.change)))"
            }
        }
    }

    public func run(_ runID: String) -> Run? { runs.first { $0.runID == runID } }

    package static func signedPercent(_ change: Double?) -> String {
        guard let change else { return "new" }
        let text = Format.fixed(change * 100, decimals: 2) + " %"
        return change > 0 ? "+" + text : text
    }

    /// Reads a baseline: a `report.json`, or a site folder (each run folder's `report.json`).
    public static func load(_ path: String) throws(ReportError) -> BaselineRuns {
        let (documents, isFile) = try loadDocuments(path)
        return BaselineRuns(documents: documents, source: path, explicitFile: isFile)
    }

    /// The documents, and whether the path was a file rather than a site folder.
    static func loadDocuments(_ path: String) throws(ReportError) -> ([ReportDocument], Bool) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReportError("\(path): no such file or folder; --baseline takes a report.json or a site folder from an earlier run")
        }
        if isDirectory.boolValue {
            let runs = SiteRuns.read(in: url).map(\.document)
            if runs.isEmpty {
                throw ReportError("\(path): holds no run folders with a report.json; --baseline takes a report.json or a site folder from an earlier run")
            }
            return (runs, false)
        }
        do {
            return ([try ReportDocument.decoder.decode(ReportDocument.self, from: Data(contentsOf: url))], true)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReportError(
                "\(path): \((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing; --baseline takes a report.json this tool wrote")
        } catch {
            throw ReportError("\(path): is not a report.json this tool wrote (\(decodingErrorSummary(error))); --baseline takes a report.json or a site folder")
        }
    }
}

/// The runs of a baseline, as read by ``BaselineComparison/load(_:)``.
public struct BaselineRuns: Sendable {
    let documents: [ReportDocument]
    public let source: String
    /// One `report.json` named explicitly: compared with a single run whatever its id.
    public let explicitFile: Bool
}

extension BaselineComparison {
    /// Compares the given runs with a baseline.
    public init(runs summaries: [RunSummary], baseline: BaselineRuns, threshold: Double) {
        self.init(
            current: summaries.compactMap(\.document), baseline: baseline.documents, threshold: threshold, baselineSource: baseline.source,
            explicitFile: baseline.explicitFile)
    }

    /// One run against its baseline run: the run of the same id, or, when a single run is set
    /// against an explicitly named `report.json`, that one. `runCount` is how many runs the current set has.
    public static func compare(_ report: RunReport, with baseline: BaselineRuns, runCount: Int, threshold: Double) -> Run? {
        let document = report.document
        if let match = baseline.documents.first(where: { $0.runId == report.runID }) {
            return compare(document, match, threshold: threshold)
        }
        if baseline.explicitFile, runCount == 1, baseline.documents.count == 1 { return compare(document, baseline.documents[0], threshold: threshold) }
        return nil
    }
}

/// The unit a compared metric is in, and how it is written.
public enum MetricUnit: Sendable {
    case seconds, joules, jouleSeconds

    public func format(_ value: Double) -> String {
        switch self {
        case .seconds: Format.seconds(value)
        case .joules: Format.joules(value)
        case .jouleSeconds: Format.scientific(value, unit: "J·s")
        }
    }
}
