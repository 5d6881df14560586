import KPUModel
import Support

/// One run of a sweep as the comparison page, `sweep.csv` and `history.jsonl` see it: its
/// configuration, its knobs and its headline figures, and nothing per operator. Every run of a
/// sweep has one, with a page or without (`--pages pareto|none`), so a 10,000-run sweep keeps
/// 10,000 of these in memory rather than 10,000 reports.
public struct SweepPoint: Sendable, Equatable {
    public var runID: String
    public var model: String
    public var batch: Int
    public var seq: Int
    public var precision: String
    /// Hidden-state aggregation, as report.json says it.
    public var aggregation: String
    /// The SKU as the tables name it, with its thermal profile: `KPU-T256 default`.
    public var kpu: String
    /// The SKU's id (`kpu-t256`), its profile and energy table.
    public var sku: String
    public var profile: String
    public var energyTable: String
    public var fusion: String
    public var residency: String
    /// The knobs set on top of the SKU.
    public var knobs: [HardwareKnob: Double]
    public var latency: TimeSpan
    public var energy: Energy
    public var edp: EnergyDelay
    public var dramBytes: Int
    /// The adds' shares of the model's energy and latency (0–1).
    public var addShareOfEnergy: Double
    public var addShareOfLatency: Double
    /// The share of the model's EDP saved if every add cost nothing; nil where it was not
    /// modelled (runs without a page skip that what-if).
    public var addMarginalEDPShare: Double?
    public var dramFloor: TimeSpan
    public var computeFloor: TimeSpan
    /// Each add category's energy, by category id, for categories the model has.
    public var categoryEnergy: [String: Energy]
    /// The run's page, relative to the site (`RUN/index.html`), when it has one.
    public var page: String?

    public init(
        runID: String, model: String, batch: Int, seq: Int, precision: String, aggregation: String, kpu: String, sku: String, profile: String,
        energyTable: String, fusion: String, residency: String, knobs: [HardwareKnob: Double], latency: TimeSpan, energy: Energy,
        edp: EnergyDelay, dramBytes: Int, addShareOfEnergy: Double, addShareOfLatency: Double, addMarginalEDPShare: Double?,
        dramFloor: TimeSpan, computeFloor: TimeSpan, categoryEnergy: [String: Energy], page: String?
    ) {
        self.runID = runID
        self.model = model
        self.batch = batch
        self.seq = seq
        self.precision = precision
        self.aggregation = aggregation
        self.kpu = kpu
        self.sku = sku
        self.profile = profile
        self.energyTable = energyTable
        self.fusion = fusion
        self.residency = residency
        self.knobs = knobs
        self.latency = latency
        self.energy = energy
        self.edp = edp
        self.dramBytes = dramBytes
        self.addShareOfEnergy = addShareOfEnergy
        self.addShareOfLatency = addShareOfLatency
        self.addMarginalEDPShare = addMarginalEDPShare
        self.dramFloor = dramFloor
        self.computeFloor = computeFloor
        self.categoryEnergy = categoryEnergy
        self.page = page
    }

    /// The point of a run with a KPU model, from its report.json figures (the one place they are
    /// defined); nil for a run without one (an add census only).
    public init?(document d: ReportDocument, page: String?) {
        guard let totals = d.totals, let hardware = d.hardware, let schedule = d.schedule else { return nil }
        self.init(
            runID: d.runId, model: d.model.name, batch: d.model.batch, seq: d.model.seq, precision: d.model.precision,
            aggregation: d.model.aggregation, kpu: d.hardwareName, sku: hardware.id, profile: hardware.profile,
            energyTable: hardware.energyTable, fusion: d.fusion ?? "", residency: d.residency ?? "",
            knobs: Dictionary(
                uniqueKeysWithValues: (d.knobs ?? [:]).compactMap { name, value in HardwareKnob(rawValue: name).map { ($0, value) } }),
            latency: TimeSpan(seconds: totals.latencyS), energy: Energy(picojoules: totals.energyPj.total),
            edp: EnergyDelay(jouleSeconds: totals.edp), dramBytes: totals.bytes.dram,
            addShareOfEnergy: d.addTotals.shareEnergy ?? 0, addShareOfLatency: d.addTotals.shareLatency ?? 0,
            addMarginalEDPShare: d.addTotals.marginal?.edpShare,
            dramFloor: TimeSpan(seconds: schedule.dramFloorS), computeFloor: TimeSpan(seconds: schedule.computeFloorS),
            categoryEnergy: Dictionary(
                uniqueKeysWithValues: d.categories.compactMap { category in
                    category.energyPj.map { (category.id, Energy(picojoules: $0.total)) }
                }),
            page: page)
    }

    /// The run's line of `history.jsonl`.
    public func historyEntry(date: String?, commit: String?) -> HistoryEntry {
        HistoryEntry(
            date: date, commit: commit, key: runID, latencyS: latency.seconds, energyJ: energy.joules, edp: edp.jouleSeconds,
            addEnergyShare: addShareOfEnergy)
    }
}
