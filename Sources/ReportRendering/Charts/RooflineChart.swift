import Foundation
import KPUModel
import ReportModel
import Support

/// A log–log roofline of a run, laid out in Swift and written as SVG: one mark per fused group
/// that does work, at its work per byte against the memory roof that binds it (x) and the work
/// per second it reaches in the model with its stages overlapped (y); the DRAM and L3 roofs as
/// diagonals, the PE arrays' and vector engines' roofs as horizontals, each labelled, and dotted
/// drops at the DRAM ridges. Marks are coloured by add category (slate greys for matmuls and for
/// other ops); their shape says which intensity places them: a circle DRAM's, a diamond L3's,
/// a triangle in a column of its own at the right for groups that move no byte at either.
/// Groups that land on the same spot (the same op in every layer) share one mark.
struct RooflineChart: Sendable {
    enum Placement: String, Sendable { case dram, l3, noBytes = "no-bytes" }

    struct Mark: Sendable {
        var x, y: Double
        var placement: Placement
        var color: String
        var tooltip: String
        /// Indexes into ``Roofline/points`` of the groups the mark stands for.
        var points: [Int]
        /// 0 for a mark alone on its spot; 1, 2, … for rings around it, one per other look there.
        var ring: Int
    }

    struct LegendItem: Sendable { var label: String; var color: String }

    let id: String
    let marks: [Mark]
    let legend: [LegendItem]
    let svg: String

    static let width = 760
    static let height = 480
    static let plotLeft = 66.0
    static let plotTop = 14.0
    static let plotBottom = Double(height) - 60
    /// The column on the right for groups that move no byte at DRAM or L3.
    static let noBytesColumn = 46.0

