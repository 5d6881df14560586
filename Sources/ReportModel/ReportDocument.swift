import AddAnalysis
import KPUModel
import Foundation
import Support
import ModelGraph

/// The machine-readable twin of a run page (`report.json`): every figure on the page, with the
/// per-add records behind it, so readers can check any number.
public struct ReportDocument: Codable, Sendable {
    public var schemaVersion = 1
    public var tool: Tool
    /// Only from --date or SOURCE_DATE_EPOCH.
    public var generated: String?
    public var runId: String
    public var model: Model
    public var adds: [Add]
    public var categories: [Category]
    public var groups: [Group]
    /// What the reader should know about the input (ops of unknown cost, bound dimensions).
    public var notes: [String]?
    /// Where the model's assumptions fail for this run.
    public var warnings: [String]?
    public var addTotals: AddTotals
    public var hardware: Hardware?
    /// Knobs a sweep set on top of the SKU, by name (`l3_mib`, `dram_gbps`, …); absent when none.
    public var knobs: [String: Double]?
    public var fusion: String?
    /// Where activations live between ops: `l3` or `dram`.
    public var residency: String?
    /// The whole model under the chosen policy: every op, adds and others.
    public var totals: KPUFigures?
    /// Headline figures of each policy at the chosen residency, for the what-if comparison.
    public var policies: [String: KPUFigures]?
    /// The same under each residency: `residencies.dram["epilogue"]`.
    public var residencies: [String: [String: KPUFigures]]?
    /// Busy time ÷ makespan of each lane (`dma`, `block_movers`, …) and each tile class.
    public var utilization: UtilizationShares?

    public struct UtilizationShares: Codable, Sendable {
        public var lanes: [String: Double]
        public var tileClasses: [String: Double]
    }
    /// The makespan against what no schedule can beat, and what L3 residency had to give up.
    public var schedule: ScheduleFigures?

    public struct ScheduleFigures: Codable, Sendable {
        public var makespanS: Double
        /// DRAM bytes ÷ external bandwidth.
        public var dramFloorS: Double
        /// MACs ÷ peak MAC rate at the precision.
        public var computeFloorS: Double
        /// The most bytes of activations held in L3 at once (0 under `dram` residency).
        public var peakResidentBytes: Int
        /// Activations written to DRAM because L3 could not keep them to their last use.
        public var spills: [Spill]
    }

    public struct Spill: Codable, Sendable {
        public var tensor: String
        public var bytes: Int
        /// The op running when it had to leave L3.
        public var during: String
    }

    /// The roofline under the chosen policy: the roofs, their ridge points and a point per fused
    /// group that does work, with the roof that bounds it.
    public var roofline: RooflineFigures?

    public struct RooflineFigures: Codable, Sendable {
        /// MACs per second of the PE arrays at the run's precision.
        public var peArrayMacsPerS: Double
        /// Element operations per second of the vector engines.
        public var vectorEngineOpsPerS: Double
        public var dramBytesPerS: Double
        /// The block movers' bandwidth between L3 and the tiles.
        public var l3BytesPerS: Double
        /// Where each compute roof takes over from each memory roof (rate ÷ bandwidth).
        public var ridges: Ridges
        public var points: [RooflinePoint]
    }

    public struct Ridges: Codable, Sendable {
        public var peArray: MemoryRidges
        public var vectorEngine: MemoryRidges
    }

    /// Work per byte at which a compute roof meets DRAM's and L3's.
    public struct MemoryRidges: Codable, Sendable {
        public var dram: Double
        public var l3: Double
    }

    /// One fused group (a matmul with what rides its drain, an attention kernel, or one op).
    public struct RooflinePoint: Codable, Sendable {
        /// The group's head.
        public var op: String
        /// Every op of the group, head first: each is classified as the group.
        public var members: [String]
        /// The head's add category, when the head is an add or holds one (a fused op of an export).
        public var category: String?
        public var roofline: RooflineDemand
        /// Work per second with the group's stages fully overlapped (work ÷ its busiest lane's time).
        public var attainedPerS: Double?
        /// The lane the group keeps busy longest, and for how long.
        public var busiestLane: String
        public var busiestS: Double
    }

