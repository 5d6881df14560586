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