    init(id: String, run: RunReport.KPURun) {
        self.id = id
        let roofline = run.roofline
        let points = roofline.points
        let hasNoBytes = points.contains { roofline.bindingMemory(of: $0.demand) == nil }
        let plotRight = Double(Self.width) - 18 - (hasNoBytes ? Self.noBytesColumn : 0)

        // Log ranges that hold every placed mark, every ridge and both compute roofs, with a
        // margin for the marks and room above the highest roof for its label.
        let ridges = Roofline.Roof.allCases.flatMap { roof in Roofline.Memory.allCases.map { roofline.ridge(roof, $0) } }
        let placedX = points.compactMap { point in roofline.bindingMemory(of: point.demand).flatMap { point.demand.intensity(at: $0) } }
        let xs = (placedX + ridges).filter { $0 > 0 }.map(log10)
        let rates = points.map { point in point.attainedRate ?? roofline.attainableRate(of: point.demand) }
        let ys = (rates + Roofline.Roof.allCases.map { roofline.rate(of: $0) }).filter { $0 > 0 }.map(log10)
        let xRange = ((xs.min() ?? -1) - 0.25)...((xs.max() ?? 1) + 0.25)
        let yRange = ((ys.min() ?? 9) - 0.2)...((ys.max() ?? 12) + 0.3)
        let plotLeft = Self.plotLeft, plotTop = Self.plotTop, plotBottom = Self.plotBottom
        let xPerDecade = (plotRight - plotLeft) / (xRange.upperBound - xRange.lowerBound)
        let yPerDecade = (plotBottom - plotTop) / (yRange.upperBound - yRange.lowerBound)
        func x(_ value: Double) -> Double { plotLeft + (log10(value) - xRange.lowerBound) * xPerDecade }
        func y(_ value: Double) -> Double { plotBottom - (log10(value) - yRange.lowerBound) * yPerDecade }
        let xMin = pow(10, xRange.lowerBound), xMax = pow(10, xRange.upperBound), yMin = pow(10, yRange.lowerBound)

        // Marks: groups with the same look on the same spot share one; different looks on one
        // spot become rings around it, the first in graph order innermost.
        var marks: [Mark] = []
        var markAt: [String: Int] = [:]
        var ringsAt: [String: Int] = [:]
        for (index, point) in points.enumerated() {
            let memory = roofline.bindingMemory(of: point.demand)
            let placement: Placement = memory.map { $0 == .dram ? .dram : .l3 } ?? .noBytes
            let markX = memory.flatMap { point.demand.intensity(at: $0) }.map(x) ?? plotRight + Self.noBytesColumn / 2 + 4
            let markY = y(rates[index])
            let color = Self.color(of: point, run: run)
            let spot = "\(placement.rawValue) \(Format.fixed(markX, decimals: 1)) \(Format.fixed(markY, decimals: 1))"
            if let existing = markAt[spot + " " + color] {
                marks[existing].points.append(index)
            } else {
                markAt[spot + " " + color] = marks.count
                let ring = ringsAt[spot, default: 0]
                ringsAt[spot] = ring + 1
                marks.append(Mark(x: markX, y: markY, placement: placement, color: color, tooltip: "", points: [index], ring: ring))
            }
        }
        for index in marks.indices {
            marks[index].tooltip = Self.tooltip(marks[index].points, run: run)
        }
        self.marks = marks

        let presentCategories = Set(points.compactMap { run.categoryOfOp[$0.head] })
        legend =
            presentCategories.sorted().map { LegendItem(label: $0.title, color: CategoryPalette.color($0)) }
            + (points.contains { run.categoryOfOp[$0.head] == nil && $0.demand.roof == .peArray }
                ? [LegendItem(label: "Matmuls and attention kernels", color: ChartPalette.matmul.color)] : [])
            + (points.contains { run.categoryOfOp[$0.head] == nil && $0.demand.roof == .vectorEngine }
                ? [LegendItem(label: "Other ops", color: ChartPalette.otherOps.color)] : [])

        let e = XMLEscaping.escape
        func f(_ value: Double) -> String { Format.fixed(value, decimals: 1) }
        let hw = run.hardware, precision = run.chosen.precision
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart roofline\" id=\"\(e(id))\" role=\"img\" aria-labelledby=\"\(e(id))-title \(e(id))-desc\" viewBox=\"0 0 \(Self.width) \(Self.height)\" width=\"\(Self.width)\" height=\"\(Self.height)\">\n"
        let counts = Roofline.Bound.allCases.compactMap { bound -> String? in
            let count = points.filter { $0.bound == bound }.count
            return count > 0 ? "\(count) \(bound.title)" : nil
        }
        out += "<title id=\"\(e(id))-title\">\(e("Roofline of \(hw.name) at \(precision.rawValue), \(run.chosen.fusion.rawValue) fusion"))</title>\n"
        out +=
            "<desc id=\"\(e(id))-desc\">\(e("Log–log chart. Across: work per byte (MACs, or element operations for vector-engine work) at the memory level that binds each fused group; up: the work per second the group reaches in the model with its stages overlapped. Roofs: PE arrays \(Self.rate(roofline.peakMACRate, .peArray)), vector engines \(Self.rate(roofline.vectorRate, .vectorEngine)), DRAM \(Format.scaled(roofline.dramBandwidth, unit: "B/s")), L3 to the tiles \(Format.scaled(roofline.l3Bandwidth, unit: "B/s")). \(points.count) groups: \(counts.joined(separator: ", "))."))</desc>\n"

        // Decade grid and ticks.
        for decade in Int(xRange.lowerBound.rounded(.up))...max(Int(xRange.upperBound.rounded(.down)), Int(xRange.lowerBound.rounded(.up))) {
            let tickX = f(x(pow(10, Double(decade))))
            out += "<line class=\"grid\" x1=\"\(tickX)\" y1=\"\(f(plotTop))\" x2=\"\(tickX)\" y2=\"\(f(plotBottom))\"/>\n"
            out += "<text class=\"tick\" x=\"\(tickX)\" y=\"\(f(plotBottom + 16))\" text-anchor=\"middle\">\(e(Self.decadeLabel(decade)))</text>\n"
        }
        for decade in Int(yRange.lowerBound.rounded(.up))...max(Int(yRange.upperBound.rounded(.down)), Int(yRange.lowerBound.rounded(.up))) {
            let tickY = f(y(pow(10, Double(decade))))
            out += "<line class=\"grid\" x1=\"\(f(plotLeft))\" y1=\"\(tickY)\" x2=\"\(f(plotRight))\" y2=\"\(tickY)\"/>\n"
            out +=
                "<text class=\"tick\" x=\"\(f(plotLeft - 6))\" y=\"\(tickY)\" dy=\"4\" text-anchor=\"end\">\(e(Format.scaled(pow(10, Double(decade)), unit: "", trimZeros: true)))</text>\n"
        }
        out += "<rect class=\"frame\" x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\"/>\n"
        out +=
            "<text class=\"axis\" x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(plotBottom + 38))\" text-anchor=\"middle\">MACs or element operations per byte, at the memory level that binds</text>\n"
        out +=
            "<text class=\"axis\" transform=\"translate(16 \(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">MAC/s or element op/s</text>\n"
        if hasNoBytes {
            let columnX = plotRight + 6
            out += "<line class=\"separator\" x1=\"\(f(columnX))\" y1=\"\(f(plotTop))\" x2=\"\(f(columnX))\" y2=\"\(f(plotBottom))\"/>\n"
            out +=
                "<text class=\"tick\" x=\"\(f(plotRight + Self.noBytesColumn / 2 + 4))\" y=\"\(f(plotBottom + 16))\" text-anchor=\"middle\">no bytes</text>\n"
        }

        // Memory roofs: diagonals from the plot's edge up to the PE arrays' roof.
        let placed = marks.filter { $0.placement != .noBytes }.map { (x: $0.x, y: $0.y) }
        for memory in Roofline.Memory.allCases {
            let bandwidth = roofline.bandwidth(of: memory)
            let start = max(xMin, yMin / bandwidth), end = min(roofline.ridge(.peArray, memory), xMax)
            guard start < end else { continue }
            let (x1, y1, x2, y2) = (x(start), y(start * bandwidth), x(end), y(end * bandwidth))
            out +=
                "<line class=\"roof roof-\(memory.rawValue)\" x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\"><title>\(e("\(memory.title) roof: \(Format.scaled(bandwidth, unit: "B/s")) × work per byte"))</title></line>\n"
            let label = (memory == .dram ? "DRAM " : "L3 to the tiles ") + Format.scaled(bandwidth, unit: "B/s")
            // In the widest stretch of the line no mark sits on, lifted off it.
            let lineY = { (at: Double) in y1 + (at - x1) * (y2 - y1) / (x2 - x1) }
            let centre = Self.widestGap(from: x1, to: x2, marks: placed.filter { abs($0.y - lineY($0.x)) < 16 }.map(\.x))
            let angle = atan2(y2 - y1, x2 - x1) * 180 / Double.pi
            out +=
                "<text class=\"roof-label\" transform=\"translate(\(f(centre)) \(f(lineY(centre)))) rotate(\(f(angle)))\" dy=\"-7\" text-anchor=\"middle\">\(e(label))</text>\n"
        }
        // Compute roofs: from where they meet the highest memory roof (L3's) to the right edge,
        // each with a dotted drop at its DRAM ridge, labelled above the axis: a label that would
        // run into an earlier one goes a line higher.
        var ridgeLabels: [(from: Double, to: Double, line: Int)] = []
        for roof in Roofline.Roof.allCases {
            let rate = roofline.rate(of: roof)
            let start = max(xMin, roofline.ridge(roof, .l3))
            let roofY = y(rate)
            out +=
                "<line class=\"roof roof-\(roof.rawValue)\" x1=\"\(f(x(start)))\" y1=\"\(f(roofY))\" x2=\"\(f(plotRight))\" y2=\"\(f(roofY))\"><title>\(e("\(roof.title) roof: \(Self.rate(rate, roof))"))</title></line>\n"
            out +=
                "<text class=\"roof-label\" x=\"\(f(plotRight - 4))\" y=\"\(f(roofY - 6))\" text-anchor=\"end\">\(e("\(roof.title)\(roof == .peArray ? " at \(precision.rawValue)" : ""): \(Self.rate(rate, roof))"))</text>\n"
            let ridge = roofline.ridge(roof, .dram)
            guard ridge >= xMin && ridge <= xMax else { continue }
            let ridgeX = x(ridge)
            let label = "ridge \(Self.intensity(ridge, roof))"
            // Right of the drop where the label fits, else left of it.
            let labelWidth = Double(label.count) * 6.5
            let fitsRight = ridgeX + 4 + labelWidth <= plotRight
            let from = fitsRight ? ridgeX + 4 : ridgeX - 4 - labelWidth
            var line = 0
            while ridgeLabels.contains(where: { $0.line == line && $0.from < from + labelWidth + 6 && from < $0.to + 6 }) { line += 1 }
            ridgeLabels.append((from, from + labelWidth, line))
            out +=
                "<line class=\"ridge\" x1=\"\(f(ridgeX))\" y1=\"\(f(roofY))\" x2=\"\(f(ridgeX))\" y2=\"\(f(plotBottom))\"><title>\(e("\(roof.title) ridge at DRAM: \(Self.intensity(ridge, roof))"))</title></line>\n"
            out +=
                "<text class=\"tick\" x=\"\(f(ridgeX + (fitsRight ? 4 : -4)))\" y=\"\(f(plotBottom - 6 - 15 * Double(line)))\" text-anchor=\"\(fitsRight ? "start" : "end")\">\(e(label))</text>\n"
        }

        // Outer rings first, so each inner mark stays on top.
        let drawingOrder = marks.indices.sorted { (marks[$0].ring, $1) > (marks[$1].ring, $0) }
        for mark in drawingOrder.map({ marks[$0] }) {
            let size = 4.5 + 3 * Double(mark.ring)
            let shape: String
            switch mark.placement {
            case .dram:
                shape = "<circle class=\"point\" cx=\"\(f(mark.x))\" cy=\"\(f(mark.y))\" r=\"\(f(size))\" fill=\"\(mark.color)\">"
            case .l3:
                let half = size + 1.5
                shape =
                    "<path class=\"point\" d=\"M\(f(mark.x)) \(f(mark.y - half))l\(f(half)) \(f(half))l\(f(-half)) \(f(half))l\(f(-half)) \(f(-half))z\" fill=\"\(mark.color)\">"
            case .noBytes:
                let half = size + 1.5
                shape =
                    "<path class=\"point\" d=\"M\(f(mark.x - half)) \(f(mark.y - half))l\(f(2 * half)) \(f(half))l\(f(-2 * half)) \(f(half))z\" fill=\"\(mark.color)\">"
            }
            out += shape + "<title>\(e(mark.tooltip))</title>" + (mark.placement == .dram ? "</circle>" : "</path>") + "\n"
        }
        out += "</svg>"
        svg = out
    }

