import Foundation
import Testing
@testable import AddAnalysis
@testable import KPUModel
import ConfigFrontend
@testable import ModelGraph
@testable import ONNXImport
@testable import Pipeline
@testable import ReportModel
@testable import ReportRendering
@testable import SitePublishing
import Support
import XHTMLValidator

// Every ```swift example in a doc comment under Sources/, verbatim, so the compiler checks it
// (ExamplesStayInSyncTests fails when an example is not here word for word). Each sits in a
// block that sets up the names it uses, with the figures its comments promise checked after it.
// Most run; those that read or write files a user would name (bert.onnx, ./reports) are compiled
// only.

/// The values the examples assume: a small model, a SKU, its energy table, one evaluation.
private struct Context {
    let graph: Graph
    let hardware: KPUHardware
    let table: EnergyTable
    let adds: AddAnalysis
    let evaluation: KPUEvaluation

    init(_ preset: String = "bert-tiny") throws {
        graph = try EncoderGraphBuilder(config: #require(EncoderConfig.preset(named: preset)), options: .init()).build()
        hardware = try KPUHardware.builtIn("kpu-t256")
        table = try EnergyTable.named("kpu-16nm", for: hardware)
        adds = AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph))
        let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine, residency: .l3).map()
        evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: table, mapping: mapping).evaluate()
    }
}

@Suite struct DocumentationExamples {
    @Test func graphStage() throws {
        do {
            let graph = try EncoderGraphBuilder(
                config: EncoderConfig.preset(named: "bert-base-uncased")!,
                options: GraphOptions(sequenceLength: 128)
            ).build()
            let parameters = graph.parameterCount  // 109_482_240
            #expect(parameters == 109_482_240)
        }
        do {
            let graph = try EncoderGraphBuilder(config: EncoderConfig.preset(named: "bert-base-uncased")!, options: .init()).build()
            let addPaths = graph.topologicalOrder.filter { $0.kind == .add }.map(\.path)
            #expect(addPaths.count > 0)
        }
        do {
            var builder = GraphBuilder(name: "tiny", source: "example")
            let x = try builder.input("x", shape: [1, 4], dtype: .fp32)
            let y = try builder.op(.tanh, "act", [x], shape: [1, 4], dtype: .fp32)
            let graph = try builder.finish(outputs: [y])
            let op = graph.ops[0]
            let cost = WorkloadCost(graph: graph)
            let floor = cost.operators[op.index].compulsoryReadBytes
            #expect(floor == 16)
        }
        let size = DType.bf16.byteSize  // 2
        #expect(size == 2)
        let lastFour = HiddenStateAggregation(argument: "last-4-sum")  // .lastSum(4): 3 adds
        let mean = HiddenStateAggregation(argument: "all-mean")  // .allMean: L adds over the L+1 hidden states, then a division
        #expect(lastFour == .lastSum(4) && mean == .allMean)
    }

    @Test func configs() throws {
        let data = try JSONSerialization.data(withJSONObject: [
            "model_type": "roberta", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128,
            "vocab_size": 100, "max_position_embeddings": 66, "type_vocab_size": 1, "pad_token_id": 1
        ])
        let base = EncoderConfig.preset(named: "bert-base-uncased")!
        let mine = try EncoderConfig(huggingFaceJSON: data, source: "models/my-roberta/config.json")
        #expect(base.layerCount == 12 && mine.layerCount == 2)
    }

