import AddAnalysis
import ReportModel
import Support
import KPUModel

/// A Gantt chart of the KPU schedule laid out in Swift: one row per resource lane, bars coloured
/// by add category (slate greys, plain or textured, for matmuls and everything else), a time
/// axis with 1-2-5 ticks in seconds and in KPU cycles, and optionally a band of operation labels
/// above the rows. Bars narrower than a pixel are merged with their neighbours.
struct GanttChart: Sendable {
    struct Row: Sendable { var label: String; var y: String; var textY: String }
    /// A bar; `x` and `width` in pixels, rounded to a tenth.
    struct Bar: Sendable { var row: Int; var x: Double; var y: Int; var height: Int; var width: Double; var look: ChartPalette.Look; var tooltip: String }
    struct Tick: Sendable { var x: String; var time: String; var cycles: String }
    /// A legend entry: what a colour or texture stands for, with a note for what is not drawn
    /// as bars of its own (adds that ride a matmul's drain).
    struct LegendItem: Sendable, Hashable {
        var label, swatch, note: String
        var hasNote: Bool
        /// Drawn hollow: the category has no bars of its own in this chart.
        var isRider: Bool

        init(label: String, swatch: String, note: String = "", isRider: Bool = false) {
            self.label = label
            self.swatch = swatch
            self.note = note
            hasNote = !note.isEmpty
            self.isRider = isRider
        }
    }
    /// A name written above the bars of one operation (or fused group), over its time span.
    struct OperationLabel: Sendable {
        var text: String
        var start: Int64
        var end: Int64
    }
    /// A label as placed: text centre, bracket ends and its line in the band (0 nearest the rows).
    struct PlacedLabel: Sendable { var text: String; var x: Double; var from: Double; var to: Double; var line: Int }

    let id, title, description: String
    let width = 1120
    let height: Int
    let plotLeft = 170
    let plotRight: Int
    let axisY: Int
    let rows: [Row]
    let bars: [Bar]
    let ticks: [Tick]
    let labels: [PlacedLabel]
    /// What the bars' colours and textures mean, in order of first appearance, then the riders.
    let legend: [LegendItem]
    /// SVG elements the chart writes, to keep pages within their budget.
    let elementCount: Int
    /// The chart as SVG markup, written here rather than in a template: a Gantt has thousands of
    /// bars, and writing them directly is many times faster than a template loop.
    let svg: String

    static let rowHeight = 26
    static let barHeight = 18
    static let labelLineHeight = 13
    /// Lines the label band may use; a label that fits on none is left out.
    static let labelLines = 4
    /// Width of a label character at the band's 10 px font, a little generous.
    static let labelCharacterWidth = 6.0

    struct Input: Sendable {
        /// Index into the chart's rows.
        var row: Int
        var start: Int64
        var end: Int64
        var label: String
        var look: ChartPalette.Look
        /// Stage, chunk, bytes and op energy: turned into text only for bars that are drawn.
        var stage: String
        var chunk: Int
        var bytes: Int
        var energy: Energy
        /// For a transfer striped across the DMA channels: the channel count (each carries an equal share).
        var stripedOver = 1
        var detail: String {
            let moved = "\(Format.grouped(bytes)) bytes" + (stripedOver > 1 ? " over \(stripedOver) channels" : "")
            return "\(stage), chunk \(chunk + 1), \(moved), op energy \(Format.energy(energy))"
        }
    }