    /// The colour of a group's mark: its head's add category, else the matmul grey for PE-array
    /// work and the mid grey for other ops.
    static func color(of point: Roofline.Point, run: RunReport.KPURun) -> String {
        if let category = run.categoryOfOp[point.head] { return CategoryPalette.color(category) }
        return point.demand.roof == .peArray ? ChartPalette.matmul.color : ChartPalette.otherOps.color
    }

    /// What a mark's tooltip says: the group (or how many share the spot), its work and bytes,
    /// intensities against their ridges, its class, and what it reaches in the model.
    static func tooltip(_ indexes: [Int], run: RunReport.KPURun) -> String {
        let roofline = run.roofline
        let point = roofline.points[indexes[0]]
        let demand = point.demand
        let unit = demand.roof == .peArray ? "MAC" : "op"
        let intensities = Roofline.Memory.allCases.map { memory in
            let ridge = "ridge \(Format.significant(roofline.ridge(demand.roof, memory), digits: 3))"
            return demand.intensity(at: memory).map { "\(Format.significant($0, digits: 3)) \(unit)/B at \(memory.title) (\(ridge))" }
                ?? "no bytes at \(memory.title)"
        }
        var text = indexes.count > 1 ? "\(indexes.count) groups alike, the first: " : ""
        text += groupName(point, run: run) + ": "
        text += "\(Format.grouped(demand.work)) \(demand.roof == .peArray ? "MACs" : "element ops"), "
        text += "\(Format.bytes(demand.dramBytes)) at DRAM, \(Format.bytes(demand.l3Bytes)) between L3 and the tiles; "
        text += intensities.joined(separator: ", ") + ": \(point.bound.title)"
        if let attained = point.attainedRate {
            text +=
                ". In the model \(rate(attained, demand.roof)) with its stages overlapped (busiest: \(point.busiestLane.title), \(Format.seconds(point.busiestSeconds)))"
        }
        return text
    }

