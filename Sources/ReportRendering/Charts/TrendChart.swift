import ReportModel
import Support

/// A small line chart of one configuration's history (latency and energy, each scaled to its own
/// range), written as SVG markup for the site index.
enum TrendChart {
    /// Small enough to keep a row of the index one line high.
    static let width = 150
    static let height = 26
    static let limit = 50

    /// nil when the history holds no figures for the key.
    static func svg(id: String, key: String, entries allEntries: [HistoryEntry]) -> String? {
        let entries = Array(allEntries.filter { $0.key == key && $0.latencyS != nil && $0.energyJ != nil }.suffix(limit))
        guard !entries.isEmpty else { return nil }
        let e = XMLEscaping.escape
        let first = entries.first!, last = entries.last!
        let change: (Double, Double) -> String = { old, new in old > 0 ? Format.percent((new - old) / old) : "—" }
        let description =
            "\(entries.count) runs of \(key)"
            + (entries.count > 1
                ? "; latency \(Format.seconds(first.latencyS!)) → \(Format.seconds(last.latencyS!)) (\(change(first.latencyS!, last.latencyS!))), energy \(Format.joules(first.energyJ!)) → \(Format.joules(last.energyJ!)) (\(change(first.energyJ!, last.energyJ!)))"
                : "")
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
        out += "<title id=\"\(e(id))-title\">History of \(e(key))</title><desc id=\"\(e(id))-desc\">\(e(description))</desc>"
        let series: [(name: String, cssClass: String, value: (HistoryEntry) -> Double, label: (Double) -> String)] = [
            ("latency", "trend-latency", { $0.latencyS! }, { Format.seconds($0) }),
            ("energy", "trend-energy", { $0.energyJ! }, { Format.joules($0) })
        ]
        for line in series {
            let values = entries.map(line.value)
            let low = values.min()!, high = values.max()!
            let span = high - low
            let points = values.enumerated().map { index, value -> (x: Double, y: Double) in
                let x = entries.count == 1 ? Double(width) / 2 : 4 + Double(index) * Double(width - 8) / Double(entries.count - 1)
                let y = span > 0 ? 4 + (1 - (value - low) / span) * Double(height - 8) : Double(height) / 2
                return (x, y)
            }
            if points.count > 1 {
                out +=
                    "<polyline class=\"\(line.cssClass)\" fill=\"none\" points=\"\(points.map { "\(Format.fixed($0.x, decimals: 1)),\(Format.fixed($0.y, decimals: 1))" }.joined(separator: " "))\"/>"
            }
            for (entry, point) in zip(entries, points) {
                let when = [entry.date, entry.commit.map { String($0.prefix(12)) }].compactMap { $0 }.joined(separator: ", ")
                out +=
                    "<circle class=\"\(line.cssClass)\" cx=\"\(Format.fixed(point.x, decimals: 1))\" cy=\"\(Format.fixed(point.y, decimals: 1))\" r=\"2\"><title>\(e(when.isEmpty ? "undated run" : when)): \(line.name) \(e(line.label(line.value(entry))))</title></circle>"
            }
        }
        out += "</svg>"
        return out
    }
}
