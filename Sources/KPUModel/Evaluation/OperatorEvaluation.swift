import ModelGraph
import Support

/// One operator on the KPU: what it moves, what it computes, when it ran, how long it is
/// charged and how much energy it took. Its mapping is in ``KPUEvaluation/mapping``.
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
    /// For matmuls, the traffic of each operand: `A`, `B` and the result `C`. Sums to `traffic`.
    public let trafficByTensor: [String: Traffic]
    /// PE-array cycles including pipeline fill and drain (matmuls only).
    public let computeCycles: Int
    /// MACs over the PE array's peak in the op's compute time; 0 for ops without MACs.
    public let utilization: Double
    /// Seconds each stage of this op takes on its resource when run alone.
    public let stageSeconds: [Stage: Double]
    public let energy: EnergyBreakdown
    /// The op's share of the model latency (see ``KPUEvaluation/attributionRule``).
    public let latency: TimeSpan
    /// When its group started and finished in the schedule.
    public let start: TimeSpan
    public let end: TimeSpan

    public var externalBytes: Int { traffic.dram.total }
}

/// What one operator asks of each resource, before it is scheduled: the evaluator's figures
/// that do not depend on when the op runs.
struct OperatorDemand: Sendable {
    var macs = 0, vectorOps = 0, addOps = 0
    var traffic = Traffic()
    var trafficByTensor: [String: Traffic] = [:]
    var computeCycles = 0
    var utilization = 0.0
    /// Element operations on the vector path (including a matmul's drain pass), which set the vector stage's time.
    var vectorPassOps = 0
    var stageSeconds: [Stage: Double] = [:]
}
