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

    public init(descriptor: RunDescriptor, graph: Graph, analysis: AddAnalysis) {
        self.descriptor = descriptor
        parameterCount = graph.parameterCount
        macCount = graph.macCount
        opCounts = graph.opCountsByKind
        self.analysis = analysis
    }

    public var runID: String { descriptor.runID }
    public var config: BertConfig { descriptor.config }
    public var options: BertGraphOptions { descriptor.options }
}

/// The tool's name and version, written into every report's provenance.
public enum ToolInfo {
    public static let name = "generate-report"
    public static let version = "0.1.0"
}
