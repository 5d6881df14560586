import ModelGraph
import Support

/// What one fused LayerNorm or GELU would cost on the KPU, evaluated alone: the yardstick for
/// the same operation written out as primitive ops. Under L3 residency it reads its input from
/// L3 and leaves its result there, as it would inside the model; its parameters come from DRAM.
///
/// ```swift
/// let fused = FusedOpEstimate.evaluate(.layerNorm, shape: [1, 128, 768], dtype: .fp32, hardware: hardware,
///                                      energy: table, precision: .fp32, residency: .l3)
/// ```
public struct FusedOpEstimate: Sendable, Hashable {
    public let energy: Energy
    public let latency: TimeSpan
    public let dramBytes: Int

    public enum Kind: Sendable { case layerNorm, gelu }

    public static func evaluate(
        _ kind: Kind, shape: [Int], dtype: DType, hardware: KPUHardware, energy: EnergyTable,
        precision: Precision, residency: Residency
    ) -> FusedOpEstimate? {
        var builder = GraphBuilder(name: "estimate", source: "estimate")
        do {
            let x = try builder.input("x", shape: shape, dtype: dtype)
            let y: TensorID
            switch kind {
            case .layerNorm:
                let last = shape.last ?? 1
                let gamma = try builder.parameter("gamma", shape: [last], dtype: dtype)
                let beta = try builder.parameter("beta", shape: [last], dtype: dtype)
                y = try builder.op(.layerNorm, "layer_norm", [x, gamma, beta], shape: shape, dtype: dtype)
            case .gelu:
                y = try builder.op(.gelu, "gelu", [x], shape: shape, dtype: dtype)
            }
            let graph = try builder.finish(outputs: [y])
            var mapping = Mapper(graph: graph, hardware: hardware, precision: precision, fusion: .none, residency: residency).map()
            if residency == .l3 { mapping = mapping.with(residency: .activationsOnChip(graph)) }
            let evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: energy, mapping: mapping).evaluate()
            return FusedOpEstimate(
                energy: evaluation.totalEnergy.total, latency: evaluation.makespan,
                dramBytes: evaluation.totalTraffic.dram.total)
        } catch {
            return nil
        }
    }
}
