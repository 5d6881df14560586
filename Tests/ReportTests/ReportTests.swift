import Pipeline
import Support
import AddAnalysis
import Foundation
@testable import KPUModel
import ConfigFrontend
import ModelGraph
import Testing
import XHTMLValidator
@testable import ReportModel
@testable import ReportRendering
import SitePublishing

/// The project's templates folder, found from this file's location.
let projectTemplates = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("templates")

func makeReport(
    _ preset: String = "bert-base-uncased", options: GraphOptions = .init(), sku: String = "kpu-t256",
    fusion: FusionPolicy = .vectorEngine, residency: Residency = .l3, modelKPU: Bool = true
) throws -> RunReport {
    let config = try #require(EncoderConfig.preset(named: preset))
    let graph = try EncoderGraphBuilder(config: config, options: options).build()
    let workload = WorkloadCost(graph: graph)
    let analysis = AddAnalysis(graph: graph, cost: workload)
    var kpu: RunReport.KPURun?
    if modelKPU {
        let hardware = try KPUHardware.builtIn(sku)
        let table = try EnergyTable.named("kpu-16nm", for: hardware)
        let evaluations = MappingStrategy.all.map {
            KPUEvaluator(
                graph: graph, hardware: hardware, energy: table,
                mapping: Mapper(graph: graph, hardware: hardware, precision: options.precision, fusion: $0.fusion, residency: $0.residency).map()
            ).evaluate()
        }
        kpu = RunReport.KPURun(
            graph: graph, workload: workload, analysis: analysis, evaluations: evaluations, chosen: MappingStrategy(fusion: fusion, residency: residency))
    }
    let choice = RunDescriptor.HardwareChoice(label: sku, profile: nil, energyTable: "kpu-16nm", fusion: fusion, residency: residency)
    return RunReport(
        descriptor: RunDescriptor(source: .preset(preset), config: config, options: options, hardware: choice),
        graph: graph, analysis: analysis, kpu: kpu)
}

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("report-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct RunPageTests {
    @Test(arguments: [
        ("bert-base-uncased", GraphOptions()),
        ("bert-tiny", GraphOptions(batch: 4, sequenceLength: 512, precision: .int8, aggregation: .allMean)),
        ("bert-large-uncased", GraphOptions(precision: .bf16, aggregation: .lastSum(4)))
    ])
    func pageRendersAndValidates(preset: String, options: GraphOptions) throws {
        let templates = try Templates(directory: projectTemplates)
        let page = try templates.render(RunPage(report: makeReport(preset, options: options), hasJSON: true), template: "run")
        #expect(XHTMLValidator.validate(Array(page.utf8), file: "index.html") == [])
    }

    @Test func provenanceFingerprintsEveryInput() throws {
        let report = try makeReport()
        let page = RunPage(report: report, hasJSON: true)
        let facts = Dictionary(uniqueKeysWithValues: page.provenance.map { ($0.label, $0) })
        // The preset's fingerprint covers its fields: a different vocabulary gives a different one.
        let config = try #require(EncoderConfig.preset(named: "bert-base-uncased"))
        var other = config
        other.vocabSize += 1
        #expect(facts["Config fingerprint"]?.value == config.fingerprint)
        #expect(config.fingerprint.count == 16 && config.fingerprint != other.fingerprint)
        // Hardware and energy table: FNV-1a 64 of the exact text they were read from.
        let t256 = try #require(BuiltInData.files["hardware/kpu-t256.yaml"])
        #expect(try #require(facts["Hardware"]).detail.hasSuffix("fingerprint \(contentFingerprint(t256.utf8))"))
        let tables = try #require(BuiltInData.files["energy-tables.yaml"])
        #expect(try #require(facts["Energy table"]).detail.hasSuffix("fingerprint \(contentFingerprint(tables.utf8))"))
        #expect(report.document.model.sourceHash == config.fingerprint)
        #expect(report.document.hardware?.sourceHash == contentFingerprint(t256.utf8))
    }

    @Test func pageShowsTheRealNumbers() throws {
        let templates = try Templates(directory: projectTemplates)
        let page = try templates.render(RunPage(report: makeReport(), hasJSON: true), template: "run")
        #expect(page.contains("Stillwater KPU-T256"))
        #expect(page.contains("id=\"fusion-table\""))
        #expect(page.contains("109,482,240"))  // parameters, PyTorch
        #expect(page.contains("11,174,215,680"))  // MACs at S=128, PyTorch
        // Attention residuals: 12 × (2 × 393,216 read + 393,216 written) = 14,155,776 B.
        #expect(page.contains("title=\"14,155,776 bytes\""))
        for group in AddGroup.allCases {
            #expect(page.contains(group.explanation.replacingOccurrences(of: "'", with: "&#39;")))
        }
        #expect(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!page.contains("<script"))
    }

    @Test func titleAndSubtitleNameTheMachineSoTabsDiffer() throws {
        let page = RunPage(report: try makeReport("bert-tiny", sku: "kpu-t64", fusion: .epilogue), hasJSON: true)
        #expect(
            page.pageTitle == "bert-tiny · batch 1 · sequence 128 · fp32 · Stillwater KPU-T64 6W · epilogue fusion · kpu-16nm energy table — transformer adds")
        #expect(page.subtitle == "Batch 1 · sequence 128 · fp32 · Stillwater KPU-T64 6W · epilogue fusion · kpu-16nm energy table")
        // A graph-only report has no machine to name.
        #expect(RunPage(report: try makeReport("bert-tiny", modelKPU: false), hasJSON: true).subtitle == "Batch 1 · sequence 128 · fp32")
    }

    @Test func everyWideTableIsInAScrollBoxAndHoverHintsCanBeHidden() throws {
        let templates = try Templates(directory: projectTemplates)
        let page = try templates.render(RunPage(report: makeReport(), hasJSON: true), template: "run")
        // A phone scrolls a wide table in its box instead of widening the page.
        for table in ["kpu-cost-table", "fusion-table", "category-table", "add-table", "operator-table", "roofline-category-table"] {
            #expect(page.contains("<div class=\"scroll\">\n<table id=\"\(table)\""), "\(table)")
        }
        // Sentences about hovering are marked, so print and touch screens leave them out.
        #expect(!page.replacingOccurrences(of: "<span class=\"hover-hint\"> Hover", with: "").contains("Hover"))
        #expect(page.contains(".hover-hint { display: none; }"))
    }

    @Test func renderingIsByteIdentical() throws {
        let templates = try Templates(directory: projectTemplates)
        let first = try templates.render(RunPage(report: makeReport(), hasJSON: true), template: "run")
        let second = try templates.render(RunPage(report: makeReport(), hasJSON: true), template: "run")
        #expect(first == second)
        #expect(try makeReport().jsonData() == makeReport().jsonData())
    }

    @Test func namesFromInputAreEscaped() throws {
        var config = try #require(EncoderConfig.preset(named: "bert-tiny"))
        config.name = #"<script>alert("x")</script> & co"#
        let graph = try EncoderGraphBuilder(config: config, options: .init()).build()
        let report = RunReport(
            descriptor: RunDescriptor(source: .preset("bert-tiny"), config: config, options: .init()),
            graph: graph, analysis: AddAnalysis(graph: graph, cost: WorkloadCost(graph: graph)))
        let page = try Templates(directory: projectTemplates).render(RunPage(report: report, hasJSON: true), template: "run")
        #expect(!page.contains("<script>"))
        #expect(page.contains("&lt;script&gt;"))
        #expect(XHTMLValidator.validate(Array(page.utf8), file: "index.html") == [])
        #expect(report.runID == "script-alert--x----script----co_b1_s128_fp32_kpu-t256_vector-engine")
    }
}

