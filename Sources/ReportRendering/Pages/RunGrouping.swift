import KPUModel
import Support
import ReportModel
import ModelGraph

/// Runs laid out for the site index and the comparison page, readable at a hundred runs: one
/// group per model and sequence length, and in each row only the configuration that differs
/// between runs (SKU, fusion, residency, batch, precision, hidden-state aggregation, energy table), what
/// every run shares said once above the table. The SKU is always a column: its cell links to
/// the run.
struct RunGrouping {
    struct Group: Sendable {
        var title: String
        var runs: [ReportDocument]
    }

    /// Titles of the configuration columns shown, the SKU first.
    let columns: [String]
    /// What every run shares, for a line above the table ("batch 1 · fp32 · …"), or empty.
    let shared: String
    let groups: [Group]
    private let shown: [Dimension]

    /// One axis of the configuration.
    private struct Dimension: Sendable {
        var title: String
        var value: @Sendable (ReportDocument) -> String
        /// How a shared value is said above the table.
        var sharedText: @Sendable (String) -> String
        /// Rank for sorting rows: known values in their natural order, others after.
        var order: [String] = []
    }

    private static let dimensions: [Dimension] = [
        Dimension(title: "KPU", value: { $0.cells.hardware }, sharedText: { $0 }),
        Dimension(title: "Fusion", value: { $0.fusion ?? "—" }, sharedText: { "\($0) fusion" }, order: FusionPolicy.allCases.map(\.rawValue)),
        Dimension(
            title: "Residency", value: { $0.residency ?? "—" }, sharedText: { "\($0) residency" }, order: Residency.allCases.map(\.rawValue)),
        Dimension(title: "Batch", value: { String($0.model.batch) }, sharedText: { "batch \($0)" }),
        Dimension(title: "Precision", value: { $0.model.precision }, sharedText: { $0 }, order: Precision.allCases.map(\.rawValue)),
        Dimension(
            title: "Hidden states", value: { $0.model.aggregation }, sharedText: { $0 == "none" ? "no hidden-state aggregation" : "hidden states \($0)" }),
        Dimension(title: "Energy table", value: { $0.hardware?.energyTable ?? "—" }, sharedText: { "\($0) energy table" })
    ]

    init(_ documents: [ReportDocument]) {
        // The SKU always shows (its cell carries the link); the rest only where runs differ.
        shown = Self.dimensions.enumerated().filter { index, dimension in
            index == 0 || Set(documents.map(dimension.value)).count > 1
        }.map(\.element)
        columns = shown.map(\.title)
        shared = Self.dimensions.dropFirst().filter { dimension in Set(documents.map(dimension.value)).count == 1 }
            .compactMap { dimension in documents.first.map { dimension.sharedText(dimension.value($0)) } }
            .joined(separator: " · ")
        var byKey: [String: Group] = [:]
        var keys: [(model: String, seq: Int)] = []
        for document in documents {
            let key = "\(document.model.name)\u{0}\(document.model.seq)"
            if byKey[key] == nil {
                byKey[key] = Group(title: "\(document.model.name) · sequence \(document.model.seq)", runs: [])
                keys.append((document.model.name, document.model.seq))
            }
            byKey[key]!.runs.append(document)
        }
        let shown = self.shown
        groups = keys.sorted { Self.natural($0.model, $1.model) ?? ($0.seq < $1.seq) }.map { key in
            var group = byKey["\(key.model)\u{0}\(key.seq)"]!
            group.runs.sort { a, b in
                for dimension in shown {
                    if let ordered = Self.compare(dimension, a, b) { return ordered }
                }
                return a.runId < b.runId
            }
            return group
        }
    }

    /// The configuration cells of a run, in column order.
    func cells(_ document: ReportDocument) -> [String] { shown.map { $0.value(document) } }

    /// The runs in table order.
    var ordered: [ReportDocument] { groups.flatMap(\.runs) }

    /// `a` before `b` on one dimension, or nil when they tie.
    private static func compare(_ dimension: Dimension, _ a: ReportDocument, _ b: ReportDocument) -> Bool? {
        let (x, y) = (dimension.value(a), dimension.value(b))
        guard x != y else { return nil }
        let (i, j) = (dimension.order.firstIndex(of: x) ?? Int.max, dimension.order.firstIndex(of: y) ?? Int.max)
        if i != j { return i < j }
        return natural(x, y)
    }

    /// Text order with digit runs compared as numbers ("KPU-T64" before "KPU-T128"), or nil
    /// when the two are equal.
    static func natural(_ a: String, _ b: String) -> Bool? {
        var i = a.unicodeScalars.makeIterator(), j = b.unicodeScalars.makeIterator()
        var x = i.next(), y = j.next()
        func number(_ first: inout Unicode.Scalar?, _ rest: inout String.UnicodeScalarView.Iterator) -> (value: Int, digits: String) {
            var digits = ""
            while let scalar = first, ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
                first = rest.next()
            }
            return (Int(digits.prefix(18)) ?? 0, digits)
        }
        while let p = x, let q = y {
            if ("0"..."9").contains(p) && ("0"..."9").contains(q) {
                let m = number(&x, &i), n = number(&y, &j)
                if m.value != n.value { return m.value < n.value }
                if m.digits != n.digits { return m.digits < n.digits }
                continue
            }
            if p != q { return p.value < q.value }
            x = i.next()
            y = j.next()
        }
        if x == nil && y == nil { return nil }
        return x == nil
    }
}
