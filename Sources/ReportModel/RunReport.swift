import Support
import AddAnalysis
import KPUModel
import ModelGraph

/// Everything one report page and its JSON say, gathered from the earlier stages.
///
/// ```swift
/// let report = RunReport(descriptor: run, graph: graph, analysis: AddAnalysis(graph: graph, cost: cost))
/// let json = try report.jsonData()
/// ```
public struct RunReport: Sendable {
    public let descriptor: RunDescriptor
    public let parameterCount: Int
    public let macCount: Int
    public let opCounts: [OpKind: Int]
    public let analysis: AddAnalysis
    /// The modelled KPU, or nil for a graph-only report.
    public let kpu: KPURun?

    /// What the KPU model produced for a run: the chosen strategy's evaluation and every
    /// strategy's (policy × residency) per-category costs for the what-if comparison.
    public struct KPURun: Sendable {
        public let hardware: KPUHardware
        public let energyTable: EnergyTable
        public let chosen: KPUEvaluation
        public let costs: [MappingStrategy: CategoryCosts]
        /// The add category of each add op, for labelling schedule events.
        package let categoryOfOp: [Int: AddCategory]
        package let opPaths: [String]
        package let opKinds: [OpKind]
        package let opShapes: [[Int]]
        package let opOrigins: [String?]
        /// The workload the evaluations costed, and its compulsory traffic: the operator table
        /// describes each op's mapping from them.
        public let graph: Graph
        public let workload: WorkloadCost
        /// What the model saves under the chosen policy if each add category cost nothing, and
        /// if all adds did (`nil` key).
        public let marginal: [AddCategory?: MarginalCost]
        /// How busy each lane and tile class is under the chosen policy.
        public let utilization: Utilization
        /// Each fused group's work per byte against the SKU's roofs under the chosen policy, and
        /// what bounds it.
        public let roofline: Roofline
        /// Attention blocks flash-attention left to the epilogue policy, and why, in a sentence.
        public let attentionFallbackNote: String?
        /// Each op's input shapes, and whether each input is a trained weight.
        package let opInputs: [[(shape: [Int], isParameter: Bool)]]
        /// Op indexes of the first layer: after the hidden state feeding the first attention
        /// residual, up to the norm that reads the first FFN residual (post-LN) or that residual
        /// itself (pre-LN).
        package let firstLayer: ClosedRange<Int>?

        /// `marginal`: whether to model what each add category's absence would save (a page shows
        /// it; a sweep run without a page skips it).
        public init(
            graph: Graph, workload: WorkloadCost, analysis: AddAnalysis, evaluations: [KPUEvaluation], chosen strategy: MappingStrategy,
            marginal withMarginal: Bool = true
        ) {
            let byStrategy = Dictionary(uniqueKeysWithValues: evaluations.map { ($0.strategy, $0) })
            chosen = byStrategy[strategy] ?? evaluations[0]
            hardware = chosen.hardware
            energyTable = chosen.energyTable
            costs = byStrategy.mapValues { CategoryCosts(analysis: analysis, evaluation: $0, graph: graph) }
            categoryOfOp = Dictionary(uniqueKeysWithValues: analysis.records.map { ($0.opIndex, $0.category) })
            opPaths = graph.ops.map(\.path)
            opKinds = graph.ops.map(\.kind)
            opShapes = graph.ops.map { graph[$0.outputs[0]].shape }
            opOrigins = graph.ops.map(\.origin)
            self.graph = graph
            self.workload = workload
            marginal = withMarginal ? MarginalCost.all(graph: graph, workload: workload, analysis: analysis, chosen: chosen) : [:]
            utilization = Utilization(chosen)
            roofline = Roofline(chosen, analysis: analysis)
            let fallbacks = byStrategy[MappingStrategy(fusion: .flashAttention, residency: chosen.residency)]?.mapping.attentionFallbacks ?? []
            attentionFallbackNote = fallbacks.first.map { first in
                "Under flash-attention, \(fallbacks.count) attention block\(fallbacks.count == 1 ? "" : "s") ran as under epilogue: \(first)."
            }
            opInputs = graph.ops.map { op in op.inputs.map { (graph[$0].shape, graph[$0].role == .parameter) } }
            let attention = analysis.records.first { $0.category == .attentionResidual && !$0.embedded }
            let ffn = analysis.records.first { $0.category == .ffnResidual && !$0.embedded }
            if let attention, let ffn,
                let skipProducer = graph.ops[attention.opIndex].inputs.compactMap({ graph.producer(of: $0) }).map(\.index).min(),
                // Post-LN: the layer ends with the norm that reads the FFN residual. Pre-LN: the
                // residual sum runs on to the next layer's residual, so the layer ends with it.
                case let readers = graph.consumers(of: graph.ops[ffn.opIndex].outputs[0]),
                case let end = readers.contains(where: { $0.kind == .add }) ? ffn.opIndex : (readers.map(\.index).max() ?? ffn.opIndex),
                skipProducer < end
            {
                firstLayer = (skipProducer + 1)...end
            } else {
                firstLayer = nil
            }
        }