@Suite struct ReportJSONTests {
    @Test func jsonCarriesModelAddsAndCategories() throws {
        let data = try makeReport(options: .init(batch: 2, sequenceLength: 256, precision: .fp16), modelKPU: false).jsonData()
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let model = try #require(root["model"] as? [String: Any])
        #expect(model["name"] as? String == "bert-base-uncased")
        #expect(model["layers"] as? Int == 12)
        #expect(model["hidden"] as? Int == 768)
        #expect(model["heads"] as? Int == 12)
        #expect(model["intermediate"] as? Int == 3072)
        #expect(model["params"] as? Int == 109_482_240)
        #expect(model["batch"] as? Int == 2)
        #expect(model["seq"] as? Int == 256)
        #expect(model["precision"] as? String == "fp16")
        // Per sequence at S=256: per layer 4·256·768² + 2·256·768·3072 + 2·12·256²·64, ×12, + pooler 768².
        let perSequence = 12 * (4 * 256 * 768 * 768 + 2 * 256 * 768 * 3072 + 2 * 12 * 256 * 256 * 64) + 768 * 768
        #expect(model["macs"] as? Int == 2 * perSequence)

        let adds = try #require(root["adds"] as? [[String: Any]])
        #expect(adds.count == 111)
        let residual = try #require(adds.first { $0["name"] as? String == "encoder.layer.0.attention.output.residual" })
        #expect(residual["category"] as? String == "attention_residual")
        #expect(residual["shape"] as? [Int] == [2, 256, 768])
        #expect(residual["elements"] as? Int == 393_216)
        // fp16: 2 inputs read + 1 output written, 2 bytes each.
        #expect(residual["bytes"] as? Int == 3 * 393_216 * 2)
        #expect(residual["fused_in"] is NSNull)

        let categories = try #require(root["categories"] as? [[String: Any]])
        let bias = try #require(categories.first { $0["id"] as? String == "bias" })
        #expect(bias["count"] as? Int == 73)
        #expect(categories.map { $0["id"] as? String } == AddCategory.allCases.map(\.id))
    }

