/// A horizontal bar chart laid out in Swift; the `bar-chart` template only writes the elements.
///
/// ```swift
/// let chart = BarChart(id: "bytes-by-category", title: "…", description: "…", unit: "B",
///                      bars: [.init(label: "Bias", value: 1_000, color: "#88CCEE", tooltip: "…")])
/// ```
struct BarChart: Sendable {
    struct Input: Sendable {
        var label: String
        var value: Double
        var valueLabel: String
        var color: String
        var tooltip: String
    }

    /// One bar with its geometry, ready for the template.
    struct Bar: Sendable {
        var label: String
        var valueLabel: String
        var tooltip: String
        var color: String
        var y: String
        var textY: String
        var width: String
        var valueX: String
    }

    struct Tick: Sendable {
        var x: String
        var label: String
    }

    let id: String
    let title: String
    let description: String
    let width = 720
    let height: Int
    let labelWidth = 190
    let plotWidth = 420
    let axisY: Int
    let plotRight: Int
    let bars: [Bar]
    let ticks: [Tick]

    static let rowHeight = 26
    static let top = 8

    init(id: String, title: String, description: String, unit: String, bars inputs: [Input]) {
        self.id = id
        self.title = title
        self.description = description
        let largest = inputs.map(\.value).max() ?? 0
        let maximum = largest > 0 ? largest : 1
        let scale = Self.niceCeiling(maximum)
        let plot = Double(plotWidth)
        bars = inputs.enumerated().map { index, input in
            let y = Self.top + index * Self.rowHeight
            let width = input.value / scale * plot
            return Bar(
                label: input.label, valueLabel: input.valueLabel, tooltip: input.tooltip, color: input.color,
                y: String(y + 4), textY: String(y + 17),
                width: Format.fixed(max(width, input.value > 0 ? 1 : 0), decimals: 1),
                valueX: Format.fixed(Double(190) + width + 6, decimals: 1)
            )
        }
        axisY = Self.top + inputs.count * Self.rowHeight + 2
        height = axisY + 22
        plotRight = labelWidth + plotWidth
        ticks = (0...4).map { step in
            let value = scale * Double(step) / 4
            return Tick(x: Format.fixed(Double(190) + plot * Double(step) / 4, decimals: 1),
                        label: Format.axis(value, unit: unit))
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