    /// The head's path, and what else is in its group.
    static func groupName(_ point: Roofline.Point, run: RunReport.KPURun) -> String {
        let riders = point.members.dropFirst().map { member in
            run.categoryOfOp[member].map { $0.title.lowercased() } ?? run.opKinds[member].rawValue
        }
        var unique: [String] = []
        for rider in riders where !unique.contains(rider) { unique.append(rider) }
        return shortName(run.opPaths[point.head]) + (unique.isEmpty ? "" : " with " + unique.joined(separator: ", "))
    }

    /// An op path as a tooltip or a sentence names it: whole up to 160 characters, else its first
    /// 100 and last 40 around an ellipsis. An export may name a node with a book's worth of text;
    /// the operator table and ops.csv keep every name whole.
    static func shortName(_ path: String) -> String {
        path.count <= 160 ? path : path.prefix(100) + "…" + path.suffix(40)
    }

    /// `7.83 TMAC/s`, `1.23 T element op/s`.
    static func rate(_ value: Double, _ roof: Roofline.Roof) -> String {
        Format.scaled(value, unit: roof == .peArray ? "MAC/s" : "op/s")
    }

    /// `30.6 MAC/B`, `4.8 op/B`.
    static func intensity(_ value: Double, _ roof: Roofline.Roof) -> String {
        Format.significant(value, digits: 3) + (roof == .peArray ? " MAC/B" : " op/B")
    }