    @Test func jsonCarriesTheKPUFigures() throws {
        let report = try makeReport(fusion: .epilogue)
        let root = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        let hardware = try #require(root["hardware"] as? [String: Any])
        #expect(hardware["name"] as? String == "Stillwater KPU-T256")
        #expect(hardware["profile"] as? String == "30W")
        #expect(hardware["clock_mhz"] as? Double == 600)
        #expect(hardware["energy_table"] as? String == "kpu-16nm")
        #expect(root["fusion"] as? String == "epilogue")

        let totals = try #require(root["totals"] as? [String: Any])
        let totalEnergy = try #require((totals["energy_pj"] as? [String: Any])?["total"] as? Double)
        let latency = try #require(totals["latency_s"] as? Double)
        // Equal up to the last bit JSON's decimal round trip may change.
        #expect(abs(latency - report.kpu!.chosen.makespan.seconds) <= 1e-15 * latency)
        #expect(totals["macs"] as? Int == 11_174_215_680)
        let categories = try #require(root["categories"] as? [[String: Any]])
        let residual = try #require(categories.first { $0["id"] as? String == "attention_residual" })
        // Under the epilogue the residuals read their skip from L3: no DRAM bytes at all.
        #expect((residual["bytes"] as? [String: Any])?["dram"] as? Int == 0)
        #expect(residual["adds_off_dram"] as? Int == 12)
        #expect(root["residency"] as? String == "l3")
        let byResidency = try #require(residual["by_residency"] as? [String: [String: Any]])
        func dramBytes(_ residency: String, _ policy: String) -> Int? {
            ((byResidency[residency]?[policy] as? [String: Any])?["bytes"] as? [String: Any])?["dram"] as? Int
        }
        // Under none with DRAM residency: 12 × (786,432 read + 393,216 written); with L3
        // residency both operands and the result stay on chip.
        #expect(dramBytes("dram", "none") == 12 * 1_179_648)
        #expect(dramBytes("l3", "none") == 0)
        // by_policy is the chosen residency's column.
        #expect((((residual["by_policy"] as? [String: Any])?["none"] as? [String: Any])?["bytes"] as? [String: Any])?["dram"] as? Int == 0)
        let shares = categories.compactMap { $0["share_energy"] as? Double }.reduce(0, +)
        let addShare = try #require((root["add_totals"] as? [String: Any])?["share_energy"] as? Double)
        #expect(abs(shares - addShare) < 1e-9)
        #expect(totalEnergy > 0)
    }

    @Test func scheduleJSONListsTheChosenPolicysEvents() throws {
        let report = try makeReport("bert-tiny")
        let data = try #require(try report.scheduleData())
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let events = try #require(root["events"] as? [String: Any])
        let ends = try #require(events["end_ps"] as? [Int])
        let opsOfEvents = try #require(events["op"] as? [Int])
        #expect(ends.count == report.kpu!.chosen.events.count)
        #expect(root["makespan_ps"] as? Int == Int(report.kpu!.chosen.makespan.picoseconds))
        #expect(ends.max() == Int(report.kpu!.chosen.makespan.picoseconds))
        let categories = try #require(root["op_category"] as? [Any])
        let ops = try #require(root["ops"] as? [String])
        #expect(categories.count == ops.count)
        #expect(opsOfEvents.allSatisfy { $0 < ops.count })
        #expect(categories.contains { $0 as? String == "attention_mask" })
    }
}

