import AddAnalysis
import ConfigFrontend
import KPUModel
import ModelGraph
import Support
import Testing

@testable import ReportModel

/// A category's share of the model's EDP is what the model saves if it cost nothing.
@Suite struct MarginalCostTests {
    @Test func removingACategoryAndEvaluatingAgainGivesTheReportedFigures() throws {
        let report = try makeReport("bert-base-uncased")
        let kpu = try #require(report.kpu)
        let graph = kpu.graph
        let evaluator = KPUEvaluator(graph: graph, hardware: kpu.hardware, energy: kpu.energyTable, mapping: kpu.chosen.mapping)
        // Freeing nothing changes nothing.
        let same = evaluator.evaluate(freeing: [])
        #expect(same.totalEnergy == kpu.chosen.totalEnergy && same.makespan == kpu.chosen.makespan)
        for category in [AddCategory.attentionMask, .attentionResidual, nil] {
            let ops = Set(report.analysis.records.filter { !$0.embedded && (category == nil || $0.category == category) }.map(\.opIndex))
            let without = evaluator.evaluate(freeing: ops)
            let reported = try #require(kpu.marginal[category])
            #expect(reported.energy == kpu.chosen.totalEnergy.total - without.totalEnergy.total, "\(String(describing: category))")
            #expect(reported.latency == kpu.chosen.makespan - without.makespan)
            #expect(abs(reported.edpShare - (1 - without.edp.jouleSeconds / kpu.chosen.edp.jouleSeconds)) < 1e-12)
            // Costing nothing never makes the model slower or dearer.
            #expect(reported.energy > .zero && reported.latency >= .zero && reported.edpShare > 0)
            #expect(without.operators.filter { ops.contains($0.opIndex) }.allSatisfy { $0.traffic == Traffic() && $0.energy.total == .zero })
        }
        // Every add together saves more than the mask alone.
        #expect(try #require(kpu.marginal[nil]).edpShare > (try #require(kpu.marginal[.attentionMask])).edpShare)
        // report.json carries the same figures.
        let document = report.document
        #expect(document.addTotals.marginal?.edpShare == kpu.marginal[nil]?.edpShare)
        #expect(document.categories.first { $0.id == "attention_mask" }?.marginal?.energyPj == kpu.marginal[.attentionMask]?.energy.picojoules)
    }
}
