import KPUModel
import ReportModel
import Support

/// The comparison page's pivot of the headline figures. Columns: SKU × fusion policy when the
/// sweep has more than one, else the values of the knob that moves latency most. Rows: model ×
/// sequence length, or, for a sweep of one model and length over two or more knobs, the values
/// of the knob that moves latency next most, so a knob sweep reads as a two-way table. Each cell
/// holds the median latency, energy and EDP of the runs in it.
struct PivotLayout {
    struct Cell: Sendable {
        var latency: TimeSpan
        var energy: Energy
        var edp: EnergyDelay
        var runs: Int
    }
    struct Row: Sendable {
        var title: String
        var cells: [Cell?]
    }

    /// What the rows and the columns are (`model · sequence`, `dram_gbps`).
    let rowHeading: String
    let columnHeading: String
    let columns: [String]
    let rows: [Row]
    /// What the columns are and what a cell holds, in a sentence.
    let note: String

    /// One way of splitting the runs: a name per run, and the order of the names.
    struct Axis {
        var heading: String
        var name: (SweepPoint) -> String
        var before: (String, String) -> Bool
        /// Said in the note: "a column per …".
        var what: String

        static func knob(_ knob: HardwareKnob, what: String) -> Axis {
            Axis(
                heading: knob.rawValue, name: { $0.knobs[knob].map(HardwareKnob.text) ?? "—" },
                before: { (Double($0) ?? .infinity) < (Double($1) ?? .infinity) }, what: "value of \(knob.rawValue), \(what)")
        }
    }

    init(points: [SweepPoint], sensitivity: KnobSensitivity) {
        let hardware = Set(points.map(\.kpu)).count > 1, fusion = Set(points.map(\.fusion)).count > 1
        let shapes = Set(points.map { "\($0.model)\u{0}\($0.seq)" }).count
        // Knobs of up to ``valueLimit`` values, the most moving first.
        let knobs = sensitivity.knobs.filter { knob in Set(points.compactMap { $0.knobs[knob.knob] }).count <= Self.valueLimit }
            .sorted { Self.swing($0) > Self.swing($1) }.map(\.knob)
        let natural: (String, String) -> Bool = { NaturalOrder.before($0, $1) ?? false }
        let column: Axis
        var unusedKnobs = knobs
        if hardware || fusion {
            let what = [hardware ? "SKU" : nil, fusion ? "fusion policy" : nil].compactMap { $0 }.joined(separator: " × ")
            column = Axis(
                heading: what, name: { point in [hardware ? point.kpu : nil, fusion ? point.fusion : nil].compactMap { $0 }.joined(separator: " · ") },
                before: natural, what: what)
        } else if let first = knobs.first {
            column = .knob(first, what: "the knob that moves latency most")
            unusedKnobs.removeFirst()
        } else {
            column = Axis(heading: "runs", name: { _ in "every run" }, before: natural, what: "run")
        }
        let modelRows = Axis(heading: "model · sequence", name: { "\($0.model) · sequence \($0.seq)" }, before: natural, what: "model and sequence length")
        let row: Axis = shapes == 1 && !unusedKnobs.isEmpty ? .knob(unusedKnobs[0], what: "the knob that moves latency next most") : modelRows
        var columnNames: [String] = [], rowNames: [String] = []
        var members: [String: [SweepPoint]] = [:]
        for point in points {
            let c = column.name(point), r = row.name(point)
            if members["\(r)\u{0}\(c)"] == nil {
                if !columnNames.contains(c) { columnNames.append(c) }
                if !rowNames.contains(r) { rowNames.append(r) }
            }
            members["\(r)\u{0}\(c)", default: []].append(point)
        }
        if row.heading == modelRows.heading {
            // Models in natural order, then sequence lengths as numbers.
            let order = Dictionary(points.map { ("\($0.model) · sequence \($0.seq)", ($0.model, $0.seq)) }, uniquingKeysWith: { first, _ in first })
            rowNames.sort { a, b in NaturalOrder.before(order[a]!.0, order[b]!.0) ?? (order[a]!.1 < order[b]!.1) }
        } else {
            rowNames.sort(by: row.before)
        }
        columnNames.sort(by: column.before)
        rowHeading = row.heading
        columnHeading = column.heading
        columns = columnNames
        rows = rowNames.map { name in
            Row(
                title: name,
                cells: columnNames.map { title in
                    guard let runs = members["\(name)\u{0}\(title)"] else { return nil }
                    return Cell(
                        latency: Self.median(runs.map(\.latency)), energy: Self.median(runs.map(\.energy)), edp: Self.median(runs.map(\.edp)),
                        runs: runs.count)
                })
        }
        note =
            "A row per \(row.what), a column per \(column.what). Each cell gives latency, energy and energy × delay"
            + (points.count > rows.count * columns.count ? ", each the median of the runs the cell holds." : ".")
    }

    /// A knob with more values than this is no axis of the table: the small multiples show it.
    static let valueLimit = 16

    /// How far a knob moves latency, either way.
    static func swing(_ knob: KnobSensitivity.Knob) -> Double { abs(knob.changes[.latency]?.median ?? 0) }

    /// The middle value (the lower of the two middle ones for an even count, so it is a run's).
    static func median<Value: Comparable>(_ values: [Value]) -> Value {
        values.sorted()[(values.count - 1) / 2]
    }
}
