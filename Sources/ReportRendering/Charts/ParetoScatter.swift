import Foundation
import ReportModel
import Support

/// Latency against energy, one mark per run, the Pareto front drawn as a staircase through the
/// runs no other run beats on both, each of those linked to its page when it has one, and the
/// run of least energy × delay ringed. Up to ``pointLimit`` runs each get a dot with its own
/// tooltip; beyond that the runs off the front are counted into a grid of cells shaded by how
/// many runs fall in each, so 10,000 runs draw as a few hundred shapes. Axes turn logarithmic
/// when a figure spans more than a decade.
struct ParetoScatter: Sendable {
    static let width = 760.0
    static let height = 440.0
    static let plotLeft = 78.0, plotRight = 744.0, plotTop = 16.0, plotBottom = 376.0
    /// Runs off the front drawn one by one up to this many; more are binned.
    static let pointLimit = 1500
    /// The grid runs off the front are binned into beyond ``pointLimit``.
    static let columns = 72, rows = 40

    let svg: String

    /// Latency and energy limits of a close-up of the front.
    struct Window: Sendable {
        var latency: ClosedRange<Double>
        var energy: ClosedRange<Double>

        func contains(_ point: SweepPoint) -> Bool {
            latency.contains(point.latency.seconds) && energy.contains(point.energy.joules)
        }
    }

    /// The close-up of the front: from the fastest run to as far again past the front's slowest,
    /// from the most frugal to as far again past the front's dearest (at least a tenth of the
    /// fastest latency and a twentieth of the least energy, so a front of one run has room
    /// around it). Nil when it would hold nearly every run, so the whole chart shows as much.
    static func closeUp(points: [SweepPoint], front: [Int]) -> Window? {
        guard points.count > 1, !front.isEmpty else { return nil }
        let latencies = front.map { points[$0].latency.seconds }, energies = front.map { points[$0].energy.joules }
        let fastest = points.map(\.latency.seconds).min()!, frugal = points.map(\.energy.joules).min()!
        let latencyEnd = latencies.max()! + max(latencies.max()! - fastest, fastest * 0.1)
        let energyEnd = energies.max()! + max(energies.max()! - frugal, frugal * 0.05)
        let window = Window(latency: fastest...latencyEnd, energy: frugal...energyEnd)
        let inside = points.filter(window.contains).count
        return inside * 4 < points.count * 3 ? window : nil
    }