    /// Work against bytes at the memory roofs, and what bounds it.
    public struct RooflineDemand: Codable, Sendable {
        /// `pe_array` (work in MACs) or `vector_engine` (work in element operations).
        public var roof: String
        public var work: Int
        public var dramBytes: Int
        /// Bytes the block movers carry between L3 and the tiles.
        public var l3Bytes: Int
        /// Work per byte; absent where no byte moves.
        public var intensityDram: Double?
        public var intensityL3: Double?
        /// `dram`, `l3`, `compute` (the PE arrays) or `vector` (the vector engines); absent without work.
        public var bound: String?
    }

    /// Each matmul's mapping under the chosen policy and its bytes per level by operand, so
    /// another mapper (ZigZag, Timeloop) can be compared operand by operand.
    public var matmuls: [MatMul]?

    public struct MatMul: Codable, Sendable {
        public var op: String
        public var m: Int, n: Int, k: Int, batch: Int
        public var tileClasses: [String]
        public var tilesUsed: Int
        public var block: [Int]
        public var blocks: Int, rounds: Int
        public var l2Block: [Int]
        public var l3Multicast: Bool
        public var computeCycles: Int
        /// Bytes read + written at each level, by operand: `a`, `b` and the result `c`.
        public var bytes: OperandBytes
    }

    public struct OperandBytes: Codable, Sendable {
        public var a: LevelBytes, b: LevelBytes, c: LevelBytes
    }

    public struct Tool: Codable, Sendable { public var name: String; public var version: String }

    /// The SKU and thermal profile in a few words (`KPU-T256 30W`), or a dash for a graph-only run.
    public var hardwareLabel: String {
        guard hardware != nil else { return "—" }
        return hardwareName + knobText.map { " · " + $0 }.joined()
    }

    /// `KPU-T256 default`: the SKU and its thermal profile, without knobs.
    public var hardwareName: String {
        guard let hardware else { return "—" }
        return "\(hardware.name.replacingOccurrences(of: "Stillwater ", with: "")) \(hardware.profile)"
    }

    /// `l3_mib 32 · dram_gbps 400`: the knobs in the order the knob list gives them.
    public var knobText: [String] {
        HardwareKnob.allCases.compactMap { knob in knobs?[knob.rawValue].map { "\(knob.rawValue) \(HardwareKnob.text($0))" } }
    }

