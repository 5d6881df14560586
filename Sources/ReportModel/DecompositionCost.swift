import AddAnalysis
import KPUModel
import ModelGraph
import Support

/// The cost of every written-out instance of one op against the same number of fused ops.
public struct DecompositionCost: Sendable {
    public let kind: String
    public let instances: Int
    public let primitiveOps: Int
    public let decomposedEnergy: Energy
    public let decomposedLatency: TimeSpan
    public let decomposedDRAMBytes: Int
    public let fusedEnergy: Energy
    public let fusedLatency: TimeSpan
    public let fusedDRAMBytes: Int

    public init(
        kind: String, instances: Int, primitiveOps: Int, decomposedEnergy: Energy, decomposedLatency: TimeSpan,
        decomposedDRAMBytes: Int, fusedEnergy: Energy, fusedLatency: TimeSpan, fusedDRAMBytes: Int
    ) {
        self.kind = kind
        self.instances = instances
        self.primitiveOps = primitiveOps
        self.decomposedEnergy = decomposedEnergy
        self.decomposedLatency = decomposedLatency
        self.decomposedDRAMBytes = decomposedDRAMBytes
        self.fusedEnergy = fusedEnergy
        self.fusedLatency = fusedLatency
        self.fusedDRAMBytes = fusedDRAMBytes
    }
}

extension DecompositionCost {
    /// Sets each kind of written-out op (summed over its instances, under the chosen policy)
    /// against as many fused ops of the same shapes, each evaluated alone.
    public static func all(
        analysis: AddAnalysis, graph: Graph, chosen: KPUEvaluation, hardware: KPUHardware,
        energy: EnergyTable, precision: Precision
    ) -> [DecompositionCost] {
        let found = analysis.decompositions(in: graph)
        return Decomposition.Kind.allCases.compactMap { kind in
            let instances = found.filter { $0.kind == kind }
            guard !instances.isEmpty else { return nil }
            var decomposedEnergy = Energy.zero, decomposedLatency = TimeSpan.zero, dram = 0, ops = 0
            var fusedEnergy = Energy.zero, fusedLatency = TimeSpan.zero, fusedDRAM = 0
            for instance in instances {
                for index in instance.ops {
                    let op = chosen.operators[index]
                    decomposedEnergy += op.energy.total
                    decomposedLatency += op.latency
                    dram += op.traffic.dram.total
                }
                ops += instance.ops.count
                let tensor = graph[instance.input]
                if let estimate = FusedOpEstimate.evaluate(
                    kind == .layerNorm ? .layerNorm : .gelu, shape: tensor.shape, dtype: tensor.dtype,
                    hardware: hardware, energy: energy, precision: precision, residency: chosen.residency)
                {
                    fusedEnergy += estimate.energy
                    fusedLatency += estimate.latency
                    fusedDRAM += estimate.dramBytes
                }
            }
            return DecompositionCost(
                kind: kind.rawValue, instances: instances.count, primitiveOps: ops,
                decomposedEnergy: decomposedEnergy, decomposedLatency: decomposedLatency, decomposedDRAMBytes: dram,
                fusedEnergy: fusedEnergy, fusedLatency: fusedLatency, fusedDRAMBytes: fusedDRAM)
        }
    }
}