    /// `front`: indexes into `points` of the Pareto front, fastest first. With a `window`, only
    /// the runs inside it are drawn.
    init(id: String, points allPoints: [SweepPoint], front allFront: [Int], window: Window? = nil) {
        let e = XMLEscaping.escape
        // Indexes stay those of the runs drawn.
        let kept = window.map { window in allPoints.indices.filter { window.contains(allPoints[$0]) } } ?? Array(allPoints.indices)
        let position = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        let points = kept.map { allPoints[$0] }
        let front = allFront.compactMap { position[$0] }
        func f(_ value: Double) -> String { Format.fixed(value, decimals: 1) }
        let x = ChartAxis(values: points.map(\.latency.seconds), from: Self.plotLeft, to: Self.plotRight) { Format.axis($0, unit: "s") }
        let y = ChartAxis(values: points.map(\.energy.joules), from: Self.plotBottom, to: Self.plotTop) { Format.axis($0, unit: "J") }
        let onFront = Set(front)
        let leastEDP = points.indices.min { (points[$0].edp, $0) < (points[$1].edp, $1) }
        let title =
            window == nil
            ? "Latency against energy of \(points.count) runs, with the Pareto front"
            : "Close-up of the Pareto front: the \(points.count) runs near it"
        let description =
            "Each run is placed at its latency (across) and energy (up); lower left is better. \(front.count) run\(front.count == 1 ? " is" : "s are") on the Pareto front, joined by a staircase"
            + (points.count - front.count > Self.pointLimit ? "; the other runs are counted into shaded cells." : ".")
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart scatter\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\">"
        out += "<title id=\"\(e(id))-title\">\(e(title))</title><desc id=\"\(e(id))-desc\">\(e(description))</desc>"
        // Grid and ticks.
        for tick in x.ticks() {
            let px = f(x.position(tick))
            out += "<line class=\"grid\" x1=\"\(px)\" y1=\"\(f(Self.plotTop))\" x2=\"\(px)\" y2=\"\(f(Self.plotBottom))\"/>"
            out += "<text class=\"tick\" x=\"\(px)\" y=\"\(f(Self.plotBottom + 16))\" text-anchor=\"middle\">\(e(x.label(tick)))</text>"
        }
        for tick in y.ticks() {
            let py = f(y.position(tick))
            out += "<line class=\"grid\" x1=\"\(f(Self.plotLeft))\" y1=\"\(py)\" x2=\"\(f(Self.plotRight))\" y2=\"\(py)\"/>"
            out += "<text class=\"tick\" x=\"\(f(Self.plotLeft - 6))\" y=\"\(py)\" dy=\"0.35em\" text-anchor=\"end\">\(e(y.label(tick)))</text>"
        }
        out +=
            "<rect class=\"frame\" x=\"\(f(Self.plotLeft))\" y=\"\(f(Self.plotTop))\" width=\"\(f(Self.plotRight - Self.plotLeft))\" height=\"\(f(Self.plotBottom - Self.plotTop))\"/>"
        out +=
            "<text class=\"axis\" x=\"\(f((Self.plotLeft + Self.plotRight) / 2))\" y=\"\(f(Self.height - 30))\" text-anchor=\"middle\">latency\(x.logarithmic ? " (log scale)" : "") →</text>"
        out +=
            "<text class=\"axis\" transform=\"translate(16 \(f((Self.plotTop + Self.plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">energy\(y.logarithmic ? " (log scale)" : "") →</text>"

        // Runs off the front: dots, or counts in cells.
        let others = points.indices.filter { !onFront.contains($0) }
        if others.count <= Self.pointLimit {
            for index in others {
                let point = points[index]
                out +=
                    "<circle class=\"run\" cx=\"\(f(x.position(point.latency.seconds)))\" cy=\"\(f(y.position(point.energy.joules)))\" r=\"2.6\"><title>\(e(Self.tooltip(point)))</title></circle>"
            }
        } else {
            let cellWidth = (Self.plotRight - Self.plotLeft) / Double(Self.columns), cellHeight = (Self.plotBottom - Self.plotTop) / Double(Self.rows)
            var cells: [Int: [Int]] = [:]
            for index in others {
                let column = min(Self.columns - 1, max(0, Int((x.position(points[index].latency.seconds) - Self.plotLeft) / cellWidth)))
                let row = min(Self.rows - 1, max(0, Int((y.position(points[index].energy.joules) - Self.plotTop) / cellHeight)))
                cells[row * Self.columns + column, default: []].append(index)
            }
            let most = Double(cells.values.map(\.count).max() ?? 1)
            for key in cells.keys.sorted() {
                let members = cells[key]!
                let (row, column) = key.quotientAndRemainder(dividingBy: Self.columns)
                let latencies = members.map { points[$0].latency }, energies = members.map { points[$0].energy }
                // Shade by the logarithm of the count: one run is faint, the densest cell solid.
                let opacity = 0.18 + 0.82 * log(Double(members.count)) / max(log(most), 1e-9)
                let tooltip =
                    "\(Format.grouped(members.count)) run\(members.count == 1 ? "" : "s"): latency \(Format.time(latencies.min()!))–\(Format.time(latencies.max()!)), energy \(Format.energy(energies.min()!))–\(Format.energy(energies.max()!))"
                out +=
                    "<rect class=\"bin\" x=\"\(f(Self.plotLeft + Double(column) * cellWidth))\" y=\"\(f(Self.plotTop + Double(row) * cellHeight))\" width=\"\(f(cellWidth))\" height=\"\(f(cellHeight))\" fill-opacity=\"\(Format.fixed(min(1, opacity), decimals: 2))\"><title>\(e(tooltip))</title></rect>"
            }
        }

        // The front: a staircase (each run's energy holds until the next, faster-to-slower),
        // then its runs on top, linked to their pages.
        let steps = front.map { (x.position(points[$0].latency.seconds), y.position(points[$0].energy.joules)) }
        if steps.count > 1 {
            var path = "M\(f(steps[0].0)) \(f(steps[0].1))"
            for (px, py) in steps.dropFirst() { path += " H\(f(px)) V\(f(py))" }
            out += "<path class=\"front\" d=\"\(path)\"/>"
        }
        for index in front {
            let point = points[index]
            let mark =
                "<circle class=\"front-run\" cx=\"\(f(x.position(point.latency.seconds)))\" cy=\"\(f(y.position(point.energy.joules)))\" r=\"4.6\"><title>\(e(Self.tooltip(point) + ", on the Pareto front" + (point.page == nil ? "" : "; opens its page")))</title></circle>"
            out += point.page.map { "<a href=\"\(e($0))\">\(mark)</a>" } ?? mark
        }
        if let leastEDP {
            let point = points[leastEDP]
            let (px, py) = (x.position(point.latency.seconds), y.position(point.energy.joules))
            out += "<circle class=\"least-edp\" cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"8.5\"/>"
            // Beside the ring, on the side with room, below it unless at the bottom edge.
            let anchor = px > (Self.plotLeft + Self.plotRight) / 2 ? "end" : "start"
            let below = py < Self.plotBottom - 24
            out +=
                "<text class=\"annotation\" x=\"\(f(px + (anchor == "start" ? 10 : -10)))\" y=\"\(f(py + (below ? 20 : -12)))\" text-anchor=\"\(anchor)\">least EDP: \(e(Format.energyDelay(point.edp)))</text>"
        }
        // Legend.
        let legendY = Self.height - 8
        out += "<circle class=\"front-run\" cx=\"\(f(Self.plotLeft + 6))\" cy=\"\(f(legendY - 4))\" r=\"4.6\"/>"
        out += "<text x=\"\(f(Self.plotLeft + 16))\" y=\"\(f(legendY))\">on the Pareto front</text>"
        if others.count <= Self.pointLimit {
            out += "<circle class=\"run\" cx=\"\(f(Self.plotLeft + 186))\" cy=\"\(f(legendY - 4))\" r=\"2.6\"/>"
            out += "<text x=\"\(f(Self.plotLeft + 196))\" y=\"\(f(legendY))\">another run</text>"
        } else {
            out += "<rect class=\"bin\" x=\"\(f(Self.plotLeft + 180))\" y=\"\(f(legendY - 10))\" width=\"12\" height=\"10\" fill-opacity=\"0.6\"/>"
            out += "<text x=\"\(f(Self.plotLeft + 198))\" y=\"\(f(legendY))\">other runs, darker where more</text>"
        }
        out += "<circle class=\"least-edp\" cx=\"\(f(Self.plotLeft + 416))\" cy=\"\(f(legendY - 4))\" r=\"6\"/>"
        out += "<text x=\"\(f(Self.plotLeft + 428))\" y=\"\(f(legendY))\">least energy × delay</text>"
        out += "</svg>"
        svg = out
    }

    static func tooltip(_ point: SweepPoint) -> String {
        "\(point.runID): latency \(Format.time(point.latency)), energy \(Format.energy(point.energy)), EDP \(Format.energyDelay(point.edp))"
    }
}