@Suite struct PublisherTests {
    @Test func publishWritesRunAndIndex() throws {
        let root = try temporaryFolder().appendingPathComponent("site")
        let writer = (root: root, templates: try Templates(directory: projectTemplates))
        let published = try Publisher.publish(makeReport(), format: .both, into: writer.root, templates: writer.templates)
        #expect(published.runDirectory.lastPathComponent == "bert-base-uncased_b1_s128_fp32_kpu-t256_vector-engine")
        for file in published.files { #expect(FileManager.default.fileExists(atPath: file.path)) }
        try Publisher.publish(makeReport("bert-tiny"), format: .both, into: writer.root, templates: writer.templates)
        let index = try String(contentsOf: root.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(index.contains("2 runs"))
        #expect(index.contains("href=\"bert-tiny_b1_s128_fp32_kpu-t256_vector-engine/index.html\""))
        #expect(index.contains("href=\"bert-base-uncased_b1_s128_fp32_kpu-t256_vector-engine/index.html\""))
        // No staging or previous folders are left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(
            names == [
                "bert-base-uncased_b1_s128_fp32_kpu-t256_vector-engine", "bert-tiny_b1_s128_fp32_kpu-t256_vector-engine", "history.jsonl", "index.html",
                "latest"
            ])
        // latest/ is a copy of the newest run, and is not listed as a run of its own.
        #expect(try Data(contentsOf: root.appendingPathComponent("latest/report.json")) == makeReport("bert-tiny").jsonData())
        #expect(!index.contains("href=\"latest/"))
    }

    @Test func republishingReplacesTheRun() throws {
        let root = try temporaryFolder()
        let writer = (root: root, templates: try Templates(directory: projectTemplates))
        try Publisher.publish(makeReport("bert-tiny"), format: .both, into: writer.root, templates: writer.templates)
        let stale = root.appendingPathComponent("bert-tiny_b1_s128_fp32_kpu-t256_vector-engine/stale.txt")
        try Data("old".utf8).write(to: stale)
        try Publisher.publish(makeReport("bert-tiny"), format: .both, into: writer.root, templates: writer.templates)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
    }

    @Test func jsonOnlyWritesNoHTML() throws {
        let root = try temporaryFolder()
        let writer = (root: root, templates: try Templates(directory: projectTemplates))
        let published = try Publisher.publish(makeReport("bert-tiny"), format: .json, into: writer.root, templates: writer.templates)
        #expect(published.files.map(\.lastPathComponent) == ["report.json", "schedule.json", "trace.json", "adds.csv", "ops.csv"])
        #expect(published.siteIndex == nil)
    }

    @Test func invalidPageIsNotPublishedAndSiteIsUntouched() throws {
        let root = try temporaryFolder()
        let good = (root: root, templates: try Templates(directory: projectTemplates))
        try Publisher.publish(makeReport("bert-tiny"), format: .both, into: good.root, templates: good.templates)
        let before = try String(contentsOf: root.appendingPathComponent("index.html"), encoding: .utf8)

        // A copy of the templates whose run page mis-nests two elements.
        let broken = try temporaryFolder()
        for name in Templates.required {
            var text = try String(contentsOf: projectTemplates.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            if name == "run" { text = text.replacingOccurrences(of: "<main>", with: "<main><p><b>") }
            try text.write(to: broken.appendingPathComponent("\(name).mustache"), atomically: true, encoding: .utf8)
        }
        let writer = (root: root, templates: try Templates(directory: broken))
        do {
            try Publisher.publish(makeReport("bert-base-uncased"), format: .both, into: writer.root, templates: writer.templates)
            Issue.record("an invalid page was published")
        } catch let error as ReportError {
            // file:line:col of the mismatch, then the rule.
            #expect(error.description.contains("/bert-base-uncased_b1_s128_fp32_kpu-t256_vector-engine/index.html:"))
            #expect(error.description.contains(": well-formed: "))
        }
        #expect(try String(contentsOf: root.appendingPathComponent("index.html"), encoding: .utf8) == before)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("bert-base-uncased_b1_s128_fp32_kpu-t256_vector-engine").path))
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(names == ["bert-tiny_b1_s128_fp32_kpu-t256_vector-engine", "history.jsonl", "index.html", "latest"])
    }

    @Test func unwritableFolderIsAClearError() throws {
        let file = try temporaryFolder().appendingPathComponent("plain-file")
        try Data().write(to: file)
        let writer = (root: file.appendingPathComponent("site"), templates: try Templates(directory: projectTemplates))
        #expect(throws: ReportError.self) { try Publisher.publish(makeReport("bert-tiny"), format: .both, into: writer.root, templates: writer.templates) }
    }

    @Test func everyTemplateEscapesForXHTML() throws {
        for (name, text) in BundledTemplates.files {
            #expect(text.hasPrefix("{{% CONTENT_TYPE: XHTML}}\n"), "templates/\(name).mustache must start with the XHTML content-type pragma")
        }
        // A control character in a value becomes U+FFFD instead of breaking the page.
        let templates = try Templates(directory: projectTemplates)
        var report = try makeReport("bert-tiny")
        report.notes = ["bad\u{1}name <b>"]
        let page = try templates.render(RunPage(report: report, hasJSON: true), template: "run")
        #expect(page.contains("bad\u{FFFD}name &lt;b&gt;"))
        #expect(XHTMLValidator.validate(Array(page.utf8), file: "index.html") == [])
    }

    @Test func missingTemplateIsNamed() throws {
        let empty = try temporaryFolder()
        do {
            _ = try Templates(directory: empty)
            Issue.record("an empty templates folder was accepted")
        } catch {
            // The first required template in name order.
            #expect(error.description.hasPrefix(empty.appendingPathComponent("bar-chart.mustache").path))
        }
        // A folder lacking one section partial is refused too: Mustache would render it as nothing.
        let partial = try temporaryFolder()
        for (name, text) in BundledTemplates.files where name != "run-gantt" {
            try text.write(to: partial.appendingPathComponent("\(name).mustache"), atomically: true, encoding: .utf8)
        }
        #expect(throws: ReportError.self) { try Templates(directory: partial) }
        do { _ = try Templates(directory: partial) } catch {
            #expect(error.description.hasPrefix(partial.appendingPathComponent("run-gantt.mustache").path))
        }
    }
}

@Suite struct RunGroupingTests {
    @Test func runsAreGroupedByModelAndSequenceWithOnlyTheColumnsThatDiffer() throws {
        var documents: [ReportDocument] = []
        for (preset, seq) in [("bert-tiny", 256), ("bert-mini", 128), ("bert-tiny", 64)] {
            for (sku, fusion) in [("kpu-t256", FusionPolicy.epilogue), ("kpu-t64", .none), ("kpu-t64", .epilogue)] {
                documents.append(try makeReport(preset, options: GraphOptions(sequenceLength: seq), sku: sku, fusion: fusion).document)
            }
        }
        let grouping = RunGrouping(documents)
        // Models in name order, sequences as numbers; SKUs with their numbers read as numbers, policies in their own order.
        #expect(grouping.groups.map(\.title) == ["bert-mini · sequence 128", "bert-tiny · sequence 64", "bert-tiny · sequence 256"])
        #expect(grouping.columns == ["KPU", "Fusion"])
        #expect(grouping.shared == "l3 residency · batch 1 · fp32 · no hidden-state aggregation · kpu-16nm energy table")
        #expect(grouping.groups[1].runs.map(grouping.cells) == [["KPU-T64 6W", "none"], ["KPU-T64 6W", "epilogue"], ["KPU-T256 30W", "epilogue"]])
        #expect(NaturalOrder.before("KPU-T64", "KPU-T128") == true && NaturalOrder.before("b", "a") == false && NaturalOrder.before("x", "x") == nil)
    }
}

@Suite struct FormatTests {
    @Test func groupsThousands() {
        #expect(Format.grouped(109_482_240) == "109,482,240")
        #expect(Format.grouped(0) == "0")
        #expect(Format.grouped(-1234) == "-1,234")
    }

    @Test func scalesToThreeSignificantFigures() {
        #expect(Format.bytes(786_432) == "786 kB")
        #expect(Format.bytes(1_572_864) == "1.57 MB")
        #expect(Format.bytes(512) == "512 B")
        #expect(Format.bytes(999_600) == "1.00 MB")
        #expect(Format.scaled(11_174_215_680, unit: "") == "11.2 G")
    }

    @Test func niceAxisMaximum() {
        #expect(BarChart.niceCeiling(85_300_000) == 100_000_000)
        #expect(BarChart.niceCeiling(14_155_776) == 20_000_000)
        #expect(BarChart.niceCeiling(1) == 1)
        #expect(BarChart.niceCeiling(5.5) == 6)
    }
}

@Suite struct CSVTests {
    @Test func addsCSVHasARowPerAddWithExactFigures() throws {
        let report = try makeReport(fusion: .none, residency: .dram)
        let text = String(decoding: report.addsCSV(), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 + 111)
        let residual = try #require(lines.first { $0.hasPrefix("encoder.layer.0.attention.output.residual,") })
        // Under none: 786,432 B read + 393,216 B written at DRAM; least bytes the same.
        #expect(residual.hasPrefix("encoder.layer.0.attention.output.residual,attention_residual,,1x128x768,fp32,98304,98304,1179648,1179648,"))
    }

    @Test func opsCSVHasARowPerOperator() throws {
        let report = try makeReport()
        let lines = String(decoding: try #require(report.opsCSV()), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 + report.kpu!.chosen.operators.count)
        #expect(lines[0].hasPrefix("index,name,kind,add_category,fused_in,group_head,shape,macs"))
    }

    @Test func matmulsCarryTilesUsedAndBytesByOperandInOpsCSVAndReportJSON() throws {
        let report = try makeReport("bert-tiny", fusion: .none)
        let text = String(decoding: try #require(report.opsCSV()), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
        let header = rows[0]
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name), "\(name) missing") }
        let query = try #require(rows.first { $0[1] == "encoder.layer.0.attention.self.query.matmul" })
        #expect(Int(query[try column("tiles_used")])! > 0)
        for level in ["dram", "l3", "l2", "l1"] {
            let byOperand = try ["a", "b", "c"].map { Int(query[try column("\($0)_\(level)_bytes")])! }
            #expect(byOperand.reduce(0, +) == Int(query[try column("\(level)_bytes")])!, "\(level)")
        }
        // report.json: one entry per matmul, its operands' bytes summing to the op's.
        let document = report.document
        let matmuls = try #require(document.matmuls)
        #expect(matmuls.count == report.kpu!.chosen.mapping.operators.filter { $0.tiling != nil }.count)
        let entry = try #require(matmuls.first { $0.op == "encoder.layer.0.attention.self.query.matmul" })
        #expect(entry.bytes.a.dram + entry.bytes.b.dram + entry.bytes.c.dram == Int(query[try column("dram_bytes")])!)
        #expect(entry.tilesUsed == Int(query[try column("tiles_used")])!)
    }

    @Test func formulasAreNeutralisedAndSeparatorsQuoted() {
        #expect(CSV.cell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSV.cell("+1") == "'+1")
        #expect(CSV.cell("@cmd") == "'@cmd")
        #expect(CSV.cell("-2") == "'-2")
        #expect(CSV.cell("a,b") == "\"a,b\"")
        #expect(CSV.cell("plain") == "plain")
        #expect(CSV.picojoules(Energy(femtojoules: 1_234_567)) == "1234.567")
        #expect(CSV.seconds(TimeSpan(picoseconds: 2_500_000)) == "0.000002500000")
    }
}

@Suite struct ReportDateTests {
    @Test func sourceDateEpochGivesTheUTCDate() {
        #expect(ReportDate.fromEpoch(0) == "1970-01-01")
        #expect(ReportDate.fromEpoch(1_764_547_200) == "2025-12-01")
        #expect(ReportDate.fromEpoch(951_782_400) == "2000-02-29")
        #expect(ReportDate.fromEpoch(-1) == "1969-12-31")
    }