    init(
        id: String, title: String, description: String, window: ClosedRange<Int64>, clockHz: Double,
        rows labels: [String], events: [Input], operations: [OperationLabel] = [], riders: [LegendItem] = []
    ) {
        self.id = id
        self.title = title
        self.description = description
        plotRight = width - 20
        let plotWidth = Double(plotRight - plotLeft)
        let span = Double(max(window.upperBound - window.lowerBound, 1))
        let scale = plotWidth / span
        let left = Double(plotLeft)
        let x = { (time: Int64) -> Double in left + Double(min(max(time, window.lowerBound), window.upperBound) - window.lowerBound) * scale }

        let placed = Self.place(operations, x: x, width: Double(width))
        self.labels = placed
        let bandHeight = placed.isEmpty ? 0 : ((placed.map(\.line).max() ?? 0) + 1) * Self.labelLineHeight + 4
        var rows: [Row] = []
        var rowY: [Int] = []
        var y = 8 + bandHeight
        for label in labels {
            rowY.append(y)
            rows.append(Row(label: label, y: String(y), textY: String(y + Self.rowHeight / 2 + 4)))
            y += Self.rowHeight
        }
        self.rows = rows
        axisY = y + 4
        height = axisY + 40

        // Events bucketed by row in one pass, each row sorted by time.
        var byRow = Array(repeating: [Input](), count: labels.count)
        for event in events where event.row < labels.count && event.end > window.lowerBound && event.start < window.upperBound {
            byRow[event.row].append(event)
        }
        // Merge, row by row, runs of bars that would each be under a pixel wide.
        var bars: [Bar] = []
        var legendOrder: [ChartPalette.Look] = []
        var legendSeen = Set<ChartPalette.Look>()
        for row in labels.indices {
            let inRow = byRow[row].sorted { ($0.start, $0.end) < ($1.start, $1.end) }
            let barY = rowY[row] + 4
            var index = 0
            while index < inRow.count {
                let first = index
                var end = inRow[index].end
                let startX = x(inRow[index].start)
                if Double(end - inRow[index].start) * scale < 1 {
                    while index + 1 < inRow.count, Double(inRow[index + 1].end - inRow[first].start) * scale <= 1 + 1e-9 {
                        index += 1
                        end = max(end, inRow[index].end)
                    }
                }
                let group = inRow[first...index]
                index += 1
                // The look of the longest member stands for a merged run.
                let dominant = group.max { ($0.end - $0.start) < ($1.end - $1.start) }!
                let tooltip =
                    group.count == 1
                    ? "\(dominant.label): \(dominant.detail), start \(Format.time(TimeSpan(picoseconds: dominant.start))), duration \(Format.time(TimeSpan(picoseconds: dominant.end - dominant.start)))"
                    : "\(group.count) short intervals merged (\(Format.time(TimeSpan(picoseconds: end - inRow[first].start)))), longest: \(dominant.label)"
                bars.append(
                    Bar(
                        row: row, x: Self.tenths(startX), y: barY, height: Self.barHeight,
                        width: Self.tenths(max(x(end) - startX, 1)), look: dominant.look, tooltip: tooltip))
                if legendSeen.insert(dominant.look).inserted { legendOrder.append(dominant.look) }
            }
        }
        self.bars = bars
        let drawn = legendOrder.map { LegendItem(label: $0.legend, swatch: $0.swatch) }
        legend = drawn + riders.filter { rider in !drawn.contains { $0.label == rider.label } }

        // 1-2-5 ticks, about eight across.
        let rough = span / 8
        var step = 1.0
        while step * 10 <= rough { step *= 10 }
        while step > rough { step /= 10 }
        for multiple in [1.0, 2.0, 5.0, 10.0] where step * multiple >= rough { step *= multiple; break }
        var ticks: [Tick] = []
        var t = (Double(window.lowerBound) / step).rounded(.up) * step
        while t <= Double(window.upperBound) + 0.5 {
            let tickX = Double(plotLeft) + (t - Double(window.lowerBound)) * scale
            ticks.append(
                Tick(
                    x: Format.fixed(tickX, decimals: 1), time: Format.seconds(TimeSpan.seconds(picoseconds: t), trimZeros: true),
                    cycles: Format.scaled((TimeSpan.seconds(picoseconds: t) * clockHz).rounded(), unit: "cyc", trimZeros: true)))
            t += step
        }
        self.ticks = ticks
        let patterns = ChartPalette.Pattern.allCases.filter { pattern in bars.contains { $0.look.pattern == pattern } }
        elementCount = rows.count * 2 + bars.count * 2 + ticks.count * 3 + placed.count * 2 + patterns.count * 3 + 4
        svg = Self.render(
            id: id, title: title, description: description, width: width, height: height, plotLeft: plotLeft,
            plotRight: plotRight, axisY: axisY, rows: rows, ticks: ticks, bars: bars, labels: placed,
            bandBottom: 8 + bandHeight - 4, patterns: patterns)
    }

    /// A pixel position rounded to a tenth, half away from zero.
    static func tenths(_ value: Double) -> Double {
        (value * 10).rounded(.toNearestOrAwayFromZero) / 10
    }

