import AddAnalysis
import Support
import ReportModel
import KPUModel
import ModelGraph

/// The run page's view model: every value pre-formatted, every chart laid out. The template
/// only places these values.
extension RunPage {
    /// Everything the page says about the KPU run; absent for graph-only reports.
    struct KPUSection: Sendable {
        struct CostRow: Sendable {
            var id, title, color, dram, l3, l2, l1, compute, memory, engines, staticEnergy, energy, latency, shareEnergy, shareLatency,
                offDRAM: String
            /// The adds' own roofline class and their element operations per DRAM byte (adds' rows only).
            var bound = "", boundDetail = ""
        }
        struct PolicyCell: Sendable { var energy: String; var latency: String; var dram: String; var isChosen: Bool }
        /// One category under one residency: the first of a category's rows carries its title.
        struct PolicyRow: Sendable {
            var title: String
            var isFirst: Bool
            var residency: String
            var cells: [PolicyCell]
            /// The chosen policy's energy against each other policy, at this row's residency.
            var deltas: [String]
        }
        var headline: [Fact]
        var hardwareFacts: [Fact]
        var rows: [CostRow]
        var addsRow, othersRow, modelRow: CostRow
        /// What the model saves if a category (or every add) cost nothing.
        var marginalRows: [MarginalRow]
        /// How busy each lane and tile class is over the makespan.
        var utilizationRows: [UtilizationRow]

        struct UtilizationRow: Sendable {
            var resource, busy: String
        }

        struct MarginalRow: Sendable {
            var title, energy, latency, edpShare: String
        }
        var energyChart: BarChart
        struct PolicyHeader: Sendable { var name: String; var isChosen: Bool }
        var policyHeaders: [PolicyHeader]
        var otherPolicyNames: [String]
        /// How many columns compare the chosen policy with the others.
        var otherPolicyCount: String
        var policyRows: [PolicyRow]
        var vanishing, chosenPolicy, chosenResidency, biggest, attributionRule, scheduleRule, energyTableNote: String
        /// How many rows each category takes in the what-if table: one per residency.
        var residencyCount: String
        /// Attention blocks flash-attention could not fuse, or nil.
        var attentionFallback: String?
        /// Where the model's assumptions fail for this run.
        var warnings: [String]
        /// Each tile class: what it runs at the precision and how it is modelled.
        var tileClassRows: [TileClassRow]
        var precisionName: String

        struct TileClassRow: Sendable {
            var name, tiles, array, macsPerClock, peakShare, described, modelled: String
            var isIdle: Bool
        }
        var ganttLayer: GanttChart?
        var hasGanttLayer: Bool
        var ganttOverview: GanttChart
        var operators: [OperatorRow]
        /// The operator table's rows as markup: hundreds of rows of long text go many times
        /// faster through the byte-level escaper than through a template loop.
        var operatorRowsHTML: String
        var operatorTableNote: String
        var hasOperatorTableNote: Bool
        var operatorCount: String
        var loopNests: [CategoryLoopNest]
        var energySplitChart: StackedBarChart
        var bytesByLevelChart: StackedBarChart
        var roofline: RunPage.RooflineSection
    }
}