    @Test func explicitDatesAreChecked() {
        #expect(ReportDate.parse("2026-11-30") == "2026-11-30")
        #expect(ReportDate.parse("2024-02-29") == "2024-02-29")
        #expect(ReportDate.parse("2026-02-29") == nil)
        #expect(ReportDate.parse("30/11/2026") == nil)
    }

    @Test func pagesCarryNoDateUnlessGiven() throws {
        var report = try makeReport("bert-tiny")
        let templates = try Templates(directory: projectTemplates)
        #expect(!(try templates.render(RunPage(report: report, hasJSON: true), template: "run")).contains("Generated on"))
        report.date = "2026-11-30"
        #expect(try templates.render(RunPage(report: report, hasJSON: true), template: "run").contains("Generated on 2026-11-30 by"))
    }
}

@Suite struct BundledTemplateTests {
    /// The plugin embeds every templates/*.mustache (README, Embedded data and templates): a
    /// template added there is covered, and required, without naming it here.
    @Test func bundledCopyMatchesTheTemplatesFolder() throws {
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: projectTemplates.path)
            .filter { $0.hasSuffix(".mustache") && !$0.hasPrefix(".") }.map { String($0.dropLast(".mustache".count)) }
        let rebuild = "build again (SwiftPM plans plugin commands when the package structure changes: for a file added since, touch Package.swift first)"
        #expect(Set(BundledTemplates.files.keys) == Set(onDisk), "the embedded templates differ from templates/: \(rebuild)")
        #expect(Templates.required == onDisk.sorted())
        for name in onDisk {
            let text = try String(contentsOf: projectTemplates.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            #expect(BundledTemplates.files[name] == text, "templates/\(name).mustache differs from the copy built in: \(rebuild)")
        }
    }

