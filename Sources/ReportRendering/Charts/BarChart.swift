import ReportModel
import Support

/// A horizontal bar chart laid out in Swift; the `bar-chart` template only writes the elements.
/// Bars may be grouped under headings (the comparison page's model and sequence groups); past a
/// couple of dozen bars the rows get thinner, so a hundred runs stay a screenful or two.
///
/// ```swift
/// let chart = BarChart(id: "bytes-by-category", title: "…", description: "…", unit: "B",
///                      bars: [.init(label: "Bias", value: 1_000, valueLabel: "1 kB", color: "#88CCEE", tooltip: "…")])
/// ```
struct BarChart: Sendable {
    struct Input: Sendable {
        var label: String
        var value: Double
        var valueLabel, color, tooltip: String
        /// The heading the bar sits under; a new heading starts where it changes.
        var group: String? = nil
    }

    /// One bar with its geometry, ready for the template.
    struct Bar: Sendable {
        var label, valueLabel, tooltip, color, y, textY, width, valueX: String
    }

    struct Heading: Sendable {
        var text: String
        var textY: String
    }

    struct Tick: Sendable {
        var x: String
        var label: String
    }

    let id, title, description: String
    let width, height, labelWidth: Int
    let plotWidth = 420
    let axisY, plotRight, barHeight: Int
    let bars: [Bar]
    let headings: [Heading]
    let ticks: [Tick]

    static let top = 8
    /// Above this many bars, rows are thinner.
    static let compactAbove = 24

    init(id: String, title: String, description: String, unit: String, bars inputs: [Input]) {
        self.id = id
        self.title = title
        self.description = description
        let compact = inputs.count > Self.compactAbove
        let rowHeight = compact ? 17 : 26
        barHeight = compact ? 12 : 18
        // Room for the longest label at the 12 px font, within bounds.
        labelWidth = min(max(Int(Double(inputs.map(\.label.count).max() ?? 0) * 6.8) + 14, 120), 320)
        width = labelWidth + plotWidth + 110
        let largest = inputs.map(\.value).max() ?? 0
        let scale = Self.niceCeiling(largest > 0 ? largest : 1)
        let plot = Double(plotWidth)
        var y = Self.top
        var bars: [Bar] = [], headings: [Heading] = []
        var group: String?
        for input in inputs {
            if let heading = input.group, heading != group {
                group = heading
                headings.append(Heading(text: heading, textY: String(y + rowHeight - 5)))
                y += rowHeight
            }
            let barWidth = input.value / scale * plot
            bars.append(
                Bar(
                    label: input.label, valueLabel: input.valueLabel, tooltip: input.tooltip, color: input.color,
                    y: String(y + (rowHeight - barHeight) / 2), textY: String(y + rowHeight / 2 + 4),
                    width: Format.fixed(max(barWidth, input.value > 0 ? 1 : 0), decimals: 1),
                    valueX: Format.fixed(Double(labelWidth) + barWidth + 6, decimals: 1)
                ))
            y += rowHeight
        }
        self.bars = bars
        self.headings = headings
        axisY = y + 2
        height = axisY + 22
        plotRight = labelWidth + plotWidth
        let left = Double(labelWidth)
        ticks = (0...4).map { step in
            Tick(x: Format.fixed(left + plot * Double(step) / 4, decimals: 1), label: Format.axis(scale * Double(step) / 4, unit: unit))
        }
    }

    /// The smallest of 1, 2, 4, 6, 8, 10 × 10ⁿ at or above `value`: its quarters, where the ticks go, are round numbers.
    static func niceCeiling(_ value: Double) -> Double {
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for step in [1.0, 2.0, 4.0, 6.0, 8.0, 10.0] where step * magnitude >= value {
            return step * magnitude
        }
        return 10 * magnitude
    }
}