    /// Places the labels left to right, each centred over its operation on the first line (from
    /// the rows up) where it clears the previous label. A label with no room on any line is left
    /// out rather than printed over another (many short ops, as in a dynamo export's layer): its
    /// bars keep their tooltips and the table below names every op.
    static func place(_ operations: [OperationLabel], x: (Int64) -> Double, width: Double) -> [PlacedLabel] {
        var lineEnds = Array(repeating: -Double.infinity, count: labelLines)
        var placed: [PlacedLabel] = []
        for operation in operations.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            let from = x(operation.start), to = x(operation.end)
            let half = Double(operation.text.count) * labelCharacterWidth / 2
            // Kept inside the chart: the last operation ends at its right edge.
            let centre = min(max((from + to) / 2, half + 2), width - half - 2)
            guard let line = lineEnds.firstIndex(where: { centre - half >= $0 + 4 }) else { continue }
            lineEnds[line] = centre + half
            placed.append(PlacedLabel(text: operation.text, x: tenths(centre), from: tenths(from), to: tenths(max(to, from + 1)), line: line))
        }
        return placed
    }

    /// The SVG fill of a look: its colour, or its pattern defined in this chart.
    static func fill(_ look: ChartPalette.Look, chart id: String) -> String {
        look.pattern.map { "url(#\(id)-\($0.rawValue))" } ?? look.color
    }

    private static func render(
        id: String, title: String, description: String, width: Int, height: Int, plotLeft: Int, plotRight: Int,
        axisY: Int, rows: [Row], ticks: [Tick], bars: [Bar], labels: [PlacedLabel], bandBottom: Int,
        patterns: [ChartPalette.Pattern]
    ) -> String {
        let e = XMLEscaping.escape
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">\n"
        out += "<title id=\"\(e(id))-title\">\(e(title))</title>\n<desc id=\"\(e(id))-desc\">\(e(description))</desc>\n"
        if !patterns.isEmpty {
            out += "<defs>" + patterns.map { $0.svgDefinition(id: "\(e(id))-\($0.rawValue)") }.joined() + "</defs>\n"
        }
        for row in rows {
            out += "<text class=\"lane\" x=\"\(plotLeft)\" y=\"\(row.textY)\" dx=\"-8\" text-anchor=\"end\">\(e(row.label))</text>\n"
            out += "<line class=\"grid\" x1=\"\(plotLeft)\" y1=\"\(row.y)\" x2=\"\(plotRight)\" y2=\"\(row.y)\"/>\n"
        }
        for tick in ticks {
            out += "<line class=\"grid\" x1=\"\(tick.x)\" y1=\"4\" x2=\"\(tick.x)\" y2=\"\(axisY)\"/>\n"
            out += "<text class=\"tick\" x=\"\(tick.x)\" y=\"\(axisY)\" dy=\"13\" text-anchor=\"middle\">\(e(tick.time))</text>\n"
            out += "<text class=\"tick\" x=\"\(tick.x)\" y=\"\(axisY)\" dy=\"26\" text-anchor=\"middle\">\(e(tick.cycles))</text>\n"
        }
        // Each label over a bracket spanning its operation; line 0 sits just above the rows.
        for label in labels {
            let baseline = bandBottom - label.line * labelLineHeight
            out += "<text class=\"op\" x=\"\(Format.fixed(label.x, decimals: 1))\" y=\"\(baseline - 3)\" text-anchor=\"middle\">\(e(label.text))</text>"
            out += "<path class=\"bracket\" d=\"M\(Format.fixed(label.from, decimals: 1)) \(baseline + 1)v-2H\(Format.fixed(label.to, decimals: 1))v2\"/>\n"
        }
        // The bars, thousands of them, are written as bytes: string interpolation per bar was
        // most of the chart's time.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(bars.count * 160)
        func append(_ text: StaticString) { bytes.appendUTF8(text) }
        func append(tenths value: Double) {
            // Tenths, rounded half away from zero as Format.fixed does (values here are ≥ 0).
            let scaled = Int64((value * 10).rounded(.toNearestOrAwayFromZero))
            bytes.appendDecimal(scaled / 10)
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(scaled % 10))
        }
        for bar in bars {
            append("<rect x=\"")
            append(tenths: bar.x)
            append("\" y=\"")
            bytes.appendDecimal(Int64(bar.y))
            append("\" width=\"")
            append(tenths: bar.width)
            append("\" height=\"")
            bytes.appendDecimal(Int64(bar.height))
            append("\" fill=\"")
            XMLEscaping.append(fill(bar.look, chart: id), to: &bytes)
            append("\"><title>")
            XMLEscaping.append(bar.tooltip, to: &bytes)
            append("</title></rect>\n")
        }
        out += String(decoding: bytes, as: UTF8.self)
        out += "</svg>"
        return out
    }
}
