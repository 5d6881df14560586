import Support
import AddAnalysis
import KPUModel
import ModelGraph

/// Where each add category's memory traffic, energy and time go on a KPU under one fusion policy,
/// next to the rest of the model, so shares and sums can be checked against the totals.
///
/// ```swift
/// let costs = CategoryCosts(analysis: adds, evaluation: evaluation, graph: graph)
/// let residualEnergy = costs.cost(of: .attentionResidual)?.figures.energy.total
/// ```
public struct CategoryCosts: Sendable {
    public let fusion: FusionPolicy
    /// One entry per add category, in ``AddCategory`` order, including empty ones.
    public let categories: [CategoryCost]
    /// The non-add operators, by kind, so adds + others = model.
    public let otherOperators: [OpKind: CostFigures]
    public let model: CostFigures
    public let makespan: TimeSpan

    public init(analysis: AddAnalysis, evaluation: KPUEvaluation, graph: Graph) {
        fusion = evaluation.fusion
        makespan = evaluation.makespan
        var byCategory: [AddCategory: CostFigures] = [:]
        var vanished: [AddCategory: Int] = [:]
        // Adds inside another op are costed with that op, not a second time here.
        for record in analysis.records where !record.embedded {
            let op = evaluation.operators[record.opIndex]
            byCategory[record.category, default: CostFigures()].add(op)
            if op.traffic.dram.total < op.compulsoryExternalBytes { vanished[record.category, default: 0] += 1 }
        }
        let addOps = Set(analysis.records.filter { !$0.embedded }.map(\.opIndex))
        var others: [OpKind: CostFigures] = [:]
        var model = CostFigures()
        for op in evaluation.operators {
            model.add(op)
            if !addOps.contains(op.opIndex) { others[graph.ops[op.opIndex].kind, default: CostFigures()].add(op) }
        }
        self.model = model
        otherOperators = others
        categories = AddCategory.allCases.map { category in
            let figures = byCategory[category] ?? CostFigures()
            return CategoryCost(
                category: category, figures: figures,
                shareOfEnergy: figures.energy.total.share(of: model.energy.total),
                shareOfLatency: figures.latency.share(of: model.latency),
                addsOffDRAM: vanished[category] ?? 0
            )
        }
    }

    public func cost(of category: AddCategory) -> CategoryCost? {
        categories.first { $0.category == category }
    }

    /// All adds together.
    public var adds: CostFigures {
        categories.reduce(CostFigures()) { $0 + $1.figures }
    }

    /// The adds' share of the model's energy: the headline figure, computed here only.
    public var addShareOfEnergy: Double { adds.energy.total.share(of: model.energy.total) }
    /// The adds' share of the model's latency.
    public var addShareOfLatency: Double { adds.latency.share(of: model.latency) }
}

/// Sums of per-operator figures: traffic per level, energy split, charged latency.
public struct CostFigures: Sendable, Hashable {
    public var traffic = Traffic()
    public var energy = EnergyBreakdown()
    public var latency: TimeSpan = .zero
    public var macs = 0
    public var operatorCount = 0

    public init() {}

    mutating func add(_ op: OperatorEvaluation) {
        traffic = traffic + op.traffic
        energy = energy + op.energy
        latency += op.latency
        macs += op.macs
        operatorCount += 1
    }

    public static func + (a: CostFigures, b: CostFigures) -> CostFigures {
        var sum = a
        sum.traffic = a.traffic + b.traffic
        sum.energy = a.energy + b.energy
        sum.latency += b.latency
        sum.macs += b.macs
        sum.operatorCount += b.operatorCount
        return sum
    }

    /// Energy × delay of this share on its own (its energy times its own charged latency).
    public var edp: EnergyDelay { energy.total * latency }
}

/// One add category's figures under one policy.
public struct CategoryCost: Sendable, Hashable {
    public let category: AddCategory
    public let figures: CostFigures
    public let shareOfEnergy: Double
    public let shareOfLatency: Double
    /// Adds of this category whose main operand and result no longer go through DRAM under this
    /// policy (their DRAM traffic is below their compulsory traffic: only side operands remain).
    public let addsOffDRAM: Int
}
