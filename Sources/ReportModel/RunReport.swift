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

    /// What the KPU model produced for a run: the chosen policy's evaluation and every policy's
    /// per-category costs for the what-if comparison.
    public struct KPURun: Sendable {
        public let hardware: KPUHardware
        public let energyTable: EnergyTable
        public let chosen: KPUEvaluation
        public let costs: [FusionPolicy: CategoryCosts]
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
        /// Each op's input shapes, and whether each input is a trained weight.
        package let opInputs: [[(shape: [Int], isParameter: Bool)]]
        /// Op indexes of the first layer: after the hidden state feeding the first attention
        /// residual, up to the norm that reads the first FFN residual (post-LN) or that residual
        /// itself (pre-LN).
        package let firstLayer: ClosedRange<Int>?

        public init(graph: Graph, analysis: AddAnalysis, evaluations: [KPUEvaluation], chosen policy: FusionPolicy) {
            let byPolicy = Dictionary(uniqueKeysWithValues: evaluations.map { ($0.fusion, $0) })
            chosen = byPolicy[policy] ?? evaluations[0]
            hardware = chosen.hardware
            energyTable = chosen.energyTable
            costs = byPolicy.mapValues { CategoryCosts(analysis: analysis, evaluation: $0, graph: graph) }
            categoryOfOp = Dictionary(uniqueKeysWithValues: analysis.records.map { ($0.opIndex, $0.category) })
            opPaths = graph.ops.map(\.path)
            opKinds = graph.ops.map(\.kind)
            opShapes = graph.ops.map { graph[$0.outputs[0]].shape }
            opOrigins = graph.ops.map(\.origin)
            self.graph = graph
            workload = WorkloadCost(graph: graph)
            opInputs = graph.ops.map { op in op.inputs.map { (graph[$0].shape, graph[$0].role == .parameter) } }
            let attention = analysis.records.first { $0.category == .attentionResidual && !$0.embedded }
            let ffn = analysis.records.first { $0.category == .ffnResidual && !$0.embedded }
            if let attention, let ffn,
               let skipProducer = graph.ops[attention.opIndex].inputs.compactMap({ graph.producer(of: $0) }).map(\.index).min(),
               // Post-LN: the layer ends with the norm that reads the FFN residual. Pre-LN: the
               // residual sum runs on to the next layer's residual, so the layer ends with it.
               case let readers = graph.consumers(of: graph.ops[ffn.opIndex].outputs[0]),
               case let end = readers.contains(where: { $0.kind == .add }) ? ffn.opIndex : (readers.map(\.index).max() ?? ffn.opIndex),
               skipProducer < end {
                firstLayer = (skipProducer + 1)...end
            } else {
                firstLayer = nil
            }
        }

        public var chosenCosts: CategoryCosts { costs[chosen.fusion]! }
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
    /// The model family as its source names it (`RoBERTa` for a config, the class an exporter
    /// recorded, such as `LlamaModel`), or nil when the source does not say.
    public var modelFamily: String?
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
    public var config: BertConfig { descriptor.config }
    public var options: BertGraphOptions { descriptor.options }
}

/// The tool's name and version, written into every report's provenance.
public enum ToolInfo {
    public static let name = "generate-report"
    public static let version = "0.2.0"
}

/// The cost of every written-out instance of one op against the same number of fused ops.
public struct DecompositionCost: Sendable {
    public let kind: String
    public let instances: Int
    public let primitiveOps: Int
    public let decomposedEnergyFemtojoules: Int64
    public let decomposedLatencyPicoseconds: Int64
    public let decomposedDRAMBytes: Int
    public let fusedEnergyFemtojoules: Int64
    public let fusedLatencyPicoseconds: Int64
    public let fusedDRAMBytes: Int

    public init(kind: String, instances: Int, primitiveOps: Int, decomposedEnergyFemtojoules: Int64, decomposedLatencyPicoseconds: Int64,
                decomposedDRAMBytes: Int, fusedEnergyFemtojoules: Int64, fusedLatencyPicoseconds: Int64, fusedDRAMBytes: Int) {
        self.kind = kind
        self.instances = instances
        self.primitiveOps = primitiveOps
        self.decomposedEnergyFemtojoules = decomposedEnergyFemtojoules
        self.decomposedLatencyPicoseconds = decomposedLatencyPicoseconds
        self.decomposedDRAMBytes = decomposedDRAMBytes
        self.fusedEnergyFemtojoules = fusedEnergyFemtojoules
        self.fusedLatencyPicoseconds = fusedLatencyPicoseconds
        self.fusedDRAMBytes = fusedDRAMBytes
    }
}

/// Reproducible dates: from an explicit `--date YYYY-MM-DD` or the `SOURCE_DATE_EPOCH` convention.
public enum ReportDate {
    /// `YYYY-MM-DD` checked for a real calendar date, or nil.
    public static func parse(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1, day <= daysIn(month, year) else { return nil }
        return text
    }

    /// The UTC calendar date of a Unix time in seconds (SOURCE_DATE_EPOCH).
    public static func fromEpoch(_ seconds: Int64) -> String {
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let z = Int(floorDivide(seconds, 86_400)) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(v).count)) + String(v) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
