import ModelGraph
import Support

/// The whole model on one KPU under one fusion policy.
public struct KPUEvaluation: Sendable {
    public let hardware: KPUHardware
    public let energyTable: EnergyTable
    /// How every op was placed: the input the figures below were computed from.
    public let mapping: Mapping
    /// One entry per graph op, indexed like `graph.ops`.
    public let operators: [OperatorEvaluation]
    public let events: [ScheduleEvent]
    /// From the first transfer to the last store.
    public let makespan: TimeSpan

    public var fusion: FusionPolicy { mapping.fusion }
    public var residency: Residency { mapping.residency.residency }
    public var strategy: MappingStrategy { MappingStrategy(fusion: fusion, residency: residency) }
    public var precision: Precision { mapping.precision }
    public var totalEnergy: EnergyBreakdown { operators.reduce(EnergyBreakdown()) { $0 + $1.energy } }
    public var totalTraffic: Traffic { operators.reduce(Traffic()) { $0 + $1.traffic } }
    public var edp: EnergyDelay { totalEnergy.total * makespan }

    /// DRAM bytes ÷ external bandwidth: no schedule of this mapping finishes sooner.
    public var dramFloor: TimeSpan {
        TimeSpan(secondsRoundedDown: Double(totalTraffic.dram.total) / hardware.dramBandwidth)
    }

    /// MACs ÷ the peak MAC rate of every tile class at the precision: no schedule finishes sooner.
    public var computeFloor: TimeSpan {
        let peak = hardware.peakMACRate(precision)
        return peak > 0 ? TimeSpan(secondsRoundedDown: Double(operators.reduce(0) { $0 + $1.macs }) / peak) : .zero
    }

    /// How the schedule overlaps work, in the words the page uses.
    public static let schedulingRule = """
        Each operator (or fused group) flows in up to \(Mapping.maximumChunks) chunks, so loading one chunk overlaps computing \
        the previous one; a stage takes the earliest gap on its resource that is long enough, so a later op can fill time an \
        earlier one left idle; and loads of weights alone start as soon as the op before has, so the DMA fetches the next \
        op's weights while the current one computes.
        """

    /// How latency and static energy are shared among ops, so that any grouping sums to the total.
    public static let attributionRule = """
        Groups (a fused matmul with its epilogue, or a single op) are taken in order of finish time; \
        each is charged the time by which it moves the finish line forward (its end minus the latest \
        earlier end, never negative), so the charges add up to the makespan. Inside a group the charge \
        is split in proportion to each member's stage time. Static energy is idle power × charged time.
        """
}
