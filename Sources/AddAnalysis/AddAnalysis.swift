import ModelGraph

/// Every Add of a model with its category, and the per-category totals the report shows.
///
/// ```swift
/// let analysis = AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph))
/// let residuals = analysis.summary(for: .attentionResidual)?.count // 12 for bert-base
/// ```
public struct AddAnalysis: Sendable {
    public let records: [AddRecord]
    /// One summary per category, in ``AddCategory`` order, including empty categories.
    public let categories: [CategorySummary]
    /// What kind of transformer the graph is, read from its structure.
    public let architecture: ArchitectureSummary

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
                fusedIn: op.origin
            )
        }
        // Adds inside fused kernels (the 1 + erf of a GELU op): counted, costed with their op.
        let embedded = graph.embeddedAdds.compactMap { add -> AddRecord? in
            guard let op = graph.producer(of: add.containingOutput) else { return nil }
            let elements = add.shape.reduce(1, *)
            return AddRecord(
                opIndex: op.index, name: "\(op.path) (inside)", category: AddCategory(add.role),
                shape: add.shape, dtype: add.dtype, elements: elements, flops: elements,
                minimalReadBytes: 0, minimalWriteBytes: 0, fusedIn: add.origin, embedded: true)
        }
        let all = (records + embedded).sorted { ($0.opIndex, $0.embedded ? 1 : 0) < ($1.opIndex, $1.embedded ? 1 : 0) }
        self.records = all
        architecture = ArchitectureSummary(graph: graph, records: all)
        categories = AddCategory.allCases.map { category in
            let members = all.filter { $0.category == category }
            return CategorySummary(
                category: category, count: members.count, explicit: members.filter { $0.fusedIn == nil }.count,
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
    /// True for an add performed inside another op (no op of its own); `opIndex` is that op.
    public let embedded: Bool

    public init(
        opIndex: Int, name: String, category: AddCategory, shape: [Int], dtype: DType, elements: Int, flops: Int,
        minimalReadBytes: Int, minimalWriteBytes: Int, fusedIn: String?, embedded: Bool = false
    ) {
        self.opIndex = opIndex
        self.name = name
        self.category = category
        self.shape = shape
        self.dtype = dtype
        self.elements = elements
        self.flops = flops
        self.minimalReadBytes = minimalReadBytes
        self.minimalWriteBytes = minimalWriteBytes
        self.fusedIn = fusedIn
        self.embedded = embedded
    }

    /// Each input read once and the output written once.
    public var minimalBytes: Int { minimalReadBytes + minimalWriteBytes }
}

/// Totals for one category.
public struct CategorySummary: Sendable, Hashable {
    public let category: AddCategory
    /// All adds of the category, including those inside fused ops.
    public let count: Int
    /// Explicit Add nodes only.
    public let explicit: Int
    public let elements: Int
    public let flops: Int
    public let minimalBytes: Int
}
