import Testing
import ConfigFrontend
import ModelGraph
import KPUModel
import AddAnalysis
@testable import ReportModel
@testable import ReportRendering
import SitePublishing

@Suite struct CategoryCostTests {
    @Test(arguments: FusionPolicy.allCases, Residency.allCases)
    func categorySumsEqualModelTotals(fusion: FusionPolicy, residency: Residency) throws {
        let graph = try EncoderGraphBuilder(config: #require(EncoderConfig.preset(named: "bert-base-uncased")), options: .init(aggregation: .lastSum(4)))
            .build()
        let hardware = try KPUHardware.builtIn("kpu-t256")
        let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: fusion, residency: residency).map()
        let evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: try EnergyTable.named("kpu-16nm", for: hardware), mapping: mapping).evaluate()
        let costs = CategoryCosts(analysis: AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph)), evaluation: evaluation, graph: graph)
        let sum = costs.categories.reduce(CostFigures()) { $0 + $1.figures } + costs.otherOperators.values.reduce(CostFigures()) { $0 + $1 }
        // Integers throughout (bytes, femtojoules, picoseconds): equal, not merely close.
        #expect(sum.energy == evaluation.totalEnergy)
        #expect(sum.traffic == evaluation.totalTraffic)
        #expect(sum.latency.picoseconds == evaluation.makespan.picoseconds)
        #expect(costs.model.energy == evaluation.totalEnergy)
        // 2 embedding + 73 bias + 12 mask + 24 residual + 3 aggregation adds.
        let expectedAdds = 114
        #expect(costs.categories.reduce(0) { $0 + $1.figures.operatorCount } == expectedAdds)
    }

    @Test func vectorEngineFusionTakesBiasAddsOffDRAM() throws {
        let graph = try EncoderGraphBuilder(config: #require(EncoderConfig.preset(named: "bert-base-uncased")), options: .init()).build()
        let hardware = try KPUHardware.builtIn("kpu-t256")
        let table = try EnergyTable.named("kpu-16nm", for: hardware)
        let analysis = AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph))
        func costs(_ fusion: FusionPolicy) -> CategoryCosts {
            CategoryCosts(
                analysis: analysis,
                evaluation: KPUEvaluator(
                    graph: graph, hardware: hardware, energy: table,
                    mapping: Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: fusion, residency: .dram).map()
                ).evaluate(), graph: graph)
        }
        let none = costs(.none), vector = costs(.vectorEngine)
        #expect(none.cost(of: .bias)?.addsOffDRAM == 0)
        #expect(vector.cost(of: .bias)?.addsOffDRAM == 73)
        // The 73 bias vectors alone: 72 per-layer biases (4 × 768 + 3072 + 768 per layer) + the pooler's 768, fp32.
        let biasBytes: Int = (12 * (5 * 768 + 3072) + 768) * 4
        #expect(vector.cost(of: .bias)?.figures.traffic.dram.total == biasBytes)
        #expect(vector.cost(of: .bias)!.figures.energy.total.femtojoules < none.cost(of: .bias)!.figures.energy.total.femtojoules)
    }
}
