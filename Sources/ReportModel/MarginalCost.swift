import AddAnalysis
import KPUModel
import ModelGraph
import Support

/// How much the model's energy, latency and energy × delay drop if some ops cost nothing:
/// the ops removed from the schedule, everything else unchanged, and the model evaluated again.
/// Unlike a category's own energy × its own latency, this says what the category adds to the
/// model's EDP.
public struct MarginalCost: Sendable, Hashable {
    public let energy: Energy
    public let latency: TimeSpan
    /// 1 − EDP without the ops ÷ EDP with them.
    public let edpShare: Double

    /// Each add category with adds of its own (not inside fused ops), and all of them together
    /// (the `nil` key), under the chosen policy.
    static func all(graph: Graph, workload: WorkloadCost, analysis: AddAnalysis, chosen: KPUEvaluation) -> [AddCategory?: MarginalCost] {
        let evaluator = KPUEvaluator(graph: graph, hardware: chosen.hardware, energy: chosen.energyTable, mapping: chosen.mapping, workload: workload)
        var sets: [(AddCategory?, Set<Int>)] = AddCategory.allCases.compactMap { category in
            let ops = Set(analysis.records.filter { $0.category == category && !$0.embedded }.map(\.opIndex))
            return ops.isEmpty ? nil : (category, ops)
        }
        sets.append((nil, Set(analysis.records.filter { !$0.embedded }.map(\.opIndex))))
        let costs = sets.concurrentMap { _, ops in MarginalCost(with: chosen, without: evaluator.evaluate(freeing: ops)) }
        return Dictionary(uniqueKeysWithValues: zip(sets.map(\.0), costs))
    }

    init(with: KPUEvaluation, without: KPUEvaluation) {
        energy = with.totalEnergy.total - without.totalEnergy.total
        latency = with.makespan - without.makespan
        edpShare = with.edp.jouleSeconds > 0 ? 1 - without.edp.jouleSeconds / with.edp.jouleSeconds : 0
    }
}
