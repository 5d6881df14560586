import KPUModel
import Support
import ReportModel
import ModelGraph

/// Runs laid out for the site index and the comparison page, readable at a hundred runs: one
/// group per model and sequence length, and in each row only the configuration that differs
/// between runs (SKU, fusion, residency, batch, precision, hidden-state aggregation, energy table,
/// each knob), what
/// every run shares said once above the table. The SKU is always a column: its cell links to
/// the run.
struct RunGrouping<Run: GroupedRun> {
    struct Group {
        var title: String
        var runs: [Run]
    }

    /// Titles of the configuration columns shown, the SKU first.
    let columns: [String]
    /// What every run shares, for a line above the table ("batch 1 · fp32 · …"), or empty.
    let shared: String
    let groups: [Group]
    private let shown: [RunDimension]

    init(_ documents: [Run]) {
        let dimensions = RunDimension.all
        // The SKU always shows (its cell carries the link); the rest only where runs differ.
        shown = dimensions.enumerated().filter { index, dimension in
            index == 0 || Set(documents.map { dimension.value($0) }).count > 1
        }.map(\.element)
        columns = shown.map(\.title)
        shared = dimensions.dropFirst().filter { dimension in Set(documents.map { dimension.value($0) }).count == 1 }
            .compactMap { dimension in documents.first.map { dimension.sharedText(dimension.value($0)) } }
            .filter { !$0.isEmpty }.joined(separator: " · ")
        var byKey: [String: Group] = [:]
        var keys: [(model: String, seq: Int)] = []
        for document in documents {
            let fields = document.fields
            let key = "\(fields.model)\u{0}\(fields.seq)"
            if byKey[key] == nil {
                byKey[key] = Group(title: "\(fields.model) · sequence \(fields.seq)", runs: [])
                keys.append((fields.model, fields.seq))
            }
            byKey[key]!.runs.append(document)
        }
        let shown = self.shown
        groups = keys.sorted { NaturalOrder.before($0.model, $1.model) ?? ($0.seq < $1.seq) }.map { key in
            var group = byKey["\(key.model)\u{0}\(key.seq)"]!
            group.runs.sort { a, b in
                for dimension in shown {
                    if let ordered = Self.compare(dimension, a, b) { return ordered }
                }
                return a.fields.runID < b.fields.runID
            }
            return group
        }
    }

    /// The configuration cells of a run, in column order.
    func cells(_ document: Run) -> [String] { shown.map { $0.value(document) } }

    /// The runs in table order.
    var ordered: [Run] { groups.flatMap(\.runs) }

    /// `a` before `b` on one dimension, or nil when they tie.
    private static func compare(_ dimension: RunDimension, _ a: Run, _ b: Run) -> Bool? {
        let (x, y) = (dimension.value(a), dimension.value(b))
        guard x != y else { return nil }
        let (i, j) = (dimension.order.firstIndex(of: x) ?? Int.max, dimension.order.firstIndex(of: y) ?? Int.max)
        if i != j { return i < j }
        return NaturalOrder.before(x, y)
    }
}

/// What ``RunGrouping`` reads of a run, as the tables print it.
struct RunFields: Sendable {
    var runID, model: String
    var seq: Int
    /// The SKU and its profile, without knobs: each knob is a column of its own.
    var hardware, fusion, residency, batch, precision, aggregation, energyTable: String
    /// The knobs set on top of the SKU, as text.
    var knobs: [HardwareKnob: String]
}

/// A run ``RunGrouping`` can lay out: a report.json document or a sweep point.
protocol GroupedRun {
    var fields: RunFields { get }
}

extension ReportDocument: GroupedRun {
    var fields: RunFields {
        RunFields(
            runID: runId, model: model.name, seq: model.seq, hardware: hardwareName, fusion: fusion ?? "—", residency: residency ?? "—",
            batch: String(model.batch), precision: model.precision, aggregation: model.aggregation, energyTable: hardware?.energyTable ?? "—",
            knobs: Dictionary(
                uniqueKeysWithValues: (knobs ?? [:]).compactMap { name, value in HardwareKnob(rawValue: name).map { ($0, HardwareKnob.text(value)) } }))
    }
}

extension SweepPoint: GroupedRun {
    var fields: RunFields {
        RunFields(
            runID: runID, model: model, seq: seq, hardware: kpu, fusion: fusion, residency: residency, batch: String(batch),
            precision: precision, aggregation: aggregation, energyTable: energyTable, knobs: knobs.mapValues(HardwareKnob.text))
    }
}

/// One axis of a run's configuration, as a column of the run tables.
struct RunDimension: Sendable {
    var title: String
    var field: @Sendable (RunFields) -> String
    /// How a shared value is said above the table.
    var sharedText: @Sendable (String) -> String
    /// Rank for sorting rows: known values in their natural order, others after.
    var order: [String] = []

    func value<Run: GroupedRun>(_ run: Run) -> String { field(run.fields) }

    static let all: [RunDimension] =
        [
            RunDimension(title: "KPU", field: { $0.hardware }, sharedText: { $0 }),
            RunDimension(title: "Fusion", field: { $0.fusion }, sharedText: { "\($0) fusion" }, order: FusionPolicy.allCases.map(\.rawValue)),
            RunDimension(title: "Residency", field: { $0.residency }, sharedText: { "\($0) residency" }, order: Residency.allCases.map(\.rawValue)),
            RunDimension(title: "Batch", field: { $0.batch }, sharedText: { "batch \($0)" }),
            RunDimension(title: "Precision", field: { $0.precision }, sharedText: { $0 }, order: Precision.allCases.map(\.rawValue)),
            RunDimension(
                title: "Hidden states", field: { $0.aggregation }, sharedText: { $0 == "none" ? "no hidden-state aggregation" : "hidden states \($0)" }),
            RunDimension(title: "Energy table", field: { $0.energyTable }, sharedText: { "\($0) energy table" })
        ]
        + HardwareKnob.allCases.map { knob in
            RunDimension(title: knob.rawValue, field: { $0.knobs[knob] ?? "—" }, sharedText: { $0 == "—" ? "" : "\(knob.rawValue) \($0)" })
        }
}
