import ReportModel
import Support

/// A horizontal stacked bar chart, one bar per add category split into segments (where the
/// energy is spent, or which memory level the bytes touch). Written as SVG by the chart itself,
/// with segment colours from ``ChartPalette`` (never an add category's).
struct StackedBarChart: Sendable {
    struct Segment: Sendable { var label: String; var color: String }
    struct Row: Sendable { var label: String; var values: [Double] }
    struct LegendItem: Sendable { var label: String; var color: String }

    let id: String
    let svg: String
    let legend: [LegendItem]
    /// The rows' labels, top to bottom.
    let rowLabels: [String]

    init(id: String, title: String, description: String, segments: [Segment], rows: [Row], format: (Double) -> String, unit: String) {
        self.id = id
        rowLabels = rows.map(\.label)
        legend = segments.map { LegendItem(label: $0.label, color: $0.color) }
        let width = 760, labelWidth = 190, plotWidth = 500, rowHeight = 26, top = 8
        let largest = rows.map { $0.values.reduce(0, +) }.max() ?? 0
        let scale = BarChart.niceCeiling(largest > 0 ? largest : 1)
        let axisY = top + rows.count * rowHeight + 2
        let height = axisY + 22
        let e = XMLEscaping.escape
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">\n"
        out += "<title id=\"\(e(id))-title\">\(e(title))</title>\n<desc id=\"\(e(id))-desc\">\(e(description))</desc>\n"
        for step in 0...4 {
            let x = Double(labelWidth) + Double(plotWidth) * Double(step) / 4
            out += "<line class=\"grid\" x1=\"\(Format.fixed(x, decimals: 1))\" y1=\"0\" x2=\"\(Format.fixed(x, decimals: 1))\" y2=\"\(axisY)\"/>\n"
            out +=
                "<text class=\"tick\" x=\"\(Format.fixed(x, decimals: 1))\" y=\"\(axisY)\" dy=\"15\" text-anchor=\"middle\">\(e(Format.axis(scale * Double(step) / 4, unit: unit)))</text>\n"
        }
        for (index, row) in rows.enumerated() {
            let y = top + index * rowHeight
            out += "<text x=\"\(labelWidth)\" y=\"\(y + 17)\" dx=\"-8\" text-anchor=\"end\">\(e(row.label))</text>\n"
            var x = Double(labelWidth)
            let total = row.values.reduce(0, +)
            for (segment, value) in zip(segments, row.values) where value > 0 {
                let w = value / scale * Double(plotWidth)
                let share = total > 0 ? Format.percent(value / total) : "—"
                out +=
                    "<rect x=\"\(Format.fixed(x, decimals: 1))\" y=\"\(y + 4)\" width=\"\(Format.fixed(max(w, 0.5), decimals: 1))\" height=\"18\" fill=\"\(segment.color)\"><title>\(e("\(row.label), \(segment.label): \(format(value)) (\(share))"))</title></rect>\n"
                x += w
            }
            out += "<text x=\"\(Format.fixed(x + 6, decimals: 1))\" y=\"\(y + 17)\">\(e(format(total)))</text>\n"
        }
        out += "</svg>"
        svg = out
    }
}