        public var chosenCosts: CategoryCosts { costs[chosen.strategy]! }

        /// The costs under `policy` at `residency`, or at the chosen residency.
        public func costs(_ policy: FusionPolicy, residency: Residency? = nil) -> CategoryCosts? {
            costs[MappingStrategy(fusion: policy, residency: residency ?? chosen.residency)]
        }
    }

    /// The add categories present in the graph, in the one order every table and chart of the
    /// page lists them: most energy under the chosen policy and residency first (most least-bytes
    /// first for a graph-only report), ties in the categories' own order.
    public var rankedCategories: [AddCategory] {
        let present = analysis.categories.filter { $0.count > 0 }
        func weight(_ summary: CategorySummary) -> Int64 {
            if let kpu { return kpu.chosenCosts.cost(of: summary.category)?.figures.energy.total.femtojoules ?? 0 }
            return Int64(summary.minimalBytes)
        }
        return present.enumerated().sorted { a, b in (weight(a.element), -a.offset) > (weight(b.element), -b.offset) }.map(\.element.category)
    }

    public var isONNX: Bool {
        if case .onnxFile = descriptor.source { true } else { false }
    }

    /// What the graph is, in a line for the provenance table.
    public var graphDescription: String {
        switch descriptor.source {
        case .onnxFile: "read from the ONNX export; shapes inferred, fused onnxruntime ops lowered to primitive ops"
        default: "transformers BertModel, eager attention, inference (dropout omitted)"
        }
    }

    /// Written-out LayerNorms and GELUs against the fused op, when the graph has any.
    public var decompositions: [DecompositionCost] = []

    /// The date the page names (`2026-11-30`), only when given through `--date` or
    /// `SOURCE_DATE_EPOCH`: otherwise pages carry no date and identical inputs give identical files.
    public var date: String?

    /// Notes about the input the reader should see (ops of unknown cost, for instance).
    public var notes: [String] = []
    /// Where the model's assumptions fail for this run (average power above the TDP, tile
    /// classes modelled in another dataflow than their description's): said on the page and on stderr.
    public var warnings: [String] = []
    /// The model family as its source names it (`RoBERTa` for a config, the class an exporter
    /// recorded, such as `LlamaModel`), or nil when the source does not say.
    public var modelFamily: String?
    /// Knobs a sweep set on top of the SKU (empty for the SKU as described).
    public var knobs: [HardwareKnob.Setting] = []
    /// This run set against a baseline run, when --baseline was given.
    public var baseline: (comparison: BaselineComparison.Run, source: String, threshold: Double)?

    public init(descriptor: RunDescriptor, graph: Graph, analysis: AddAnalysis, kpu: KPURun? = nil) {
        self.descriptor = descriptor
        parameterCount = graph.parameterCount
        macCount = graph.macCount
        opCounts = graph.opCountsByKind
        self.analysis = analysis
        self.kpu = kpu
    }

    public var runID: String { descriptor.runID }
    public var config: EncoderConfig { descriptor.config }
    public var options: GraphOptions { descriptor.options }
}