    @Test func bundledTemplatesRenderTheSamePage() throws {
        let report = try makeReport("bert-tiny")
        let fromFolder = try Templates(directory: projectTemplates).render(RunPage(report: report, hasJSON: true), template: "run")
        let builtIn = try Templates.bundled().render(RunPage(report: report, hasJSON: true), template: "run")
        #expect(fromFolder == builtIn)
    }
}

@Suite struct CategoryRankingTests {
    /// One story per page: every table and chart lists the categories in the same order, the
    /// most energy under the chosen policy and residency first.
    @Test(arguments: [FusionPolicy.vectorEngine, .epilogue])
    func everyTableAndChartRanksTheCategoriesTheSameWay(fusion: FusionPolicy) throws {
        let report = try makeReport(fusion: fusion)
        let page = RunPage(report: report, hasJSON: true)
        let section = try #require(page.kpu)
        let costs = report.kpu!.chosenCosts
        let expected = report.analysis.categories.filter { $0.count > 0 }.map(\.category)
            .sorted { (costs.cost(of: $0)!.figures.energy.total, $1.id) > (costs.cost(of: $1)!.figures.energy.total, $0.id) }.map(\.title)
        #expect(page.categoryRows.map(\.title) == expected)
        #expect(section.rows.map(\.title) == expected)
        #expect(section.energyChart.bars.map(\.label) == expected)
        #expect(section.energySplitChart.rowLabels == expected)
        #expect(section.bytesByLevelChart.rowLabels == expected)
        #expect(section.policyRows.filter(\.isFirst).map(\.title) == expected + ["Model"])
        #expect(section.marginalRows.map(\.title) == expected + ["All adds"])
        // The energies really fall down the list.
        let energies = report.rankedCategories.map { costs.cost(of: $0)!.figures.energy.total }
        #expect(energies == energies.sorted(by: >))
    }
}

@Suite struct AssumptionsTests {
    @Test func tileClassTableSaysWhichClassesRunThePrecision() throws {
        // fp32 on KPU-T256 runs on the 51 BF16-primary tiles alone, 256 MACs per clock each.
        let fp32 = try #require(RunPage(report: try makeReport(), hasJSON: true).kpu)
        #expect(fp32.tileClassRows.map(\.name) == ["INT8-primary", "BF16-primary", "Matrix"])
        #expect(fp32.tileClassRows.map(\.peakShare) == ["idle at fp32", "100.0 %", "idle at fp32"])
        #expect(fp32.tileClassRows[1].macsPerClock == "256" && fp32.tileClassRows[1].tiles == "51")
        // At bf16 every class runs; the shares are each class's tiles × rate over the peak.
        let report = try makeReport(options: GraphOptions(precision: .bf16))
        let bf16 = try #require(RunPage(report: report, hasJSON: true).kpu)
        let hw = report.kpu!.hardware
        let peak = hw.peakMACRate(.bf16)
        #expect(
            bf16.tileClassRows.map(\.peakShare)
                == hw.tileClasses.map { Format.percent(Double($0.count) * $0.macsPerClock(.bf16)! * hw.clockHz / peak) })
        #expect(bf16.tileClassRows.allSatisfy { !$0.isIdle })
        // The sustained DRAM bandwidth is stated with its efficiency.
        let memory = try #require(bf16.hardwareFacts.first { $0.label == "External memory" })
        #expect(memory.detail.hasPrefix("sustained: 85.0 % of the nominal 256 GB/s (dram_efficiency, the default)"))
    }
}