    /// `0.01`, `1`, `1,000`.
    static func decadeLabel(_ decade: Int) -> String {
        decade >= 0 ? Format.grouped(Int(pow(10, Double(decade)))) : "0." + String(repeating: "0", count: -decade - 1) + "1"
    }

    /// The middle of the widest stretch of [`from`, `to`] with no mark in it.
    static func widestGap(from: Double, to: Double, marks: [Double]) -> Double {
        let inside = ([from] + marks.filter { $0 > from && $0 < to }.sorted() + [to])
        var best = (from + to) / 2, widest = -1.0
        for (left, right) in zip(inside, inside.dropFirst()) where right - left > widest {
            widest = right - left
            best = (left + right) / 2
        }
        return best
    }
}

extension Roofline.Bound {
    /// `DRAM-bound`, `compute-bound`.
    var title: String {
        switch self {
        case .dram: "DRAM-bound"
        case .l3: "L3-bound"
        case .compute: "compute-bound"
        case .vector: "vector-bound"
        }
    }
}

extension Roofline.Memory {
    var title: String {
        switch self {
        case .dram: "DRAM"
        case .l3: "L3"
        }
    }
}

extension Roofline.Roof {
    var title: String {
        switch self {
        case .peArray: "PE arrays"
        case .vectorEngine: "Vector engines"
        }
    }
}
