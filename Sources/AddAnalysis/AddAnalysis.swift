import KPUModel
import ModelGraph

/// Every Add of a model with its category, and the per-category totals the report shows.
///
/// ```swift
/// let analysis = AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph))
/// analysis.summary(for: .attentionResidual)?.count // 12 for bert-base
/// ```
public struct AddAnalysis: Sendable {
    public let records: [AddRecord]
    /// One summary per category, in ``AddCategory`` order, including empty categories.
    public let categories: [CategorySummary]

    public init(graph: Graph, cost: WorkloadCost) {
        var classifier = AddClassifier(graph: graph)
        let byOp = classifier.classify()
        let records = graph.ops.compactMap { op -> AddRecord? in
            guard let category = byOp[op.index], let output = op.outputs.first else { return nil }
            let tensor = graph[output]
            let opCost = cost.operators[op.index]
            return AddRecord(
                opIndex: op.index, name: op.path, category: category,
                shape: tensor.shape, dtype: tensor.dtype, elements: tensor.elementCount,
                // One addition per output element.
                flops: tensor.elementCount,
                minimalReadBytes: opCost.compulsoryReadBytes, minimalWriteBytes: opCost.compulsoryWriteBytes,
                fusedIn: nil
            )
        }
        self.records = records
        categories = AddCategory.allCases.map { category in
            let members = records.filter { $0.category == category }
            return CategorySummary(
                category: category, count: members.count,
                elements: members.reduce(0) { $0 + $1.elements },
                flops: members.reduce(0) { $0 + $1.flops },
                minimalBytes: members.reduce(0) { $0 + $1.minimalBytes }
            )
        }
    }

    public func summary(for category: AddCategory) -> CategorySummary? {
        categories.first { $0.category == category }
    }

    /// Adds counted by the four usual explanations.
    public func count(of group: AddGroup) -> Int {
        group.categories.reduce(0) { $0 + (summary(for: $1)?.count ?? 0) }
    }

    public var totalCount: Int { records.count }
    public var totalMinimalBytes: Int { records.reduce(0) { $0 + $1.minimalBytes } }
    public var totalFLOPs: Int { records.reduce(0) { $0 + $1.flops } }
}

/// One Add: where it is, why it is there, and its size.
public struct AddRecord: Sendable, Hashable {
    public let opIndex: Int
    /// The op's dotted path in the model (`encoder.layer.3.attention.output.residual`).
    public let name: String
    public let category: AddCategory
    public let shape: [Int]
    public let dtype: DType
    public let elements: Int
    public let flops: Int
    public let minimalReadBytes: Int
    public let minimalWriteBytes: Int
    /// The fused operator containing this add, or nil for an explicit Add node.
    public let fusedIn: String?

    /// Each input read once and the output written once.
    public var minimalBytes: Int { minimalReadBytes + minimalWriteBytes }
}

/// Totals for one category.
public struct CategorySummary: Sendable, Hashable {
    public let category: AddCategory
    public let count: Int
    public let elements: Int
    public let flops: Int
    public let minimalBytes: Int
}
