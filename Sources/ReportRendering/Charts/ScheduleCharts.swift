import Support
import ReportModel
import AddAnalysis
import KPUModel

/// The run page's two Gantt charts of the chosen policy's schedule: the first encoder layer in
/// detail, its operations labelled, and the whole model. Both have one DMA row: a transfer is
/// striped across every channel, so the channels are busy over the same intervals and a row per
/// channel would repeat one row sixteen times.
extension RunPage.KPUSection {
    /// The first encoder layer in detail (if the model has one) and the whole model, laid out
    /// side by side: each is a few thousand intervals to sort, merge and label.
    static func ganttCharts(run: RunReport.KPURun, modelName: String) -> (GanttChart?, GanttChart) {
        let riders = riderLegend(run)
        // Neither job throws.
        let (layer, overview) = try! concurrently(
            { layerChart(run: run, modelName: modelName, riders: riders) },
            { overviewChart(run: run, riders: riders) })
        return (layer, overview)
    }

    /// The rows, in lane order, with their labels.
    private static func rows(_ run: RunReport.KPURun, withBusyShares: Bool = false) -> [(lane: Lane, label: String)] {
        let hw = run.hardware
        // The whole model's chart gives each lane how busy it is over the schedule.
        let busy = Dictionary(uniqueKeysWithValues: run.utilization.lanes.map { ($0.lane, $0.share) })
        return Lane.allCases.map { lane in
            (lane, lane.label(on: hw, precision: run.chosen.precision) + (withBusyShares ? " · " + Format.percent(busy[lane] ?? 0) : ""))
        }
    }

    /// Add categories whose adds ride another op's drain under the chosen policy (linear biases
    /// under vector-engine; residuals too under epilogue): they have no bars of their own, so the
    /// legend names them and says where their time is drawn.
    static func riderLegend(_ run: RunReport.KPURun) -> [GanttChart.LegendItem] {
        var hosts: [AddCategory: Set<String>] = [:]
        for op in run.chosen.operators where op.groupHead != op.opIndex {
            guard let category = run.categoryOfOp[op.opIndex] else { continue }
            let head = run.opKinds[op.groupHead]
            hosts[category, default: []].insert(head == .matMul ? "matmul" : head.rawValue)
        }
        return hosts.keys.sorted().map { category in
            let host = hosts[category]!.sorted().joined(separator: " or ")
            return GanttChart.LegendItem(
                label: category.title, swatch: CategoryPalette.color(category),
                note: "rides the \(host) drain under \(run.chosen.fusion.rawValue) fusion: its time is inside the \(host) bars",
                isRider: true)
        }
    }

    /// Chart inputs for schedule events: look and label per op, worked out once per op.
    private struct GanttInputs {
        let run: RunReport.KPURun
        private var looks: [Int: (label: String, look: ChartPalette.Look, energy: Energy)] = [:]

        init(run: RunReport.KPURun) { self.run = run }

        mutating func input(_ event: ScheduleEvent, row: Int) -> GanttChart.Input {
            let op: (label: String, look: ChartPalette.Look, energy: Energy)
            if let known = looks[event.opIndex] {
                op = known
            } else {
                let look =
                    run.categoryOfOp[event.opIndex].map { ChartPalette.Look(legend: $0.title, color: CategoryPalette.color($0)) }
                    ?? ChartPalette.neutral(for: run.opKinds[event.opIndex])
                op = (Format.clipped(run.opPaths[event.opIndex]), look, run.chosen.operators[event.opIndex].energy.total)
                looks[event.opIndex] = op
            }
            return GanttChart.Input(
                row: row, start: event.startPicoseconds, end: event.endPicoseconds, label: op.label, look: op.look,
                stage: event.stage.rawValue, chunk: event.chunk, bytes: event.bytes, energy: op.energy,
                stripedOver: event.lane == .dma ? max(1, run.hardware.dma.count) : 1)
        }
    }

    /// The overview: one bar per operator and lane, its chunks joined: at model scale the chunks
    /// are below a pixel anyway.
    private static func overviewChart(run: RunReport.KPURun, riders: [GanttChart.LegendItem]) -> GanttChart {
        let hw = run.hardware
        let rows = rows(run, withBusyShares: true)
        var rowOf: [Lane: Int] = [:]
        for (index, row) in rows.enumerated() { rowOf[row.lane] = index }
        var inputs = GanttInputs(run: run)
        return GanttChart(
            id: "gantt-model", title: "The whole model on \(hw.name), \(run.chosen.fusion.rawValue) fusion",
            description:
                "Busy intervals of each resource over the model's \(Format.time(run.chosen.makespan)); bars are coloured by add category, slate grey (plain or textured) for other ops; intervals under a pixel are merged.",
            window: 0...max(run.chosen.makespan.picoseconds, 1), clockHz: hw.clockHz, rows: rows.map(\.label),
            events: OperatorSlices(run.chosen.events).events.map { inputs.input($0, row: rowOf[$0.lane]!) }, riders: riders)
    }

    /// The first encoder layer in full detail, chunk by chunk, each operation (or fused group)
    /// named above its bars.
    private static func layerChart(run: RunReport.KPURun, modelName: String, riders: [GanttChart.LegendItem]) -> GanttChart? {
        guard let layer = run.firstLayer else { return nil }
        let hw = run.hardware
        let inLayer = run.chosen.events.filter { layer.contains($0.opIndex) }
        guard let start = inLayer.map(\.startPicoseconds).min(), let end = inLayer.map(\.endPicoseconds).max(), end > start else {
            return nil
        }
        let rows = rows(run)
        var rowOf: [Lane: Int] = [:]
        for (index, row) in rows.enumerated() { rowOf[row.lane] = index }
        var inputs = GanttInputs(run: run)
        var spans: [Int: ClosedRange<Int64>] = [:]
        for event in inLayer {
            let span = event.startPicoseconds...event.endPicoseconds
            spans[event.opIndex] = spans[event.opIndex].map { min($0.lowerBound, span.lowerBound)...max($0.upperBound, span.upperBound) } ?? span
        }
        let names = OperationNames(run: run, layer: layer)
        let operations = spans.keys.sorted().map { head in
            GanttChart.OperationLabel(text: names.group(head), start: spans[head]!.lowerBound, end: spans[head]!.upperBound)
        }
        return GanttChart(
            id: "gantt-layer", title: "The first encoder layer of \(modelName) in full detail",
            description:
                "Every stage of the first encoder layer's operators on \(hw.name), one row per engine group, from \(Format.time(TimeSpan(picoseconds: start))) to \(Format.time(TimeSpan(picoseconds: end))); each operation is named above its bars: "
                + operations.map(\.text).joined(separator: ", ") + ".",
            window: start...end, clockHz: hw.clockHz, rows: rows.map(\.label),
            events: inLayer.map { inputs.input($0, row: rowOf[$0.lane]!) }, operations: operations, riders: riders)
    }
}
