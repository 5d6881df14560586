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
        struct PolicyRow: Sendable {
            var title: String
            var cells: [PolicyCell]
            /// The chosen policy's energy against each other policy.
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
        var vanishing, chosenPolicy, biggest, attributionRule, energyTableNote: String
        /// Attention blocks flash-attention could not fuse, or nil.
        var attentionFallback: String?
        /// Where the model's assumptions fail for this run.
        var warnings: [String]
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
        var loopNests: [LoopNest]
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
        let present = costs.categories.filter { report.analysis.summary(for: $0.category)?.count ?? 0 > 0 }
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
            RunPage.Fact(label: "Latency", value: Format.time(run.chosen.makespan), detail: "makespan of the schedule"),
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
            let dramShare = top.figures.energy.dram.share(of: top.figures.energy.total)
            let count = report.analysis.summary(for: top.category)?.count ?? 0
            biggest =
                "\(top.category.title) costs the most energy of all add categories (\(Format.energy(top.figures.energy.total)), \(Format.percent(top.shareOfEnergy)) of the model): "
                + "its \(count) adds move \(Format.bytes(top.figures.traffic.dram.total)) to and from DRAM, which is \(Format.percent(dramShare)) of their energy, while the additions themselves are a rounding error."
        } else {
            biggest = ""
        }
        warnings = report.warnings

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
                detail: "\(hw.dma.count) DMA engines × \(Format.scaled(hw.dma.bandwidthPerEngine, unit: "B/s"))"),
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
        policyRows =
            present.map { cost in
                RunPage.KPUSection.PolicyRow(
                    title: cost.category.title,
                    cells: policies.map { policy in
                        cell(run.costs[policy]?.cost(of: cost.category)?.figures ?? CostFigures(), chosen: policy == run.chosen.fusion)
                    },
                    deltas: otherPolicies.map { other in run.costs[other]?.cost(of: cost.category).map { delta(cost.figures, $0.figures) } ?? "—" }
                )
            } + [
                RunPage.KPUSection.PolicyRow(
                    title: "Model", cells: policies.map { cell(run.costs[$0]?.model ?? CostFigures(), chosen: $0 == run.chosen.fusion) },
                    deltas: otherPolicies.map { other in run.costs[other].map { delta(model, $0.model) } ?? "—" })
            ]
        var vanishingParts: [String] = []
        for policy in policies where policy != .none {
            guard let policyCosts = run.costs[policy] else { continue }
            let gone = policyCosts.categories.filter { $0.addsOffDRAM > 0 }.map { "\($0.addsOffDRAM) \($0.category.title.lowercased())" }
            vanishingParts.append("under \(policy.rawValue): " + (gone.isEmpty ? "none" : gone.joined(separator: ", ")))
        }
        attentionFallback = run.attentionFallbackNote
        vanishing =
            "Adds whose main operand and result no longer go through DRAM (only a bias vector or nothing does) " + vanishingParts.joined(separator: "; ") + "."
        attributionRule = KPUEvaluation.attributionRule
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
                .flatMap { LoopNest(category: cost.category, record: $0, run: run) }
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
}
