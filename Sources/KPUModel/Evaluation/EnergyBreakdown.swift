import ModelGraph

import Support

/// Energy of one operator (or a sum of them), split by where it is spent. Whole femtojoules,
/// so that per-category sums equal model totals exactly.
public struct EnergyBreakdown: Sendable, Hashable {
    /// MACs and vector-engine operations.
    public var compute: Energy = .zero
    public var dram: Energy = .zero
    public var l3: Energy = .zero
    public var l2: Energy = .zero
    public var l1: Energy = .zero
    /// DMA engines, block movers and streamers.
    public var engines: Energy = .zero
    /// Idle power over the op's share of the latency.
    public var staticEnergy: Energy = .zero

    public init() {}

    public var memory: Energy { dram + l3 + l2 + l1 }
    public var dynamic: Energy { compute + memory + engines }
    public var total: Energy { dynamic + staticEnergy }

    /// Every part, in the order the report's stacked bars show them: they sum to `total`.
    public static let parts: [any WritableKeyPath<EnergyBreakdown, Energy> & Sendable] = [\.compute, \.dram, \.l3, \.l2, \.l1, \.engines, \.staticEnergy]

    public static func + (a: EnergyBreakdown, b: EnergyBreakdown) -> EnergyBreakdown {
        // Field by field, not by `parts`: sums run for every op of every policy.
        var sum = a
        sum.compute += b.compute; sum.dram += b.dram; sum.l3 += b.l3; sum.l2 += b.l2; sum.l1 += b.l1
        sum.engines += b.engines; sum.staticEnergy += b.staticEnergy
        return sum
    }
}