    /// Reads what `jsonData()` writes.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    public struct Model: Codable, Sendable {
        public var name: String
        public var family: String?
        /// The structure found in the graph, in one sentence.
        public var architecture: String
        public var source: String
        public var sourceHash: String?
        public var layers: Int
        public var hidden: Int
        public var heads: Int
        public var intermediate: Int
        public var vocab: Int
        public var maxPositions: Int
        public var typeVocab: Int
        /// The config's `hidden_act`; null for an ONNX export, whose activation is its ops.
        public var hiddenAct: String?
        public var params: Int
        public var macs: Int
        public var batch: Int
        public var seq: Int
        public var precision: String
        public var aggregation: String
        public var opCounts: [String: Int]
    }

    public struct Add: Codable, Sendable {
        public var name: String
        public var category: String
        public var shape: [Int]
        public var dtype: String
        public var elements: Int
        public var flops: Int
        public var bytes: Int
        public var bytesRead: Int
        public var bytesWritten: Int
        public var fusedIn: String?

        // Written out so `fused_in` appears as null for explicit Add nodes instead of vanishing.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(category, forKey: .category)
            try c.encode(shape, forKey: .shape)
            try c.encode(dtype, forKey: .dtype)
            try c.encode(elements, forKey: .elements)
            try c.encode(flops, forKey: .flops)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(bytesRead, forKey: .bytesRead)
            try c.encode(bytesWritten, forKey: .bytesWritten)
            try c.encode(fusedIn, forKey: .fusedIn)
        }
    }

    public struct Category: Codable, Sendable {
        public var id: String
        public var title: String
        /// All adds of the category, including those inside fused ops.
        public var count: Int
        /// Explicit Add nodes only.
        public var explicit: Int?
        public var elements: Int
        public var flops: Int
        /// Each input read once, the output written once.
        public var minimalBytes: Int
        public var bytes: LevelBytes?
        public var energyPj: EnergyPicojoules?
        public var latencyS: Double?
        /// The category's own energy × its own latency (not what it adds to the model's EDP: see `marginal`).
        public var edp: Double?
        public var shareEnergy: Double?
        public var shareLatency: Double?
        /// What the model would save if the category cost nothing.
        public var marginal: Marginal?
        /// Adds of the category whose main operand and result stay off DRAM under the chosen policy.
        public var addsOffDram: Int?
        /// The category's own adds (not those inside other ops): their element operations against
        /// the bytes they move themselves, and what bounds them.
        public var roofline: RooflineDemand?
        /// The same category under each policy, at the chosen residency.
        public var byPolicy: [String: KPUFigures]?
        /// The same category under each residency and policy.
        public var byResidency: [String: [String: KPUFigures]]?
    }

    public struct LevelBytes: Codable, Sendable { public var dram: Int; public var l3: Int; public var l2: Int; public var l1: Int }
    /// An energy split as report.json writes it, in picojoules.
    public struct EnergyPicojoules: Codable, Sendable {
        public var compute: Double
        public var memory: Double
        public var dram: Double
        public var l3: Double
        public var l2: Double
        public var l1: Double
        public var engines: Double
        public var `static`: Double
        public var total: Double

        /// The total in joules: the one conversion of report.json's picojoules.
        public var joules: Double { total * 1e-12 }
    }
    public struct KPUFigures: Codable, Sendable {
        public var bytes: LevelBytes
        public var energyPj: EnergyPicojoules
        public var latencyS: Double
        public var edp: Double
        public var macs: Int
    }
    public struct Hardware: Codable, Sendable {
        public var name: String
        public var id: String
        public var source: String
        public var profile: String
        public var clockMhz: Double
        public var tdpW: Double
        public var idlePowerW: Double
        public var tiles: Int
        public var peakMacsPerS: Double
        public var memoryType: String
        /// Sustained: the nominal rate × `dram_efficiency`, or the DMA engines' if lower.
        public var dramBandwidthGbS: Double
        /// The share of the nominal bandwidth long streams sustain (absent in older reports).
        public var dramEfficiency: Double?
        public var l3Bytes: Int
        public var l2Bytes: Int
        public var l1BytesPerTile: Int
        public var dmaEngines: Int
        public var blockMovers: Int
        public var streamers: Int
        public var vectorEngines: Int
        public var energyTable: String
        public var energyTableTitle: String
        public var energyTableSource: String
        public var attributionRule: String
        /// Fingerprints of the ComputeProduct text and of the energy-tables file (absent in
        /// reports written before they were recorded).
        public var sourceHash: String?
        public var energyTableHash: String?
    }

    public struct Group: Codable, Sendable {
        public var id: String
        public var title: String
        public var categories: [String]
        public var count: Int
        public var explanation: String
    }

    public struct AddTotals: Codable, Sendable {
        public var adds: Int
        public var elements: Int
        public var flops: Int
        public var minimalBytes: Int
        public var kpu: KPUFigures?
        public var shareEnergy: Double?
        public var shareLatency: Double?
        /// What the model would save if every add cost nothing.
        public var marginal: Marginal?
        /// Every add of its own together against the roofs.
        public var roofline: RooflineDemand?
    }

    /// The model's energy, latency and energy × delay saved if some ops cost nothing (removed from
    /// the schedule, everything else unchanged).
    public struct Marginal: Codable, Sendable {
        public var energyPj: Double
        public var latencyS: Double
        /// The share of the model's EDP that goes.
        public var edpShare: Double
    }
}