    @Test func addAnalysis() throws {
        let graph = try Context("bert-base-uncased").graph
        let analysis = AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph))
        let residuals = analysis.summary(for: .attentionResidual)?.count  // 12 for bert-base
        #expect(residuals == 12)
        var classifier = AddClassifier(graph: graph)
        let categories = classifier.classify()  // [op index: category]
        #expect(categories.count == analysis.records.filter { !$0.embedded }.count)
        let summary = ArchitectureSummary(graph: graph, records: analysis.records)
        let text = summary.description  // "12 attention blocks, post-LN (the norm follows each residual), LayerNorm, …"
        #expect(text.hasPrefix("12 attention blocks"))
    }

    @Test func kpuModel() throws {
        let context = try Context()
        let (graph, hardware, table) = (context.graph, context.hardware, context.table)
        do {
            let table = try EnergyTable.named("kpu-16nm", for: hardware)
            let dramRead = table.dramRead  // pJ per byte
            #expect(dramRead == 10)
        }
        do {
            let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine, residency: .l3).map()
            let evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: table, mapping: mapping).evaluate()
            #expect(evaluation.makespan > .zero)
        }
        do {
            let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine, residency: .l3).map()
            let placement = mapping.operators[0].placement
            _ = placement
            #expect(mapping.operators.count == graph.ops.count)
        }
        do {
            let mapping = Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: .epilogue, residency: .l3).map()
            #expect(mapping.fusion == .epilogue)
        }
        do {
            var hardware = try KPUHardware.builtIn("kpu-t256")
            var table = try EnergyTable.named("kpu-16nm", for: hardware)
            try HardwareKnob.l3MiB.apply(32, to: &hardware, energy: &table)  // 32 MiB of L3 in all
            #expect(hardware.l3Bytes == 32 * 1_048_576)
        }
        do {
            let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine, residency: .l3).map()
            let op = try #require(graph.ops.first { $0.kind == .matMul })
            let nests = mapping.loopNests(of: op.index, in: graph, hardware: hardware)
            let lines = nests[0].loops.map(\.range)
            #expect(lines.count == nests[0].outer.count + nests[0].inner.count)
        }
        let fused = FusedOpEstimate.evaluate(
            .layerNorm, shape: [1, 128, 768], dtype: .fp32, hardware: hardware,
            energy: table, precision: .fp32, residency: .l3)
        // The activation stays in L3: only gamma and beta come from DRAM.
        #expect(fused?.dramBytes == 2 * 768 * 4)
    }

    @Test func reportModel() throws {
        let context = try Context()
        let (graph, adds, evaluation) = (context.graph, context.adds, context.evaluation)
        let costs = CategoryCosts(analysis: adds, evaluation: evaluation, graph: graph)
        let residualEnergy = costs.cost(of: .attentionResidual)?.figures.energy.total
        #expect(residualEnergy ?? .zero > .zero)
        do {
            let roofline = Roofline(evaluation, analysis: adds)
            let ridge = roofline.ridge(.peArray, .dram)  // MAC per DRAM byte where compute takes over
            let bounds = roofline.points.map(\.bound)  // .dram, .l3, .compute or .vector per group
            #expect(ridge == context.hardware.peakMACRate(.fp32) / context.hardware.dramBandwidth)
            #expect(!bounds.isEmpty)
        }
        let cost = WorkloadCost(graph: graph)
        let choice = RunDescriptor.HardwareChoice(label: "kpu-t256", profile: nil, energyTable: "kpu-16nm", fusion: .vectorEngine, residency: .l3)
        let run = RunDescriptor(source: .preset("bert-tiny"), config: EncoderConfig.preset(named: "bert-tiny")!, options: .init(), hardware: choice)
        let report = RunReport(descriptor: run, graph: graph, analysis: AddAnalysis(graph: graph, cost: cost))
        let json = try report.jsonData()
        #expect(!json.isEmpty)
    }

    @Test func support() throws {
        let mac = Energy(picojoules: 0.3)  // 300 fJ
        let twice = (mac + mac).femtojoules  // 600
        #expect(twice == 600)
        let (order, stuck) = stableTopologicalOrder(successors: [[2], [2], []])
        // order == [0, 1, 2], stuck == nil
        #expect(order == [0, 1, 2] && stuck == nil)
        let json = JSONWriter()
        json.object {
            json.field("time_unit") { json.string("ps") }
            json.field("op") { json.array([3, 4], json.int) }
        }
        #expect(String(decoding: json.bytes, as: UTF8.self) == #"{"time_unit":"ps","op":[3,4]}"#)
    }

    @Test func rendering() throws {
        let chart = BarChart(
            id: "bytes-by-category", title: "…", description: "…", unit: "B",
            bars: [.init(label: "Bias", value: 1_000, valueLabel: "1 kB", color: "#88CCEE", tooltip: "…")])
        #expect(chart.bars.count == 1)
        let page =
            #"<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title></head><body><p id="a"/><p id="a"/></body></html>"#
        let issues = XHTMLValidator.validate(Array(page.utf8), file: "reports/run/index.html")
        if let first = issues.first { print(first) }  // file:line:col: rule: message
        #expect(issues.count == 1)
        let issue = ValidationIssue(file: "index.html", line: 12, column: 5, rule: "unique-ids", message: "id \"x\" is used twice")
        let line = issue.description  // index.html:12:5: unique-ids: id "x" is used twice
        #expect(line == "index.html:12:5: unique-ids: id \"x\" is used twice")
    }

    /// Publishing writes into ./reports: compiled only; the publishing tests run the same calls.
    static func publishing(report: RunReport, runID: String, data: Data) throws {
        do {
            let site = try StagedSite(root: URL(fileURLWithPath: "reports"))
            let folder = try site.runFolder(runID)
            try StagedSite.writeFile(folder.appendingPathComponent("report.json"), data)
            try site.swapIntoPlace()
        }
        let templates = try Templates(directory: URL(fileURLWithPath: "templates"))
        let publisher = try Publisher(root: URL(fileURLWithPath: "reports"), templates: templates)
        let summary = try publisher.add(report, format: .both)
        try publisher.publish(latest: summary.runID, history: [HistoryEntry(report: report, commit: nil)])
    }

    @Test func hardwareFiles() throws {
        let text = String(decoding: try #require(BuiltInData.files["hardware/kpu-t64.yaml"]).utf8, as: UTF8.self)
        let t256 = try KPUHardware.builtIn("kpu-t256")  // its default profile
        let mine = try KPUHardware.load(file: "my-sku.yaml", contents: text, profile: "10W")
        let bandwidth = t256.dramBandwidth  // bytes per second
        #expect(bandwidth > 0 && mine.totalTiles == 64)
        let product = try YAMLFile.decode(ComputeProductFile.self, from: text, file: "my-sku.yaml")
        _ = product
    }

    /// Examples that read files a user names: compiled, not run.
    static func compiledOnly(hardware: KPUHardware) throws {
        let model = try ONNXFile.read(path: "bert.onnx")
        _ = model
        do {
            let model = try ONNXImporter.read(path: "bert.onnx", options: .init(batch: 1, sequenceLength: 128))
            _ = model
        }
    }
}
