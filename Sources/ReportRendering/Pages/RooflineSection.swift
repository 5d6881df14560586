import AddAnalysis
import KPUModel
import ReportModel
import Support

extension RunPage {
    /// The roofline section of a run page: the roofs and their ridge points, what bounds the
    /// fused groups and how much of the latency each class takes, each add category against the
    /// roofs, and the chart.
    struct RooflineSection: Sendable {
        struct RoofRow: Sendable { var roof, rate, dramRidge, l3Ridge: String }
        struct BoundRow: Sendable { var bound, groups, ops, latency, share: String }
        struct CategoryRow: Sendable { var id, title, color, work, dram, l3, dramIntensity, l3Intensity, bound: String }

        /// The heaviest matmul group against its ridge, and how the groups divide, in sentences.
        var summary: String
        var memoryRoofs: String
        var roofRows: [RoofRow]
        var boundRows: [BoundRow]
        var categoryRows: [CategoryRow]
        var addsRow: CategoryRow
        var chart: RooflineChart

        init(run: RunReport.KPURun) {
            let roofline = run.roofline, hw = run.hardware, chosen = run.chosen
            let precision = chosen.precision.rawValue
            roofRows = Roofline.Roof.allCases.map { roof in
                RoofRow(
                    roof: roof == .peArray ? "PE arrays at \(precision)" : "Vector engines",
                    rate: RooflineChart.rate(roofline.rate(of: roof), roof),
                    dramRidge: RooflineChart.intensity(roofline.ridge(roof, .dram), roof),
                    l3Ridge: RooflineChart.intensity(roofline.ridge(roof, .l3), roof))
            }
            memoryRoofs =
                "DRAM \(Format.scaled(roofline.dramBandwidth, unit: "B/s")) (the lesser of what the \(hw.memoryType.uppercased()) sustains, \(Format.percent(hw.dramEfficiency)) of \(Format.scaled(hw.memoryBandwidth, unit: "B/s")), and \(hw.dma.count) DMA engines × \(Format.scaled(hw.dma.bandwidthPerEngine, unit: "B/s"))); "
                + "L3 to the tiles \(Format.scaled(roofline.l3Bandwidth, unit: "B/s")) (\(hw.blockMovers.count) block movers × \(Format.scaled(hw.blockMovers.bandwidthPerEngine, unit: "B/s")))"

            let makespan = chosen.makespan
            func latency(_ ops: [Int]) -> TimeSpan { ops.reduce(TimeSpan.zero) { $0 + chosen.operators[$1].latency } }
            boundRows = Roofline.Bound.allCases.compactMap { bound in
                let points = roofline.points.filter { $0.bound == bound }
                guard !points.isEmpty else { return nil }
                let ops = points.flatMap(\.members)
                return BoundRow(
                    bound: bound.title, groups: Format.grouped(points.count), ops: Format.grouped(ops.count),
                    latency: Format.time(latency(ops)), share: Format.percent(latency(ops).share(of: makespan)))
            }
            let idle = roofline.pointIndexOfOp.indices.filter { roofline.pointIndexOfOp[$0] == nil }
            if !idle.isEmpty {
                boundRows.append(
                    BoundRow(
                        bound: "— (no work: views, copies, folded ops)", groups: "", ops: Format.grouped(idle.count),
                        latency: Format.time(latency(idle)), share: Format.percent(latency(idle).share(of: makespan))))
            }

            func row(id: String, title: String, color: String, _ demand: Roofline.Demand) -> CategoryRow {
                CategoryRow(
                    id: id, title: title, color: color, work: Format.grouped(demand.work), dram: Format.bytes(demand.dramBytes),
                    l3: Format.bytes(demand.l3Bytes), dramIntensity: Self.intensity(demand, .dram), l3Intensity: Self.intensity(demand, .l3),
                    bound: roofline.bound(of: demand)?.label ?? "—")
            }
            categoryRows = AddCategory.allCases.compactMap { category in
                roofline.categories[category].map { row(id: category.id, title: category.title, color: CategoryPalette.color(category), $0) }
            }
            addsRow = row(id: "all-adds", title: "All adds", color: "", roofline.adds)

            var sentences: [String] = []
            let classes = Roofline.Bound.allCases.compactMap { bound -> (count: Int, title: String)? in
                let count = roofline.points.filter { $0.bound == bound }.count
                return count > 0 ? (count, bound.title) : nil
            }
            let groups = "\(Format.grouped(roofline.points.count)) fused groups that do work"
            let opening = "Under \(chosen.fusion.rawValue) fusion at \(precision)"
            if classes.count == 1 {
                sentences.append("\(opening), all \(groups) are \(classes[0].title).")
            } else if !classes.isEmpty {
                let counts = classes.enumerated().map { index, entry in "\(Format.grouped(entry.count)) \(index == 0 ? "are " : "")\(entry.title)" }
                sentences.append("\(opening), of the \(groups), \(Self.list(counts)).")
            }
            if let heaviest = roofline.points.filter({ $0.demand.roof == .peArray }).max(by: { $0.demand.work < $1.demand.work }),
                let memory = roofline.bindingMemory(of: heaviest.demand), let intensity = heaviest.demand.intensity(at: memory)
            {
                let ridge = roofline.ridge(.peArray, memory)
                let side = heaviest.bound == .compute ? "above" : "below"
                var sentence =
                    "The heaviest matmul group, \(RooflineChart.groupName(heaviest, run: run)), does \(Format.significant(intensity, digits: 3)) MAC per \(memory.title) byte, \(side) the ridge of \(Format.significant(ridge, digits: 3)): \(heaviest.bound.title)."
                if let attained = heaviest.attainedRate {
                    sentence +=
                        " In the model, its stages overlapped, it reaches \(RooflineChart.rate(attained, .peArray)) (\(Format.percent(attained / roofline.attainableRate(of: heaviest.demand))) of what the roofs allow), its busiest resource the \(heaviest.busiestLane == .dma ? "DMA" : heaviest.busiestLane.title.lowercased()) (\(Format.seconds(heaviest.busiestSeconds)))."
                }
                sentences.append(sentence)
            }
            summary = sentences.joined(separator: " ")
            chart = RooflineChart(id: "chart-roofline", run: run)
        }

        /// `26.5`, or `no bytes` where nothing moves at that level.
        static func intensity(_ demand: Roofline.Demand, _ memory: Roofline.Memory) -> String {
            guard demand.work > 0 else { return "—" }
            return demand.intensity(at: memory).map { Format.significant($0, digits: 3) } ?? "no bytes"
        }

        /// `a`, `a and b`, `a, b and c`.
        static func list(_ items: [String]) -> String {
            items.count <= 2 ? items.joined(separator: " and ") : items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }
}

extension Roofline.Bound {
    /// The class as the tables print it: `DRAM`, `L3`, `compute`, `vector`.
    var label: String {
        switch self {
        case .dram: "DRAM"
        case .l3: "L3"
        case .compute: "compute"
        case .vector: "vector"
        }
    }
}