extension RunPage.KPUSection {
    init(report: RunReport, run: RunReport.KPURun, charts: RunPage.GanttCharts? = nil) {
        let costs = run.chosenCosts
        let model = costs.model
        let precision = report.options.precision
        let hw = run.hardware
        func row(id: String, title: String, color: String, _ f: CostFigures, offDRAM: String) -> CostRow {
            let e = f.energy
            return CostRow(
                id: id, title: title, color: color,
                dram: Format.bytes(f.traffic.dram.total), l3: Format.bytes(f.traffic.l3.total),
                l2: Format.bytes(f.traffic.l2.total), l1: Format.bytes(f.traffic.l1.total),
                compute: Format.energy(e.compute), memory: Format.energy(e.memory),
                engines: Format.energy(e.engines), staticEnergy: Format.energy(e.staticEnergy),
                energy: Format.energy(f.energy.total), latency: Format.time(f.latency),
                shareEnergy: Format.percent(e.total.share(of: model.energy.total)),
                shareLatency: Format.percent(f.latency.share(of: model.latency)),
                offDRAM: offDRAM
            )
        }
        // One ranking for the whole page: the chosen policy's energy, largest first.
        let present = report.rankedCategories.compactMap { costs.cost(of: $0) }
        func withBound(_ row: CostRow, _ demand: Roofline.Demand?) -> CostRow {
            guard let demand, let bound = run.roofline.bound(of: demand) else { return row }
            var row = row
            row.bound = bound.label
            row.boundDetail = RunPage.RooflineSection.intensity(demand, .dram) + " element ops per DRAM byte"
            return row
        }
        rows = present.map { cost in
            let count = report.analysis.summary(for: cost.category)?.count ?? 0
            return withBound(
                row(
                    id: cost.category.id, title: cost.category.title, color: CategoryPalette.color(cost.category), cost.figures,
                    offDRAM: "\(cost.addsOffDRAM) of \(count)"), run.roofline.categories[cost.category])
        }
        let adds = costs.adds
        let others = costs.otherOperators.values.reduce(CostFigures()) { $0 + $1 }
        addsRow = withBound(
            row(id: "all-adds", title: "All adds", color: "", adds, offDRAM: "\(present.reduce(0) { $0 + $1.addsOffDRAM }) of \(report.analysis.totalCount)"),
            run.roofline.adds)
        othersRow = row(id: "other-ops", title: "Other ops", color: "", others, offDRAM: "")
        modelRow = row(id: "model", title: "Model", color: "", model, offDRAM: "")

        let addShareEnergy = adds.energy.total.share(of: model.energy.total)
        let addShareLatency = adds.latency.share(of: model.latency)
        headline = [
            RunPage.Fact(
                label: "Latency", value: Format.time(run.chosen.makespan),
                detail:
                    "makespan of the schedule; floors: DRAM \(Format.time(run.chosen.dramFloor)) (DRAM bytes ÷ bandwidth), compute \(Format.time(run.chosen.computeFloor)) (MACs ÷ peak at \(precision.rawValue))"
            ),
            RunPage.Fact(label: "Residency", value: run.chosen.residency.rawValue, detail: Self.residencyDetail(run)),
            RunPage.Fact(label: "Energy", value: Format.energy(model.energy.total), detail: "\(Format.energy(model.energy.staticEnergy)) of it static"),
            RunPage.Fact(label: "Energy × delay", value: Format.energyDelay(run.chosen.edp), detail: ""),
            RunPage.Fact(label: "Adds' share of energy", value: Format.percent(addShareEnergy), detail: Format.energy(adds.energy.total)),
            RunPage.Fact(label: "Adds' share of latency", value: Format.percent(addShareLatency), detail: Format.time(adds.latency)),
            RunPage.Fact(
                label: "Adds' share of EDP", value: run.marginal[nil].map { Format.percent($0.edpShare) } ?? "—",
                detail: "the model's energy × delay that goes if every add cost nothing")
        ]
        func marginalRow(_ title: String, _ cost: MarginalCost) -> MarginalRow {
            MarginalRow(title: title, energy: Format.energy(cost.energy), latency: Format.time(cost.latency), edpShare: Format.percent(cost.edpShare))
        }
        utilizationRows =
            run.utilization.lanes.map { UtilizationRow(resource: $0.lane.label(on: hw, precision: precision), busy: Format.percent($0.share)) }
            + run.utilization.tileClasses.map { UtilizationRow(resource: "\($0.name) tiles ×\($0.tiles)", busy: Format.percent($0.share)) }
        marginalRows =
            present.compactMap { cost in run.marginal[cost.category].map { marginalRow(cost.category.title, $0) } }
            + (run.marginal[nil].map { [marginalRow("All adds", $0)] } ?? [])
        if let top = present.max(by: { ($0.figures.energy.total, $1.category) < ($1.figures.energy.total, $0.category) }) {
            let e = top.figures.energy, t = top.figures.traffic
            let count = report.analysis.summary(for: top.category)?.count ?? 0
            // Where the category's energy goes, the largest part first.
            let parts: [(String, Energy)] = [
                ("DRAM traffic (\(Format.bytes(t.dram.total)))", e.dram), ("L3 traffic (\(Format.bytes(t.l3.total)))", e.l3),
                ("L2 traffic (\(Format.bytes(t.l2.total)))", e.l2), ("L1 traffic (\(Format.bytes(t.l1.total)))", e.l1),
                ("the engines that move it", e.engines), ("static power over its time", e.staticEnergy), ("the arithmetic", e.compute)
            ]
            let ranked = parts.sorted { $0.1 > $1.1 }.prefix(2).map { "\($0.0), \(Format.percent($0.1.share(of: e.total)))" }
            biggest =
                "\(top.category.title) costs the most energy of all add categories (\(Format.energy(e.total)), \(Format.percent(top.shareOfEnergy)) of the model). "
                + "Its \(count) adds spend it mostly on \(ranked.joined(separator: ", then ")); the additions themselves are \(Format.percent(e.compute.share(of: e.total)))."
        } else {
            biggest = ""
        }
        warnings = report.warnings

        let peak = hw.peakMACRate(precision)
        precisionName = precision.rawValue
        tileClassRows = hw.tileClasses.map { tile in
            let macs = tile.macsPerClock(precision)
            return TileClassRow(
                name: tile.name, tiles: Format.grouped(tile.count), array: "\(tile.rows)×\(tile.columns)",
                macsPerClock: macs.map { $0 == $0.rounded() ? Format.grouped(Int($0)) : Format.significant($0, digits: 4) } ?? "—",
                peakShare: macs.map { peak > 0 ? Format.percent(Double(tile.count) * $0 * hw.clockHz / peak) : "—" } ?? "idle at \(precision.rawValue)",
                described: tile.scheduleClass.replacingOccurrences(of: "_", with: "-"), modelled: macs == nil ? "—" : "output-stationary",
                isIdle: macs == nil)
        }
        hardwareFacts = [
            RunPage.Fact(
                label: "SKU", value: hw.name,
                detail: "profile \(hw.profileName), \(Format.significant(hw.clockMHz, digits: 4)) MHz, TDP \(Format.significant(hw.tdpWatts, digits: 3)) W"),
            RunPage.Fact(
                label: "Tiles", value: Format.grouped(hw.totalTiles),
                detail: hw.tileClasses.map { "\($0.count) \($0.name) \($0.rows)×\($0.columns)" }.joined(separator: ", ")),
            RunPage.Fact(
                label: "Peak at \(precision.rawValue)", value: Format.scaled(hw.peakMACRate(precision), unit: "MAC/s"),
                detail: "tile utilisation \(Format.percent(hw.tileUtilization(precision))) applied to compute time"
                    + (KPUHardware.lookup(hw.efficiencyByPrecision, precision).map { "; profile efficiency factor \(Format.percent($0)), shown only" } ?? "")),
            RunPage.Fact(
                label: "External memory", value: "\(hw.memoryType.uppercased()) \(Format.scaled(hw.dramBandwidth, unit: "B/s"))",
                detail:
                    "sustained: \(Format.percent(hw.dramEfficiency)) of the nominal \(Format.scaled(hw.memoryBandwidth, unit: "B/s")) (dram_efficiency\(hw.dramEfficiency == KPUHardware.defaultDRAMEfficiency ? ", the default" : "")), "
                    + "\(hw.dma.count) DMA engines × \(Format.scaled(hw.dma.bandwidthPerEngine, unit: "B/s"))"),
            RunPage.Fact(
                label: "On-chip memory", value: "L3 \(Format.bytes(hw.l3Bytes)), L2 \(Format.bytes(hw.l2Bytes))",
                detail: "per tile: L2 \(Format.bytes(hw.l2BytesPerTile)) (a block's A and B slices and one output block), "
                    + "L1 \(Format.bytes(hw.l1BytesPerTile)) (the PEs' operand storage"
                    + (hw.l1BytesPerTile > hw.l2BytesPerTile ? "; more than its L2, so it bounds no block)" : ")")),
            RunPage.Fact(
                label: "L3 multicast", value: hw.l3Multicast ? "on" : "off",
                detail: hw.l3Multicast
                    ? "one L3 read serves every tile of a round that needs it (l3_multicast)"
                    : "each tile reads its own copy from L3 (l3_multicast: false)"),
            RunPage.Fact(
                label: "Engines", value: "\(hw.blockMovers.count) block movers, \(hw.streamers.count) streamers",
                detail: "\(hw.vectorEngines) vector engines × \(hw.vectorWidth) lanes"),
            RunPage.Fact(
                label: "Idle power", value: "\(Format.significant(hw.idlePowerWatts, digits: 3)) W", detail: "charged as static energy over the latency")
        ]

        energyChart = BarChart(
            id: "chart-energy-by-category",
            title: "Energy of each add category under \(run.chosen.fusion.rawValue) fusion",
            description: "Horizontal bars, one per add category: dynamic and static energy on \(hw.name). "
                + present.map { "\($0.category.title): \(Format.energy($0.figures.energy.total))" }.joined(separator: "; ") + ".",
            unit: "J",
            bars: present.map { cost in
                BarChart.Input(
                    label: cost.category.title, value: cost.figures.energy.total.joules, valueLabel: Format.energy(cost.figures.energy.total),
                    color: CategoryPalette.color(cost.category),
                    tooltip:
                        "\(cost.category.title): \(Format.energy(cost.figures.energy.total)) (\(Format.percent(cost.shareOfEnergy)) of the model), \(Format.time(cost.figures.latency)) of latency, DRAM \(Format.bytes(cost.figures.traffic.dram.total))"
                )
            }
        )

        let policies = FusionPolicy.allCases
        policyHeaders = policies.map { PolicyHeader(name: $0.rawValue, isChosen: $0 == run.chosen.fusion) }
        chosenPolicy = run.chosen.fusion.rawValue
        func cell(_ f: CostFigures, chosen: Bool) -> PolicyCell {
            PolicyCell(energy: Format.energy(f.energy.total), latency: Format.time(f.latency), dram: Format.bytes(f.traffic.dram.total), isChosen: chosen)
        }
        func delta(_ chosen: CostFigures, _ baseline: CostFigures) -> String {
            guard baseline.energy.total > .zero else { return "—" }
            let change = (chosen.energy.total - baseline.energy.total).share(of: baseline.energy.total)
            return (change > 0 ? "+" : "") + Format.percent(change)
        }
        let otherPolicies = policies.filter { $0 != run.chosen.fusion }
        otherPolicyNames = otherPolicies.map(\.rawValue)
        otherPolicyCount = String(otherPolicies.count)
        chosenResidency = run.chosen.residency.rawValue
        // The chosen residency's row first, then the other's.
        let residencies = [run.chosen.residency] + Residency.allCases.filter { $0 != run.chosen.residency }
        residencyCount = String(residencies.count)
        func residencyRows(_ title: String, _ figures: (CategoryCosts) -> CostFigures?) -> [RunPage.KPUSection.PolicyRow] {
            residencies.enumerated().map { index, residency in
                let byPolicy = policies.map { run.costs($0, residency: residency).flatMap(figures) }
                let chosenFigures = byPolicy[policies.firstIndex(of: run.chosen.fusion)!]
                return RunPage.KPUSection.PolicyRow(
                    title: title, isFirst: index == 0, residency: residency.rawValue,
                    cells: zip(policies, byPolicy).map { policy, f in
                        cell(f ?? CostFigures(), chosen: policy == run.chosen.fusion && residency == run.chosen.residency)
                    },
                    deltas: zip(policies, byPolicy).filter { $0.0 != run.chosen.fusion }.map { _, other in
                        guard let chosenFigures, let other else { return "—" }
                        return delta(chosenFigures, other)
                    })
            }
        }
        policyRows =
            present.flatMap { cost in residencyRows(cost.category.title) { $0.cost(of: cost.category)?.figures } } + residencyRows("Model") { $0.model }
        var vanishingParts: [String] = []
        for policy in policies where policy != .none {
            guard let policyCosts = run.costs(policy) else { continue }
            let gone = policyCosts.categories.filter { $0.addsOffDRAM > 0 }.map { "\($0.addsOffDRAM) \($0.category.title.lowercased())" }
            vanishingParts.append("under \(policy.rawValue): " + (gone.isEmpty ? "none" : gone.joined(separator: ", ")))
        }
        attentionFallback = run.attentionFallbackNote
        vanishing =
            "Adds whose main operand and result no longer go through DRAM (only a bias vector or nothing does) " + vanishingParts.joined(separator: "; ") + "."
        attributionRule = KPUEvaluation.attributionRule
        scheduleRule = KPUEvaluation.schedulingRule
        (ganttLayer, ganttOverview) = charts ?? Self.ganttCharts(run: run, modelName: report.config.name)
        hasGanttLayer = ganttLayer != nil
        operators = run.chosen.operators.map { op in
            let index = op.opIndex
            let point = run.roofline.point(ofOp: index)
            return RunPage.OperatorRow(
                name: run.opPaths[index], kind: run.opKinds[index].rawValue, category: run.categoryOfOp[index]?.id ?? "",
                shape: Format.shape(run.opShapes[index]), macs: op.macs == 0 ? "" : Format.grouped(op.macs),
                dram: Format.grouped(op.traffic.dram.total), l3: Format.grouped(op.traffic.l3.total),
                l2: Format.grouped(op.traffic.l2.total), l1: Format.grouped(op.traffic.l1.total),
                cycles: op.computeCycles == 0 ? "" : Format.grouped(op.computeCycles),
                energy: Format.energy(op.energy.total), latency: Format.time(op.latency),
                dramIntensity: point.map { RunPage.RooflineSection.intensity($0.demand, .dram) } ?? "—",
                l3Intensity: point.map { RunPage.RooflineSection.intensity($0.demand, .l3) } ?? "—", bound: point?.bound.label ?? "—",
                mapping: MappingText.sentence(for: run.graph.ops[index], of: run)
            )
        }
        operatorCount = Format.grouped(operators.count)
        let e = XMLEscaping.escape
        operatorTableNote =
            operators.count > RunPage.tableRowLimit
            ? "The first \(Format.grouped(RunPage.tableRowLimit)) of \(operatorCount) operators; every one is in ops.csv." : ""
        hasOperatorTableNote = !operatorTableNote.isEmpty
        operatorRowsHTML = operators.prefix(RunPage.tableRowLimit).map { row in
            "<tr><td><code>\(e(row.name))</code></td><td>\(e(row.kind))</td><td>\(e(row.category))</td><td>\(e(row.shape))</td>"
                + "<td class=\"num\">\(row.macs)</td><td class=\"num\">\(row.dram)</td><td class=\"num\">\(row.l3)</td><td class=\"num\">\(row.l2)</td>"
                + "<td class=\"num\">\(row.l1)</td><td class=\"num\">\(row.cycles)</td><td class=\"num\">\(e(row.energy))</td><td class=\"num\">\(e(row.latency))</td>"
                + "<td class=\"num\">\(e(row.dramIntensity))</td><td class=\"num\">\(e(row.l3Intensity))</td><td>\(e(row.bound))</td>"
                + "<td class=\"mapping\">\(e(row.mapping))</td></tr>"
        }.joined(separator: "\n")
        loopNests = present.compactMap { cost in
            report.analysis.records.first { $0.category == cost.category && !$0.embedded }
                .flatMap { CategoryLoopNest(category: cost.category, record: $0, run: run) }
        }
        let levels = ChartPalette.levels
        let energySegments = [
            ("Compute", ChartPalette.compute), ("DRAM", levels[0]), ("L3", levels[1]), ("L2", levels[2]), ("L1", levels[3]),
            ("Engines", ChartPalette.engines), ("Static", ChartPalette.staticPower)
        ]
        .map { StackedBarChart.Segment(label: $0.0, color: $0.1) }
        energySplitChart = StackedBarChart(
            id: "chart-energy-split", title: "Where each add category's energy is spent",
            description:
                "Stacked bars, one per add category present: compute, DRAM, L3, L2, L1, data-movement engines and static energy, under \(run.chosen.fusion.rawValue) fusion on \(hw.name).",
            segments: energySegments,
            rows: present.map { cost in
                let e = cost.figures.energy
                return StackedBarChart.Row(label: cost.category.title, values: EnergyBreakdown.parts.map { e[keyPath: $0].joules })
            },
            format: { Format.joules($0) }, unit: "J")
        bytesByLevelChart = StackedBarChart(
            id: "chart-bytes-by-level", title: "Bytes each add category moves at each memory level",
            description:
                "Stacked bars, one per add category present: bytes read and written at DRAM, L3, L2 and L1 under \(run.chosen.fusion.rawValue) fusion.",
            segments: zip(["DRAM", "L3", "L2", "L1"], levels).map { StackedBarChart.Segment(label: $0, color: $1) },
            rows: present.map { cost in
                let t = cost.figures.traffic
                return StackedBarChart.Row(label: cost.category.title, values: [t.dram.total, t.l3.total, t.l2.total, t.l1.total].map(Double.init))
            },
            format: { Format.bytes(Int($0)) }, unit: "B")
        energyTableNote = "\(run.energyTable.title). \(run.energyTable.derivation)."
        roofline = RunPage.RooflineSection(run: run)
    }

    /// What the residency kept on chip and what it gave up, in a sentence.
    static func residencyDetail(_ run: RunReport.KPURun) -> String {
        let plan = run.chosen.mapping.residency
        switch plan.residency {
        case .dram:
            return "every activation goes out to DRAM and comes back (only epilogue's skip is read from L3)"
        case .l3:
            let spills =
                plan.spills.isEmpty
                ? "nothing spilled"
                : "\(plan.spills.count) activation\(plan.spills.count == 1 ? "" : "s") spilled to DRAM (\(Format.bytes(plan.spilledBytes))), the first "
                    + Format.clipped(run.graph[plan.spills[0].tensor].name, limit: 80)
            return "activations stay in L3 from producer to last consumer; at most \(Format.bytes(plan.peakResidentBytes)) held at once, \(spills)"
        }
    }
}
