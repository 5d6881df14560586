import ModelGraph

/// Energy of one operator (or a sum of them), split by where it is spent, in femtojoules.
/// Integers, so that per-category sums equal model totals exactly.
public struct EnergyBreakdown: Sendable, Hashable {
    /// MACs and vector-engine operations.
    public var compute: Int64 = 0
    public var dram: Int64 = 0
    public var l3: Int64 = 0
    public var l2: Int64 = 0
    public var l1: Int64 = 0
    /// DMA engines, block movers and streamers.
    public var engines: Int64 = 0
    /// Idle power over the op's share of the latency.
    public var staticEnergy: Int64 = 0

    public init() {}

    public var memory: Int64 { dram + l3 + l2 + l1 }
    public var dynamic: Int64 { compute + memory + engines }
    public var total: Int64 { dynamic + staticEnergy }

    public static func + (a: EnergyBreakdown, b: EnergyBreakdown) -> EnergyBreakdown {
        var sum = EnergyBreakdown()
        sum.compute = a.compute + b.compute
        sum.dram = a.dram + b.dram
        sum.l3 = a.l3 + b.l3
        sum.l2 = a.l2 + b.l2
        sum.l1 = a.l1 + b.l1
        sum.engines = a.engines + b.engines
        sum.staticEnergy = a.staticEnergy + b.staticEnergy
        return sum
    }
}

/// One operator on the KPU: how it was mapped, what it moves, how long and how much energy.
public struct OperatorEvaluation: Sendable {
    public let opIndex: Int
    /// The op whose group this op was fused into (itself when not fused).
    public let groupHead: Int
    public let macs: Int
    /// Element-wise operations on the vector engine (adds counted apart in `addOps`).
    public let vectorOps: Int
    public let addOps: Int
    public let traffic: Traffic
    /// Inputs read once plus the output written once, at DRAM: the floor for `traffic.dram`.
    public let compulsoryExternalBytes: Int
    /// How the op was mapped, in a sentence (tiling, broadcast handling, fusion, absorbed transpose).
    public let mapping: String
    public let tiling: MatMulTiling?
    /// For matmuls, the traffic of each operand: `A`, `B` and the result `C`. Sums to `traffic`.
    public let trafficByTensor: [String: Traffic]
    /// PE-array cycles including pipeline fill and drain (matmuls only).
    public let computeCycles: Int
    /// MACs over the PE array's peak in the op's compute time; 0 for ops without MACs.
    public let utilization: Double
    /// Seconds each stage of this op takes on its resource when run alone.
    public let stageSeconds: [Stage: Double]
    public internal(set) var energy: EnergyBreakdown
    /// The op's share of the model latency, in picoseconds (see ``KPUEvaluation/attributionRule``).
    public internal(set) var latencyPicoseconds: Int64
    /// When its group started and finished in the schedule, in picoseconds.
    public internal(set) var startPicoseconds: Int64
    public internal(set) var endPicoseconds: Int64

    public var externalBytes: Int { traffic.dram.total }
    public var latencySeconds: Double { Double(latencyPicoseconds) * 1e-12 }
}

/// A resource stage of an operator, in data-flow order.
public enum Stage: String, Sendable, Hashable, CaseIterable, Codable {
    case load, move, stream, compute, vector, store

    /// The resource lane the stage occupies.
    public var lane: Lane {
        switch self {
        case .load, .store: .dma
        case .move: .blockMovers
        case .stream: .streamers
        case .compute: .compute
        case .vector: .vectorEngine
        }
    }
}

/// A resource lane of the schedule.
public enum Lane: String, Sendable, Hashable, CaseIterable, Codable {
    case dma, blockMovers = "block_movers", streamers, compute, vectorEngine = "vector_engine"
}

/// One busy interval on a lane.
public struct ScheduleEvent: Sendable, Hashable {
    public let lane: Lane
    public let stage: Stage
    /// The group's head op index: the op the bar belongs to.
    public let opIndex: Int
    public let chunk: Int
    public let startPicoseconds: Int64
    public let endPicoseconds: Int64
    public let bytes: Int

    public init(lane: Lane, stage: Stage, opIndex: Int, chunk: Int, startPicoseconds: Int64, endPicoseconds: Int64, bytes: Int) {
        self.lane = lane
        self.stage = stage
        self.opIndex = opIndex
        self.chunk = chunk
        self.startPicoseconds = startPicoseconds
        self.endPicoseconds = endPicoseconds
        self.bytes = bytes
    }
}

/// The whole model on one KPU under one fusion policy.
public struct KPUEvaluation: Sendable {
    public let hardware: KPUHardware
    public let energyTable: EnergyTable
    public let fusion: FusionPolicy
    public let precision: Precision
    /// One entry per graph op, indexed like `graph.ops`.
    public let operators: [OperatorEvaluation]
    public let events: [ScheduleEvent]
    public let makespanPicoseconds: Int64

    public var latencySeconds: Double { Double(makespanPicoseconds) * 1e-12 }
    public var totalEnergy: EnergyBreakdown { operators.reduce(EnergyBreakdown()) { $0 + $1.energy } }
    public var totalTraffic: Traffic { operators.reduce(Traffic()) { $0 + $1.traffic } }
    /// Energy × delay, in joule-seconds.
    public var edp: Double { Double(totalEnergy.total) * 1e-15 * latencySeconds }

    /// How latency and static energy are shared among ops, so that any grouping sums to the total.
    public static let attributionRule = """
    Groups (a fused matmul with its epilogue, or a single op) are taken in order of finish time; \
    each is charged the time by which it moves the finish line forward (its end minus the latest \
    earlier end, never negative), so the charges add up to the makespan. Inside a group the charge \
    is split in proportion to each member's stage time. Static energy is idle power × charged time.
    """
}
