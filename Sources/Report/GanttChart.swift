import AddAnalysis
import JSONOutput
import KPUModel

/// A Gantt chart of the KPU schedule laid out in Swift: one row per resource lane, bars coloured
/// by add category (neutral greys for matmuls and everything else), a time axis with 1-2-5 ticks
/// in seconds and in KPU cycles. Bars narrower than a pixel are merged with their neighbours.
struct GanttChart: Sendable {
    struct Row: Sendable { var label: String; var y: String; var textY: String; var thin: Bool }
    /// A resource row: its label, and whether it is one of several identical units drawn thin
    /// (the DMA channels).
    struct RowSpec: Sendable {
        var label: String
        var thin = false
        /// A row that shows exactly another row's bars (DMA channels of one striped transfer):
        /// drawn as an SVG `<use>` of that row, not as a second set of bars.
        var copyOf: Int? = nil
    }
    /// A bar; `x` and `width` in pixels, rounded to a tenth.
    struct Bar: Sendable { var row: Int; var x: Double; var y: Int; var height: Int; var width: Double; var color: String; var tooltip: String }
    struct Tick: Sendable { var x: String; var time: String; var cycles: String }
    struct LegendItem: Sendable { var label: String; var color: String }

    let id: String
    let title: String
    let description: String
    let width = 1120
    let height: Int
    let plotLeft = 170
    let plotRight: Int
    let axisY: Int
    let rows: [Row]
    let bars: [Bar]
    let ticks: [Tick]
    let legend: [LegendItem]
    /// SVG elements the chart writes, to keep pages within their budget.
    let elementCount: Int
    /// The chart as SVG markup, written here rather than in a template: a Gantt has thousands of
    /// bars, and writing them directly is many times faster than a template loop.
    let svg: String

    static let rowHeight = 26
    static let barHeight = 18
    static let thinRowHeight = 13
    static let thinBarHeight = 9

    /// Neutral tones for what is not an add, so the add categories stand out.
    static func neutral(for kind: String) -> (label: String, color: String) {
        switch kind {
        case "matmul": ("Matmul (and what rides its drain)", "#5f6b7a")
        case "softmax": ("Softmax", "#8e99a8")
        case "layer_norm": ("LayerNorm", "#b3bcc7")
        default: ("Other ops", "#d5dbe2")
        }
    }

    struct Input: Sendable {
        /// Index into the chart's rows.
        var row: Int
        var start: Int64
        var end: Int64
        var label: String
        var color: String
        var legend: String
        /// Stage, chunk, bytes and op energy: turned into text only for bars that are drawn.
        var stage: String
        var chunk: Int
        var bytes: Int
        var energyFemtojoules: Int64
        /// For a striped transfer drawn on each DMA channel: the channel count.
        var stripedOver = 1
        var detail: String {
            let share = bytes / stripedOver, extra = bytes % stripedOver
            let moved = stripedOver > 1
                ? "\(Format.grouped(share))\(extra > 0 ? "–\(Format.grouped(share + 1))" : "") bytes per channel, \(Format.grouped(bytes)) across \(stripedOver) channels"
                : "\(Format.grouped(bytes)) bytes"
            return "\(stage), chunk \(chunk + 1), \(moved), op energy \(Format.joules(Double(energyFemtojoules) * 1e-15))"
        }
    }

    init(id: String, title: String, description: String, window: ClosedRange<Int64>, clockHz: Double,
         rows specs: [RowSpec], events: [Input]) {
        self.id = id
        self.title = title
        self.description = description
        plotRight = width - 20
        let plotWidth = Double(plotRight - plotLeft)
        let span = Double(max(window.upperBound - window.lowerBound, 1))
        let scale = plotWidth / span
        var rows: [Row] = []
        var rowY: [Int] = []
        var y = 8
        for spec in specs {
            let height = spec.thin ? Self.thinRowHeight : Self.rowHeight
            rowY.append(y)
            rows.append(Row(label: spec.label, y: String(y), textY: String(y + height / 2 + (spec.thin ? 3 : 4)), thin: spec.thin))
            y += height
        }
        self.rows = rows
        axisY = y + 4
        height = axisY + 40

        // Events bucketed by row in one pass, each row sorted by time.
        var byRow = Array(repeating: [Input](), count: specs.count)
        for event in events where event.row < specs.count && event.end > window.lowerBound && event.start < window.upperBound {
            byRow[event.row].append(event)
        }
        // Merge, row by row, runs of bars that would each be under a pixel wide.
        var bars: [Bar] = []
        var legendSeen: [String: String] = [:]
        var legendOrder: [String] = []
        for (row, spec) in specs.enumerated() {
            let inRow = byRow[row].sorted { ($0.start, $0.end) < ($1.start, $1.end) }
            let barY = rowY[row] + (spec.thin ? 2 : 4)
            let barHeight = spec.thin ? Self.thinBarHeight : Self.barHeight
            var index = 0
            while index < inRow.count {
                let first = index
                var end = inRow[index].end
                let startX = Double(max(inRow[index].start, window.lowerBound) - window.lowerBound) * scale
                if Double(end - inRow[index].start) * scale < 1 {
                    while index + 1 < inRow.count, Double(inRow[index + 1].end - inRow[first].start) * scale <= 1 + 1e-9 {
                        index += 1
                        end = max(end, inRow[index].end)
                    }
                }
                let group = inRow[first...index]
                index += 1
                let endX = Double(min(end, window.upperBound) - window.lowerBound) * scale
                // The colour of the longest member stands for a merged run.
                let dominant = group.max { ($0.end - $0.start) < ($1.end - $1.start) }!
                let tooltip = group.count == 1
                    ? "\(dominant.label): \(dominant.detail), start \(Format.seconds(Double(dominant.start) * 1e-12)), duration \(Format.seconds(Double(dominant.end - dominant.start) * 1e-12))"
                    : "\(group.count) short intervals merged (\(Format.seconds(Double(end - inRow[first].start) * 1e-12))), longest: \(dominant.label)"
                bars.append(Bar(row: row, x: Self.tenths(Double(plotLeft) + startX), y: barY, height: barHeight,
                                width: Self.tenths(max(endX - startX, 1)), color: dominant.color, tooltip: tooltip))
                if legendSeen[dominant.legend] == nil {
                    legendSeen[dominant.legend] = dominant.color
                    legendOrder.append(dominant.legend)
                }
            }
        }
        self.bars = bars
        legend = legendOrder.map { LegendItem(label: $0, color: legendSeen[$0]!) }

        // 1-2-5 ticks, about eight across.
        let rough = span / 8
        var step = 1.0
        while step * 10 <= rough { step *= 10 }
        while step > rough { step /= 10 }
        for multiple in [1.0, 2.0, 5.0, 10.0] where step * multiple >= rough { step *= multiple; break }
        var ticks: [Tick] = []
        var t = (Double(window.lowerBound) / step).rounded(.up) * step
        while t <= Double(window.upperBound) + 0.5 {
            let x = Double(plotLeft) + (t - Double(window.lowerBound)) * scale
            ticks.append(Tick(x: Format.fixed(x, decimals: 1), time: Format.seconds(t * 1e-12, trimZeros: true),
                              cycles: Format.scaled((t * 1e-12 * clockHz).rounded(), unit: "cyc", trimZeros: true)))
            t += step
        }
        self.ticks = ticks
        let copies = specs.enumerated().compactMap { row, spec in spec.copyOf.map { (row: row, source: $0, dy: rowY[row] - rowY[$0]) } }
        elementCount = rows.count * 2 + bars.count * 2 + ticks.count * 3 + copies.count + 4
        svg = Self.render(id: id, title: title, description: description, width: width, height: height, plotLeft: plotLeft,
                          plotRight: plotRight, axisY: axisY, rows: rows, ticks: ticks, bars: bars, copies: copies)
    }

