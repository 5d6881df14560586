import AddAnalysis
import ConfigFrontend
import Foundation
import KPUModel
import ModelGraph
import Support
import Testing

@testable import ReportModel
@testable import ReportRendering

/// The roofline: each fused group's work per byte against the SKU's ridge points, its class, and
/// the page, CSV and JSON saying the same.
@Suite struct RooflineTests {
    /// bert-base at S=128, fp32, kpu-t256, vector-engine fusion with every activation in DRAM:
    /// the configuration the issue names.
    static let report = Result { try makeReport("bert-base-uncased", residency: .dram) }

    @Test func ffn1AtFP32IsDRAMBoundBelowTheRidge() throws {
        let report = try Self.report.get()
        let kpu = try #require(report.kpu)
        let roofline = kpu.roofline, hw = kpu.hardware
        // The ridge is the PE arrays' peak at fp32 over DRAM bandwidth: on kpu-t256 only the 51
        // BF16-primary tiles run fp32, 512 ops (256 MACs) per clock at 600 MHz, over the 85 % of
        // 256 GB/s that DRAM sustains.
        #expect(roofline.ridge(.peArray, .dram) == hw.peakMACRate(.fp32) / hw.dramBandwidth)
        #expect(abs(roofline.ridge(.peArray, .dram) - 51 * 256 * 600e6 / (256e9 * 0.85)) < 1e-9)
        #expect(roofline.ridge(.peArray, .l3) == hw.peakMACRate(.fp32) / hw.blockMovers.aggregateBandwidth)
        #expect(roofline.ridge(.vectorEngine, .dram) == hw.vectorThroughput / hw.dramBandwidth)

        let graph = kpu.graph
        let ffn1 = try #require(graph.ops.first { $0.path == "encoder.layer.0.intermediate.dense.matmul" })
        let point = try #require(roofline.point(ofOp: ffn1.index))
        #expect(point.head == ffn1.index)
        // The group: the matmul, its bias add and the GELU on its drain, each classified as the group.
        let riders = point.members.dropFirst().map { graph.ops[$0].kind }
        #expect(riders.contains(.add) && riders.contains(.gelu))
        for member in point.members { #expect(roofline.point(ofOp: member)?.head == ffn1.index) }

        // MACs from the shapes, 128 × 768 × 3072; DRAM bytes as evaluated, summed over the group,
        // which under vector-engine is the compulsory traffic: the input, the weight, the bias
        // and the GELU's output, 4 bytes each.
        let macs = 128 * 768 * 3072
        let dram = point.members.reduce(0) { $0 + kpu.chosen.operators[$1].traffic.dram.total }
        #expect(dram == 4 * (128 * 768 + 768 * 3072 + 3072 + 128 * 3072))
        #expect(point.demand == Roofline.Demand(roof: .peArray, work: macs, dramBytes: dram, l3Bytes: point.demand.l3Bytes))
        let intensity = try #require(point.demand.intensity(at: .dram))
        #expect(intensity == Double(macs) / Double(dram))
        #expect(abs(intensity - 26.45) < 0.01)
        #expect(intensity < roofline.ridge(.peArray, .dram))
        #expect(point.bound == .dram)
        #expect(roofline.bindingMemory(of: point.demand) == .dram)
    }

    @Test func residualAddsAreDRAMBoundAtAnElementPerTwelveBytes() throws {
        let report = try Self.report.get()
        let kpu = try #require(report.kpu)
        let residuals = report.analysis.records.filter { $0.category == .attentionResidual || $0.category == .ffnResidual }
        #expect(residuals.count == 24)
        for record in residuals {
            let point = try #require(kpu.roofline.point(ofOp: record.opIndex))
            // Alone in its group: two operands read and the sum written, 4 bytes each.
            #expect(point.members == [record.opIndex])
            #expect(point.demand == Roofline.Demand(roof: .vectorEngine, work: record.elements, dramBytes: 12 * record.elements, l3Bytes: 12 * record.elements))
            #expect(point.demand.intensity(at: .dram) == Double(record.elements) / Double(12 * record.elements))
            #expect(point.bound == .dram)
        }
        // A category's figures are its adds' sums.
        let category = try #require(kpu.roofline.categories[.attentionResidual])
        let own = residuals.filter { $0.category == .attentionResidual }
        #expect(category.work == own.reduce(0) { $0 + $1.elements })
        #expect(category.dramBytes == own.reduce(0) { $0 + kpu.chosen.operators[$1.opIndex].traffic.dram.total })
        #expect(kpu.roofline.bound(of: category) == .dram)
        // Linear biases ride the matmul drains and fetch only the bias vectors: what they
        // demand themselves binds at the vector engines.
        #expect(kpu.roofline.categories[.bias].flatMap { kpu.roofline.bound(of: $0) } == .vector)
    }

    @Test func aLargeMatmulAtBF16OnTheBiggestSKUIsComputeBound() throws {
        // 2048 × 8192 by 8192 × 8192: 683 MAC per DRAM byte at two bytes an element.
        var builder = GraphBuilder(name: "matmul", source: "test")
        let x = try builder.input("x", shape: [1, 2048, 8192], dtype: .bf16)
        let w = try builder.parameter("w", shape: [8192, 8192], dtype: .bf16)
        let y = try builder.op(.matMul, "matmul", [x, w], shape: [1, 2048, 8192], dtype: .bf16)
        let graph = try builder.finish(outputs: [y])
        let hardware = try KPUHardware.builtIn("kpu-t768")
        let evaluation = KPUEvaluator(
            graph: graph, hardware: hardware, energy: try EnergyTable.named("kpu-16nm", for: hardware),
            mapping: Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: .vectorEngine, residency: .dram).map()
        ).evaluate()
        let roofline = Roofline(evaluation, analysis: AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph)))
        let point = try #require(roofline.point(ofOp: 0))
        #expect(point.demand.work == 2048 * 8192 * 8192)
        let intensity = try #require(point.demand.intensity(at: .dram))
        #expect(intensity == Double(point.demand.work) / Double(evaluation.operators[0].traffic.dram.total))
        #expect(roofline.ridge(.peArray, .dram) == hardware.peakMACRate(.bf16) / hardware.dramBandwidth)
        #expect(intensity > roofline.ridge(.peArray, .dram))
        #expect(point.bound == .compute)
        #expect(roofline.attainableRate(of: point.demand) == hardware.peakMACRate(.bf16))
        // The same matmul at 128 rows reuses the weight too little: DRAM-bound on the same SKU.
        var small = GraphBuilder(name: "matmul", source: "test")
        let x2 = try small.input("x", shape: [1, 128, 8192], dtype: .bf16)
        let w2 = try small.parameter("w", shape: [8192, 8192], dtype: .bf16)
        let y2 = try small.op(.matMul, "matmul", [x2, w2], shape: [1, 128, 8192], dtype: .bf16)
        let smallGraph = try small.finish(outputs: [y2])
        let smallEvaluation = KPUEvaluator(
            graph: smallGraph, hardware: hardware, energy: try EnergyTable.named("kpu-16nm", for: hardware),
            mapping: Mapper(graph: smallGraph, hardware: hardware, precision: .bf16, fusion: .vectorEngine, residency: .dram).map()
        ).evaluate()
        let smallRoofline = Roofline(smallEvaluation, analysis: AddAnalysis(graph: smallGraph, cost: WorkloadCost(graph: smallGraph)))
        #expect(smallRoofline.point(ofOp: 0)?.bound == .dram)
    }

    /// Under every policy: each op with work is in exactly one point, ops without none; classes
    /// agree with the intensities against the ridges; nothing reaches above the roofs.
    @Test(arguments: FusionPolicy.allCases)
    func everyPolicyClassifiesByTheRidgesAndStaysUnderTheRoofs(policy: FusionPolicy) throws {
        let config = try #require(EncoderConfig.preset(named: "bert-tiny"))
        let graph = try EncoderGraphBuilder(config: config, options: GraphOptions(sequenceLength: 256, precision: .bf16)).build()
        let hardware = try KPUHardware.builtIn("kpu-t256")
        let evaluation = KPUEvaluator(
            graph: graph, hardware: hardware, energy: try EnergyTable.named("kpu-16nm", for: hardware),
            mapping: Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: policy, residency: .dram).map()
        ).evaluate()
        let roofline = Roofline(evaluation, analysis: AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph)))
        var seen = Set<Int>()
        for point in roofline.points {
            for member in point.members { #expect(seen.insert(member).inserted) }
            let members = point.members.map { evaluation.operators[$0] }
            let macs = members.reduce(0) { $0 + $1.macs }
            let elementOps = members.reduce(0) { $0 + $1.vectorOps + $1.addOps }
            #expect(point.demand.work == (macs > 0 ? macs : elementOps))
            #expect(point.demand.roof == (macs > 0 ? .peArray : .vectorEngine))
            // L3 bytes are the block movers'; the rest of L3's traffic is the DMA side, DRAM's.
            #expect(point.demand.l3Bytes == members.reduce(0) { $0 + $1.traffic.l3.total } - point.demand.dramBytes)
            let binding = roofline.bindingMemory(of: point.demand)
            let bindingIntensity = binding.flatMap { point.demand.intensity(at: $0) }
            switch point.bound {
            case .dram, .l3:
                #expect(binding?.rawValue == point.bound.rawValue)
                let memory = try #require(binding)
                #expect(try #require(bindingIntensity) < roofline.ridge(point.demand.roof, memory))
            case .compute, .vector:
                #expect((point.bound == .compute) == (point.demand.roof == .peArray))
                for memory in Roofline.Memory.allCases {
                    if let intensity = point.demand.intensity(at: memory) { #expect(intensity >= roofline.ridge(point.demand.roof, memory)) }
                }
            }
            let attained = try #require(point.attainedRate, "\(graph.ops[point.head].path) takes no time")
            #expect(attained <= roofline.attainableRate(of: point.demand) * (1 + 1e-9), "\(graph.ops[point.head].path) above the roofs")
        }
        for op in evaluation.operators where !seen.contains(op.opIndex) {
            #expect(op.macs == 0 && op.vectorOps == 0 && op.addOps == 0, "\(graph.ops[op.opIndex].path) does work but has no point")
        }
        #expect(!roofline.points.isEmpty)
    }

    @Test func opsCSVAndReportJSONCarryTheSameClasses() throws {
        let report = try Self.report.get()
        let kpu = try #require(report.kpu)
        let rows = String(decoding: try #require(report.opsCSV()), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
            .map { $0.components(separatedBy: ",") }
        let header = rows[0]
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name), "\(name) missing") }
        let (bound, roof, dram, l3) = (try column("bound"), try column("roof"), try column("intensity_dram"), try column("intensity_l3"))
        #expect(header.last == "mapping")
        for row in rows.dropFirst() {
            let point = kpu.roofline.point(ofOp: Int(row[0])!)
            #expect(row[bound] == point?.bound.rawValue ?? "", "\(row[1])")
            #expect(row[roof] == point?.demand.roof.rawValue ?? "")
            if let point {
                #expect(abs(Double(row[dram])! / point.demand.intensity(at: .dram)! - 1) < 1e-5)
                #expect(abs(Double(row[l3])! / point.demand.intensity(at: .l3)! - 1) < 1e-5)
            } else {
                #expect(row[dram].isEmpty && row[l3].isEmpty)
            }
        }
        let ffn1 = try #require(rows.first { $0[1] == "encoder.layer.0.intermediate.dense.matmul" })
        #expect(ffn1[bound] == "dram" && ffn1[dram] == "26.4543")

        // report.json: the roofs, a point per group with its members, and each category's class.
        let data = try report.jsonData()
        let document = try ReportDocument.decoder.decode(ReportDocument.self, from: data)
        let figures = try #require(document.roofline)
        #expect(figures.peArrayMacsPerS == kpu.hardware.peakMACRate(.fp32))
        #expect(figures.ridges.peArray.dram == kpu.roofline.ridge(.peArray, .dram))
        #expect(figures.points.count == kpu.roofline.points.count)
        #expect(figures.points.reduce(0) { $0 + $1.members.count } == kpu.roofline.pointIndexOfOp.compactMap { $0 }.count)
        let point = try #require(figures.points.first { $0.op == "encoder.layer.0.intermediate.dense.matmul" })
        #expect(point.roofline.bound == "dram" && point.roofline.roof == "pe_array" && point.roofline.work == 128 * 768 * 3072)
        #expect(point.roofline.intensityDram == kpu.roofline.point(ofOp: kpu.graph.ops.first { $0.path == point.op }!.index)?.demand.intensity(at: .dram))
        #expect(point.members.contains("encoder.layer.0.intermediate.intermediate_act_fn"))
        #expect(document.categories.first { $0.id == "attention_residual" }?.roofline?.bound == "dram")
        #expect(document.categories.first { $0.id == "bias" }?.roofline?.bound == "vector")
        #expect(document.addTotals.roofline?.work == kpu.roofline.adds.work)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"intensity_dram\"") && text.contains("\"busiest_lane\""))
    }

    @Test func theChartHasAMarkForEveryGroupAndEveryRoof() throws {
        let report = try Self.report.get()
        let kpu = try #require(report.kpu)
        let chart = RooflineChart(id: "chart-roofline", run: kpu)
        // Every point in exactly one mark; marks that share a spot are rings of different colours.
        #expect(chart.marks.flatMap(\.points).sorted() == Array(kpu.roofline.points.indices))
        #expect(chart.marks.count < kpu.roofline.points.count)
        #expect(chart.svg.components(separatedBy: "class=\"point\"").count - 1 == chart.marks.count)
        for roof in ["roof-dram", "roof-l3", "roof-pe_array", "roof-vector_engine"] {
            #expect(chart.svg.contains("class=\"roof \(roof)\""), "\(roof)")
        }
        #expect(chart.svg.contains("ridge 36.0 MAC/B") && chart.svg.contains("ridge 5.65 op/B"))
        let ffn1 = try #require(chart.marks.first { $0.tooltip.contains("encoder.layer.0.intermediate.dense.matmul") })
        #expect(ffn1.points.count == 12)
        #expect(ffn1.tooltip.contains("26.5 MAC/B at DRAM (ridge 36.0)") && ffn1.tooltip.contains("DRAM-bound"))
        #expect(ffn1.placement == .dram)
        // The attention and FFN residuals of every layer land on one spot: rings, not hidden marks.
        let residualSpot = chart.marks.filter { $0.color == CategoryPalette.color(.attentionResidual) || $0.color == CategoryPalette.color(.ffnResidual) }
        #expect(Set(residualSpot.map(\.ring)).count == 2)

        // On the page: the sentence with the figures, the class in the tables.
        let templates = try Templates(directory: projectTemplates)
        let page = try templates.render(RunPage(report: report, hasJSON: true), template: "run")
        #expect(page.contains("does 26.5 MAC per DRAM byte, below the ridge of 36.0: DRAM-bound"))
        #expect(page.contains("<tr id=\"roofline-bias\">") && page.contains("<td>vector</td></tr>"))
        #expect(page.contains("<td class=\"num\">26.5</td><td class=\"num\">14.2</td><td>DRAM</td>"))
    }

    @Test func longNamesAreShortenedInTooltipsOnly() {
        let long = String(repeating: "a", count: 100) + String(repeating: "b", count: 200) + String(repeating: "c", count: 40)
        let short = RooflineChart.shortName(long)
        #expect(short == String(repeating: "a", count: 100) + "…" + String(repeating: "c", count: 40))
        #expect(RooflineChart.shortName("encoder.layer.0.output.residual") == "encoder.layer.0.output.residual")
    }
}
