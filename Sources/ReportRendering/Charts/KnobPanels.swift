import Foundation
import KPUModel
import ReportModel
import Support

/// Small multiples of one figure against one knob: at each value the knob took, a bar from the
/// lowest to the highest figure among the runs at that value and a dot at their median, the
/// medians joined. However many runs the sweep has, a panel draws one bar per knob value.
struct KnobPanel: Sendable {
    /// A figure the panels plot.
    enum Figure: String, Sendable, CaseIterable {
        case latency, energy, addShare = "adds' share of energy"

        func value(_ point: SweepPoint) -> Double {
            switch self {
            case .latency: point.latency.seconds
            case .energy: point.energy.joules
            case .addShare: point.addShareOfEnergy
            }
        }

        func label(_ value: Double) -> String {
            switch self {
            case .latency: Format.axis(value, unit: "s")
            case .energy: Format.axis(value, unit: "J")
            case .addShare: Format.percent(value)
            }
        }

        var cssClass: String {
            switch self {
            case .latency: "panel-latency"
            case .energy: "panel-energy"
            case .addShare: "panel-share"
            }
        }
    }

    static let width = 300.0, height = 172.0
    static let plotLeft = 58.0, plotRight = 290.0, plotTop = 24.0, plotBottom = 132.0

    let title: String
    let svg: String

    /// One value of the knob and the figure over the runs at it.
    struct Column: Sendable {
        var value: Double
        var low, median, high: Double
        var runs: Int
    }

    init(id: String, knob: HardwareKnob, figure: Figure, points: [SweepPoint]) {
        let e = XMLEscaping.escape
        func f(_ value: Double) -> String { Format.fixed(value, decimals: 1) }
        var byValue: [Double: [Double]] = [:]
        for point in points {
            guard let value = point.knobs[knob] else { continue }
            byValue[value, default: []].append(figure.value(point))
        }
        let columns = byValue.keys.sorted().map { value -> Column in
            let figures = byValue[value]!.sorted()
            return Column(value: value, low: figures.first!, median: median(ofSorted: figures), high: figures.last!, runs: figures.count)
        }
        title = "\(figure.rawValue.prefix(1).uppercased())\(figure.rawValue.dropFirst()) against \(knob.rawValue)"
        let y = ChartAxis(
            values: columns.flatMap { [$0.low, $0.high] }, from: Self.plotBottom, to: Self.plotTop, allowLog: figure != .addShare,
            label: figure.label)
        let step = (Self.plotRight - Self.plotLeft) / Double(max(columns.count, 1))
        func x(_ index: Int) -> Double { Self.plotLeft + step * (Double(index) + 0.5) }
        let description =
            "For each \(knob.rawValue) value, the range of \(figure.rawValue) over the runs at that value and their median: "
            + columns.map { "\(HardwareKnob.text($0.value)) \(figure.label($0.median))" }.joined(separator: ", ") + "."
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart panel \(figure.cssClass)\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\">"
        out += "<title id=\"\(e(id))-title\">\(e(title))</title><desc id=\"\(e(id))-desc\">\(e(description))</desc>"
        out += "<text class=\"heading\" x=\"\(f(Self.plotLeft))\" y=\"12\">\(e(figure.rawValue))</text>"
        for tick in y.ticks(count: 3) {
            let py = f(y.position(tick))
            out += "<line class=\"grid\" x1=\"\(f(Self.plotLeft))\" y1=\"\(py)\" x2=\"\(f(Self.plotRight))\" y2=\"\(py)\"/>"
            out += "<text class=\"tick\" x=\"\(f(Self.plotLeft - 5))\" y=\"\(py)\" dy=\"0.35em\" text-anchor=\"end\">\(e(y.label(tick)))</text>"
        }
        // Every value labelled while they fit; past twelve, every other one.
        let labelEvery = columns.count > 12 ? 2 : 1
        for (index, column) in columns.enumerated() where index % labelEvery == 0 {
            out +=
                "<text class=\"tick\" x=\"\(f(x(index)))\" y=\"\(f(Self.plotBottom + 14))\" text-anchor=\"middle\">\(e(HardwareKnob.text(column.value)))</text>"
        }
        out +=
            "<text class=\"axis\" x=\"\(f((Self.plotLeft + Self.plotRight) / 2))\" y=\"\(f(Self.height - 6))\" text-anchor=\"middle\">\(e(knob.rawValue))</text>"
        if columns.count > 1 {
            out +=
                "<polyline class=\"median\" points=\"" + columns.indices.map { "\(f(x($0))),\(f(y.position(columns[$0].median)))" }.joined(separator: " ")
                + "\"/>"
        }
        for (index, column) in columns.enumerated() {
            let tooltip =
                "\(knob.rawValue) \(HardwareKnob.text(column.value)): median \(figure.label(column.median)), \(figure.label(column.low)) to \(figure.label(column.high)) over \(Format.grouped(column.runs)) run\(column.runs == 1 ? "" : "s")"
            out += "<g><title>\(e(tooltip))</title>"
            out +=
                "<line class=\"range\" x1=\"\(f(x(index)))\" y1=\"\(f(y.position(column.low)))\" x2=\"\(f(x(index)))\" y2=\"\(f(y.position(column.high)))\"/>"
            out += "<circle class=\"median\" cx=\"\(f(x(index)))\" cy=\"\(f(y.position(column.median)))\" r=\"3.2\"/>"
            // A wide transparent target, so the tooltip does not need the thin bar hit exactly.
            out +=
                "<rect class=\"target\" x=\"\(f(x(index) - step / 2))\" y=\"\(f(Self.plotTop))\" width=\"\(f(step))\" height=\"\(f(Self.plotBottom - Self.plotTop))\"/></g>"
        }
        out += "</svg>"
        svg = out
    }
}