    /// A pixel position rounded to a tenth, half away from zero.
    static func tenths(_ value: Double) -> Double {
        (value * 10).rounded(.toNearestOrAwayFromZero) / 10
    }

    private static func render(id: String, title: String, description: String, width: Int, height: Int, plotLeft: Int, plotRight: Int,
                               axisY: Int, rows: [Row], ticks: [Tick], bars: [Bar], copies: [(row: Int, source: Int, dy: Int)]) -> String {
        let e = XMLEscaping.escape
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">\n"
        out += "<title id=\"\(e(id))-title\">\(e(title))</title>\n<desc id=\"\(e(id))-desc\">\(e(description))</desc>\n"
        for row in rows {
            out += "<text class=\"lane\(row.thin ? " thin" : "")\" x=\"\(plotLeft)\" y=\"\(row.textY)\" dx=\"-8\" text-anchor=\"end\">\(e(row.label))</text>\n"
            out += "<line class=\"grid\" x1=\"\(plotLeft)\" y1=\"\(row.y)\" x2=\"\(plotRight)\" y2=\"\(row.y)\"/>\n"
        }
        for tick in ticks {
            out += "<line class=\"grid\" x1=\"\(tick.x)\" y1=\"4\" x2=\"\(tick.x)\" y2=\"\(axisY)\"/>\n"
            out += "<text class=\"tick\" x=\"\(tick.x)\" y=\"\(axisY)\" dy=\"13\" text-anchor=\"middle\">\(e(tick.time))</text>\n"
            out += "<text class=\"tick\" x=\"\(tick.x)\" y=\"\(axisY)\" dy=\"26\" text-anchor=\"middle\">\(e(tick.cycles))</text>\n"
        }
        // The bars, thousands of them, are written as bytes: string interpolation per bar was
        // most of the chart's time.
        let sources = Set(copies.map(\.source))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(bars.count * 160)
        func append(_ text: StaticString) { JSONWriter.append(text, to: &bytes) }
        func append(tenths value: Double) {
            // Tenths, rounded half away from zero as Format.fixed does (values here are ≥ 0).
            let scaled = Int64((value * 10).rounded(.toNearestOrAwayFromZero))
            JSONWriter.appendInt(scaled / 10, to: &bytes)
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(scaled % 10))
        }
        var openGroup: Int?
        for bar in bars {
            if openGroup != bar.row {
                if openGroup != nil { append("</g>\n") }
                openGroup = nil
                if sources.contains(bar.row) {
                    append("<g id=\"")
                    XMLEscaping.append(id, to: &bytes)
                    append("-row")
                    JSONWriter.appendInt(Int64(bar.row), to: &bytes)
                    append("\">\n")
                    openGroup = bar.row
                }
            }
            append("<rect x=\"")
            append(tenths: bar.x)
            append("\" y=\"")
            JSONWriter.appendInt(Int64(bar.y), to: &bytes)
            append("\" width=\"")
            append(tenths: bar.width)
            append("\" height=\"")
            JSONWriter.appendInt(Int64(bar.height), to: &bytes)
            append("\" fill=\"")
            XMLEscaping.append(bar.color, to: &bytes)
            append("\"><title>")
            XMLEscaping.append(bar.tooltip, to: &bytes)
            append("</title></rect>\n")
        }
        if openGroup != nil { append("</g>\n") }
        out += String(decoding: bytes, as: UTF8.self)
        for copy in copies where bars.contains(where: { $0.row == copy.source }) {
            out += "<use href=\"#\(e(id))-row\(copy.source)\" y=\"\(copy.dy)\"/>\n"
        }
        out += "</svg>"
        return out
    }
}
