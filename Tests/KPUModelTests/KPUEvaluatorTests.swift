import Support
import Foundation
import Testing
import ConfigFrontend
import ModelGraph
@testable import KPUModel

func bertGraph(_ preset: String, seq: Int = 128, precision: Precision = .fp32) throws -> Graph {
    try EncoderGraphBuilder(config: #require(EncoderConfig.preset(named: preset)), options: .init(sequenceLength: seq, precision: precision)).build()
}

func evaluate(
    _ graph: Graph, sku: String = "kpu-t256", table: String = "kpu-16nm", precision: Precision = .fp32,
    fusion: FusionPolicy = .vectorEngine, residency: Residency = .dram, adjust: (inout KPUHardware) -> Void = { _ in }
) throws -> KPUEvaluation {
    var hardware = try KPUHardware.builtIn(sku)
    adjust(&hardware)
    let energy = try EnergyTable.named(table, for: hardware)
    return KPUEvaluator(
        graph: graph, hardware: hardware, energy: energy,
        mapping: Mapper(graph: graph, hardware: hardware, precision: precision, fusion: fusion, residency: residency).map()
    ).evaluate()
}

@Suite struct KPUEvaluatorTests {
    @Test func attentionResidualUnderNoFusionMovesItsOperandsThroughDRAM() throws {
        // fp32 [1,128,768]: two inputs of 393,216 B read, one written; kpu-16nm LPDDR5 10 / 12 pJ/B.
        let graph = try bertGraph("bert-base-uncased")
        let evaluation = try evaluate(graph, fusion: .none)
        let op = try #require(graph.ops.first { $0.path == "encoder.layer.0.attention.output.residual" })
        let residual = evaluation.operators[op.index]
        #expect(residual.traffic.dram.read == 786_432)
        #expect(residual.traffic.dram.written == 393_216)
        #expect(residual.energy.dram.femtojoules == Int64(786_432 * 10 + 393_216 * 12) * 1000)  // fJ
    }

    @Test func biasAddUnderVectorEngineMovesOnlyTheBiasExternally() throws {
        let graph = try bertGraph("bert-base-uncased")
        let evaluation = try evaluate(graph, fusion: .vectorEngine)
        for op in graph.ops where op.path.hasSuffix(".add_bias") {
            let bias = evaluation.operators[op.index]
            let vector = graph[op.inputs[1]]
            #expect(bias.traffic.dram.read == vector.byteCount, "\(op.path)")
            #expect(bias.traffic.dram.written == 0)
            #expect(bias.groupHead != op.index)
        }
    }

    @Test func broadcastOperandsAreCopiedOncePerReuseWindow() throws {
        let graph = try bertGraph("bert-base-uncased")
        let none = try evaluate(graph, fusion: .none)
        let mask = try #require(graph.ops.first { $0.path == "encoder.layer.0.attention.self.mask" })
        // Scores [1,12,128,128] fp32 stream in once; the [1,1,128,128] mask (65,536 B) is shared by
        // the 12 heads, so it reaches L2 once per head, not once per tile.
        #expect(none.operators[mask.index].traffic.dram.read == 786_432 + 65_536)
        // The result drains back through L2 too: another 786,432 B written.
        #expect(none.operators[mask.index].traffic.l2.written == 786_432 + 12 * 65_536 + 786_432)
        // A bias [768] fp32 (3,072 B) riding the query projection's drain: each tile gets the
        // columns of its block once and holds them while the block drains, so the whole vector
        // arrives once per row of 32-row blocks: 128 ÷ 32 = 4 copies, not one per output row.
        let vector = try evaluate(graph, fusion: .vectorEngine)
        let bias = try #require(graph.ops.first { $0.path == "encoder.layer.0.attention.self.query.add_bias" })
        let query = try #require(graph.ops.first { $0.path == "encoder.layer.0.attention.self.query.matmul" })
        let tiling = try #require(vector.mapping[query.index].tiling)
        #expect(tiling.tileBlock.m == 32)
        #expect(vector.operators[bias.index].traffic.l2.written == 4 * 3_072)
        #expect(vector.operators[bias.index].traffic.l2.written <= tiling.tilesUsed * 3_072)
    }

    @Test func epilogueTakesTheSkipFromL3AndLeavesResidualsOffDRAM() throws {
        let graph = try bertGraph("bert-base-uncased")
        let epilogue = try evaluate(graph, fusion: .epilogue)
        let none = try evaluate(graph, fusion: .none)
        for op in graph.ops where op.path.hasSuffix(".residual") {
            #expect(epilogue.operators[op.index].traffic.dram.total == 0, "\(op.path)")
            // The skip tensor, [1,128,768] fp32, is read from L3 instead.
            #expect(epilogue.operators[op.index].traffic.l3.read == 393_216)
        }
        #expect(epilogue.totalTraffic.dram.total < none.totalTraffic.dram.total)
    }

    @Test(arguments: FusionPolicy.allCases)
    func macsNeverChangeAcrossPolicies(fusion: FusionPolicy) throws {
        let graph = try bertGraph("bert-base-uncased")
        #expect(try evaluate(graph, fusion: fusion).operators.reduce(0) { $0 + $1.macs } == 11_174_215_680)
    }

    @Test(arguments: ["kpu-t64", "kpu-t256", "kpu-t768"])
    func everyGroupTakesAtLeastItsComputeAndBandwidthBounds(sku: String) throws {
        let graph = try bertGraph("bert-base-uncased")
        let evaluation = try evaluate(graph, sku: sku, fusion: .vectorEngine)
        let peak = evaluation.hardware.peakMACRate(.fp32)
        let bandwidth = evaluation.hardware.dramBandwidth
        var groups: [Int: [OperatorEvaluation]] = [:]
        for op in evaluation.operators { groups[op.groupHead, default: []].append(op) }
        for (_, members) in groups {
            let span = Double(members[0].end.picoseconds - members[0].start.picoseconds) * 1e-12
            let macs = Double(members.reduce(0) { $0 + $1.macs })
            let bytes = Double(members.reduce(0) { $0 + $1.externalBytes })
            // One picosecond of slack per stage and chunk for rounding durations up.
            #expect(span + 1e-10 >= max(macs / peak, bytes / bandwidth))
            for member in members { #expect(member.utilization <= 1) }
        }
    }

    @Test func latencyChargesAddUpToTheMakespan() throws {
        let evaluation = try evaluate(bertGraph("bert-base-uncased"), fusion: .epilogue)
        #expect(evaluation.operators.reduce(Int64(0)) { $0 + $1.latency.picoseconds } == evaluation.makespan.picoseconds)
        // Static energy is idle power over the makespan, op by op: 1.79 W on T256.
        let staticEnergy = evaluation.operators.reduce(Int64(0)) { $0 + $1.energy.staticEnergy.femtojoules }
        let expected = 1.79 * Double(evaluation.makespan.picoseconds) * 1e3
        #expect(abs(Double(staticEnergy) - expected) <= Double(evaluation.operators.count))
    }

    @Test func doublingDRAMBandwidthNeverRaisesLatency() throws {
        let graph = try bertGraph("bert-base-uncased")
        for sku in KPUHardware.builtInNames {
            for fusion in FusionPolicy.allCases {
                let base = try evaluate(graph, sku: sku, fusion: fusion)
                let faster = try evaluate(graph, sku: sku, fusion: fusion) { hardware in
                    hardware.memoryBandwidth *= 2
                    hardware.dma.busBytes *= 2
                }
                #expect(faster.makespan.picoseconds <= base.makespan.picoseconds, "\(sku) \(fusion)")
            }
        }
    }

    @Test func raisingEnergyCostsNeverLowersEnergy() throws {
        let graph = try bertGraph("bert-tiny")
        for table in EnergyTable.names {
            let hardware = try KPUHardware.builtIn("kpu-t128")
            let energy = try EnergyTable.named(table, for: hardware)
            let base = KPUEvaluator(
                graph: graph, hardware: hardware, energy: energy,
                mapping: Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: .vectorEngine, residency: .dram).map()
            ).evaluate()
            let dearer = KPUEvaluator(
                graph: graph, hardware: hardware, energy: energy.scaled(by: 1.1),
                mapping: Mapper(graph: graph, hardware: hardware, precision: .bf16, fusion: .vectorEngine, residency: .dram).map()
            ).evaluate()
            #expect(dearer.totalEnergy.total.femtojoules >= base.totalEnergy.total.femtojoules, "\(table)")
        }
    }

    @Test func ffn1OnT256StaysNearCompulsoryTraffic() throws {
        // 128×768 · 768×3072: A 393,216 B, B 9,437,184 B, C 1,572,864 B at fp32.
        let graph = try bertGraph("bert-base-uncased")
        let evaluation = try evaluate(graph, fusion: .none)
        let op = try #require(graph.ops.first { $0.path == "encoder.layer.0.intermediate.dense.matmul" })
        let ffn1 = evaluation.operators[op.index]
        #expect(ffn1.compulsoryExternalBytes == 393_216 + 9_437_184 + 1_572_864)
        #expect(ffn1.externalBytes >= ffn1.compulsoryExternalBytes)
        #expect(Double(ffn1.externalBytes) <= 1.5 * Double(ffn1.compulsoryExternalBytes))
        // T256's 64 MiB L3 holds the whole 128×3072 output block: nothing is re-read.
        #expect(ffn1.externalBytes == 11_403_264)
        // Per tensor: the weight is read from DRAM exactly once, C written exactly once.
        #expect(ffn1.trafficByTensor["B"]?.dram.read == 9_437_184)
        #expect(ffn1.trafficByTensor["C"]?.dram.written == 1_572_864)
        let sum = ffn1.trafficByTensor.values.reduce(Traffic()) { $0 + $1 }
        #expect(sum == ffn1.traffic)
        #expect(ffn1.computeCycles > 0 && ffn1.utilization > 0.5 && ffn1.utilization <= 1)
    }

    @Test func matmulExternalTrafficIsNeverBelowCompulsory() throws {
        let graph = try bertGraph("bert-large-uncased", seq: 512)
        for sku in KPUHardware.builtInNames {
            let evaluation = try evaluate(graph, sku: sku, fusion: .none)
            for op in graph.ops where op.kind == .matMul {
                #expect(evaluation.operators[op.index].externalBytes >= evaluation.operators[op.index].compulsoryExternalBytes)
            }
        }
    }

    @Test func splitHeadTransposesAreAbsorbedByTheMatmuls() throws {
        let graph = try bertGraph("bert-tiny")
        let evaluation = try evaluate(graph, fusion: .none)
        for op in graph.ops where op.kind == .transpose {
            #expect(evaluation.operators[op.index].traffic.dram.total == 0)
            guard case .absorbedTranspose = evaluation.mapping[op.index].placement else {
                Issue.record("\(op.path) is placed as \(evaluation.mapping[op.index].placement), not absorbed")
                continue
            }
        }
    }

    @Test(arguments: ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"])
    func everySKUAndTableEvaluatesBertBaseAndLarge(sku: String) throws {
        for preset in ["bert-base-uncased", "bert-large-uncased"] {
            let graph = try bertGraph(preset, precision: .bf16)
            for table in EnergyTable.names {
                let evaluation = try evaluate(graph, sku: sku, table: table, precision: .bf16)
                #expect(evaluation.makespan.picoseconds > 0)
                #expect(evaluation.totalEnergy.total.femtojoules > 0)
            }
        }
    }

    @Test func splitKeepsTheTotalExactly() {
        #expect(Scheduler.split(10, weights: [1, 1, 1]) == [4, 3, 3])
        #expect(Scheduler.split(7, weights: [0, 0]) == [7, 0])
        #expect(Scheduler.split(1_000_003, weights: [0.3, 0.7]).reduce(0, +) == 1_000_003)
    }
}

@Suite struct HardwareDescriptionTests {
    @Test func t256FiguresComeFromTheComputeProduct() throws {
        let hw = try KPUHardware.builtIn("kpu-t256")
        #expect(hw.name == "Stillwater KPU-T256")
        #expect(hw.profileName == "30W")
        #expect(hw.clockMHz == 600)
        #expect(hw.totalTiles == 256)
        #expect(hw.memoryBandwidth == 256e9)
        // 16 DMA engines of 64 B at 250 MHz = 256 GB/s: the engines match the memory's nominal
        // rate, of which long streams sustain the default 85 %.
        #expect(hw.dma.count == 16)
        #expect(hw.dma.aggregateBandwidth == 256e9 && hw.memoryBandwidth == 256e9)
        #expect(hw.dramEfficiency == 0.85)
        #expect(hw.dramBandwidth == 256e9 * 0.85)
        // bf16: 256 tiles × 512 MACs × 600 MHz = 78.6 TMAC/s (157.3 TFLOPS in the file).
        #expect(hw.peakMACRate(.bf16) == 256 * 512 * 600e6)
        // fp32 only on the 51 BF16-primary tiles: 51 × 256 × 600 MHz (15.67 TFLOPS in the file).
        #expect(hw.peakMACRate(.fp32) == 51 * 256 * 600e6)
        #expect(hw.l3Bytes == 256 * 256 * 1024)
    }

    @Test func profileIsSelectable() throws {
        #expect(try KPUHardware.builtIn("kpu-t256", profile: "15W").clockMHz == 450)
        #expect(
            throws: InputError(source: "built-in kpu-t256", place: "--profile", message: "90W is not a thermal profile of this SKU; profiles: 15W, 30W, 50W")
        ) {
            try KPUHardware.builtIn("kpu-t256", profile: "90W")
        }
    }

    @Test func t768UsesHBM3Energies() throws {
        let hw = try KPUHardware.builtIn("kpu-t768")
        let table = try EnergyTable.named("kpu-16nm", for: hw)
        #expect(table.dramRead == 6.0 && table.dramWrite == 7.2)
        #expect(table.node == "n7")
        #expect(table.mac(.int8) == 0.08)
        #expect(hw.dramBandwidth == 1638e9 * 0.85)
    }

    @Test func dramEfficiencyComesFromTheFileAndIsChecked() throws {
        let text = try #require(BuiltInData.files["hardware/kpu-t64.yaml"])
        func withEfficiency(_ value: String) -> String {
            text.replacingOccurrences(of: "      memory_bandwidth_gbps: 64.0\n", with: "      memory_bandwidth_gbps: 64.0\n      dram_efficiency: \(value)\n")
        }
        let slow = try KPUHardware.load(file: "mine.yaml", contents: withEfficiency("0.6"))
        // 64 GB/s nominal × 0.6, below what the DMA engines move.
        #expect(slow.dramEfficiency == 0.6)
        #expect(slow.dramBandwidth == 64e9 * 0.6)
        #expect(
            throws: InputError(
                source: "mine.yaml", place: "dies[0].blocks[0].memory.dram_efficiency",
                message: "is 1.5; give the sustained share of the nominal bandwidth, above 0 and at most 1 (e.g. 0.85)")
        ) {
            try KPUHardware.load(file: "mine.yaml", contents: withEfficiency("1.5"))
        }
        // A lower efficiency never shortens the schedule.
        let graph = try bertGraph("bert-mini")
        let nominal = try evaluate(graph, sku: "kpu-t64", residency: .l3)
        let slower = try evaluate(graph, sku: "kpu-t64", residency: .l3) { $0.dramEfficiency = 0.5 }
        #expect(slower.makespan >= nominal.makespan)
        #expect(slower.dramFloor.seconds > nominal.dramFloor.seconds * 1.6)
    }

    @Test func missingFieldIsNamedWithItsPath() throws {
        let text = try #require(BuiltInData.files["hardware/kpu-t64.yaml"]).replacingOccurrences(of: "      l2_kib_per_tile: 32\n", with: "")
        #expect(throws: InputError(source: "mine.yaml", place: "dies[0].blocks[0].memory.l2_kib_per_tile", message: "is missing; add this field")) {
            try KPUHardware.load(file: "mine.yaml", contents: text)
        }
    }

    @Test func malformedYAMLNamesTheLine() throws {
        do {
            _ = try KPUHardware.load(file: "bad.yaml", contents: "id: x\nname: [unclosed\npower: {}\n")
            Issue.record("accepted malformed YAML")
        } catch {
            #expect(error.place.hasPrefix("line "), "\(error)")
        }
    }

    @Test func unknownSKUListsTheBuiltIns() {
        #expect(
            throws: InputError(
                source: "--hardware", place: "kpu-t9",
                message: "is not a built-in SKU; use one of kpu-t64, kpu-t128, kpu-t256, kpu-t768, or --hardware-file FILE")
        ) {
            try KPUHardware.builtIn("kpu-t9")
        }
    }

    /// The plugin embeds every `*.yaml` under data/ (README, Embedded data and templates): a
    /// file added there is covered without naming it here.
    @Test func embeddedDataMatchesTheDataFolder() throws {
        let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data")
        let onDisk = try FileManager.default.subpathsOfDirectory(atPath: data.path)
            .filter { $0.hasSuffix(".yaml") && !$0.split(separator: "/").contains { $0.hasPrefix(".") } }
        let rebuild = "build again (SwiftPM plans plugin commands when the package structure changes: for a file added since, touch Package.swift first)"
        #expect(Set(BuiltInData.files.keys) == Set(onDisk), "the embedded data/ files differ from the folder's: \(rebuild)")
        for key in onDisk {
            let text = try String(contentsOf: data.appendingPathComponent(key), encoding: .utf8)
            #expect(BuiltInData.files[key] == text, "data/\(key) differs from the copy built in: \(rebuild)")
        }
    }

    @Test func builtInListsFollowTheFiles() {
        // SKUs by the number in their names; energy tables in the order data/energy-tables.yaml lists them.
        #expect(KPUHardware.builtInNames == ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"])
        #expect(EnergyTable.names == ["kpu-16nm", "horowitz-45nm", "eyeriss-65nm"])
    }
}

@Suite struct YAMLFileTests {
    struct Sample: Decodable, Equatable {
        var count: Int
        var hex: Int
        var ratio: Double
        var flag: Bool
        var name: String
        var quoted: String
        var missing: Int?
        var list: [Double]
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws(InputError) -> T {
        try YAMLFile.decode(type, from: text, file: "x.yaml")
    }

    @Test func scalarsKeepTheirYAMLMeaning() throws {
        let text = """
            count: 1_024
            hex: 0x10
            ratio: 2.5e-1
            flag: yes
            name: "kpu \\"t256\\""
            quoted: "16"
            missing: null
            list: [1, 2.5, 3]
            """
        let sample = try Self.decode(Sample.self, text)
        #expect(sample == Sample(count: 1024, hex: 16, ratio: 0.25, flag: true, name: "kpu \"t256\"", quoted: "16", missing: nil, list: [1, 2.5, 3]))
    }

    @Test func octalGroupedExponentAndQuotedScalars() throws {
        struct Numbers: Decodable, Equatable { var octal: Int; var grouped: Int; var exponent: Double; var off: Bool; var text: String }
        let decoded = try Self.decode(Numbers.self, "octal: 0o17\ngrouped: 1_000\nexponent: 1e3\noff: False\ntext: '0755'\n")
        #expect(decoded == Numbers(octal: 15, grouped: 1000, exponent: 1000, off: false, text: "0755"))
        struct Count: Decodable { var count: Int }
        #expect(throws: InputError(source: "x.yaml", place: "count", message: "has the wrong type; expected a whole number")) {
            try Self.decode(Count.self, "count: '256'")
        }
    }

    @Test func aWrongTypeIsReportedWithItsPath() throws {
        #expect(throws: InputError(source: "x.yaml", place: "list[1]", message: "has the wrong type; expected a number")) {
            try Self.decode(Sample.self, "count: 1\nhex: 2\nratio: 1\nflag: no\nname: a\nquoted: b\nlist: [1, fast]\n")
        }
        // A node of the wrong shape: what the field needs is named, not the YAML library's type.
        #expect(throws: InputError(source: "x.yaml", place: "list", message: "has the wrong type; expected a list")) {
            try Self.decode(Sample.self, "count: 1\nhex: 2\nratio: 1\nflag: no\nname: a\nquoted: b\nlist: 3\n")
        }
        #expect(throws: InputError(source: "x.yaml", place: "count", message: "has the wrong type; expected a single value, not a list or mapping")) {
            try Self.decode(Sample.self, "count: [1]\nhex: 2\nratio: 1\nflag: no\nname: a\nquoted: b\nlist: [3]\n")
        }
    }

    @Test func numbersThatAreNotFiniteAreRefused() {
        let base = "count: 1\nhex: 2\nflag: no\nname: a\nquoted: b\n"
        #expect(throws: InputError(source: "x.yaml", place: "ratio", message: "is .inf, not a finite number; give a number (or quote it, if it is text)")) {
            try Self.decode(Sample.self, base + "ratio: .inf\nlist: [1]\n")
        }
        #expect(throws: InputError(source: "x.yaml", place: "list[1]", message: "is nan, not a finite number; give a number (or quote it, if it is text)")) {
            try Self.decode(Sample.self, base + "ratio: 1\nlist: [1, nan]\n")
        }
        #expect(throws: InputError(source: "x.yaml", place: "ratio", message: "is 1e999, not a finite number; give a number (or quote it, if it is text)")) {
            try Self.decode(Sample.self, base + "ratio: 1e999\nlist: [1]\n")
        }
        // Quoted, it is text, and a text field takes it.
        #expect((try? Self.decode(Sample.self, "count: 1\nhex: 2\nflag: no\nname: '.nan'\nquoted: b\nratio: 1\nlist: [1]\n"))?.name == ".nan")
    }

    @Test func emptyRepeatedAndMalformedFilesAreNamedOnOneLine() {
        #expect(throws: InputError(source: "x.yaml", place: "top level", message: "is empty; expected a mapping")) {
            try Self.decode(Sample.self, "# nothing\n")
        }
        #expect(throws: InputError(source: "x.yaml", place: "line 1, column 1", message: "repeats the key count; keep one of each")) {
            try Self.decode(Sample.self, "count: 1\ncount: 2\n")
        }
        do {
            _ = try Self.decode(Sample.self, "count: 1\nlist: [1, 2\nname: a\n")
            Issue.record("accepted malformed YAML")
        } catch {
            #expect(error.place.hasPrefix("line "), "\(error)")
            #expect(error.message.hasPrefix("is not valid YAML ("), "\(error)")
            #expect(error.message.hasSuffix("); fix the syntax there"), "\(error)")
            #expect(!error.description.contains("\n"), "\(error)")
        }
    }
}

@Suite struct WorkloadRangeTests {
    /// The range check is only safe if its bounds are above what the evaluation produces.
    @Test(arguments: ["kpu-t64", "kpu-t128", "kpu-t256", "kpu-t768"])
    func boundsAreAboveTheEvaluatedFigures(sku: String) throws {
        let hardware = try KPUHardware.builtIn(sku)
        let table = try EnergyTable.named("kpu-16nm", for: hardware)
        for (preset, options) in [
            ("bert-base-uncased", GraphOptions()), ("bert-large-uncased", GraphOptions(batch: 2, sequenceLength: 512, precision: .bf16)),
            ("bert-tiny", GraphOptions(batch: 8, sequenceLength: 512, precision: .int8))
        ] {
            let graph = try EncoderGraphBuilder(config: try #require(EncoderConfig.preset(named: preset)), options: options).build()
            let bounds = KPUEvaluator.upperBounds(graph: graph, hardware: hardware, energy: table, precision: options.precision)
            for fusion in FusionPolicy.allCases {
                let evaluation = KPUEvaluator(
                    graph: graph, hardware: hardware, energy: table,
                    mapping: Mapper(graph: graph, hardware: hardware, precision: options.precision, fusion: fusion, residency: .dram).map()
                ).evaluate()
                let energy = Double(evaluation.operators.reduce(Int64(0)) { $0 + $1.energy.total.femtojoules })
                #expect(energy <= bounds.femtojoules, "\(preset) \(sku) \(fusion): energy \(energy) fJ above the bound \(bounds.femtojoules)")
                #expect(Double(evaluation.makespan.picoseconds) <= bounds.picoseconds, "\(preset) \(sku) \(fusion): time above the bound")
                // Not so loose that real workloads are refused: within 100× of the energy and 200× of
                // the time (flash-attention keeps a long sequence's scores on chip, far below a
                // bound that assumes every tensor passes every level eight times).
                #expect(bounds.femtojoules < 100 * energy && bounds.picoseconds < 200 * Double(evaluation.makespan.picoseconds))
            }
        }
    }

    @Test func bertLargeAtBatch64AndSequence4096ComputesAndBiggerIsAClearError() throws {
        var config = try #require(EncoderConfig.preset(named: "bert-large-uncased"))
        config.maxPositionEmbeddings = 4096
        let hardware = try KPUHardware.builtIn("kpu-t256")
        let table = try EnergyTable.named("kpu-16nm", for: hardware)
        let graph = try EncoderGraphBuilder(config: config, options: GraphOptions(batch: 64, sequenceLength: 4096)).build()
        try graph.checkTotalsFit(source: "test")
        try KPUEvaluator.checkWithinRange(graph: graph, hardware: hardware, energy: table, precision: .fp32, source: "test")
        // PyTorch-style closed form: per layer 4 projections + 2 FFN matmuls + QKᵀ and AV (all 64 × 4096 tokens), plus the pooler.
        let tokens = 64 * 4096, h = 1024, i = 4096, s = 4096
        let perLayer = tokens * h * h * 4 + tokens * h * i * 2 + 2 * tokens * s * h
        #expect(graph.macCount == 24 * perLayer + 64 * h * h)
        #expect(graph.macCount == 131_941_462_441_984)
        let huge = try EncoderGraphBuilder(config: config, options: GraphOptions(batch: 9_000_000, sequenceLength: 4096)).build()
        #expect(throws: InputError.self) { try huge.checkTotalsFit(source: "test") }
        let big = try EncoderGraphBuilder(config: config, options: GraphOptions(batch: 1024, sequenceLength: 4096)).build()
        try big.checkTotalsFit(source: "test")
        do {
            try KPUEvaluator.checkWithinRange(graph: big, hardware: hardware, energy: table, precision: .fp32, source: "big.json")
            Issue.record("a batch of 1024 × 4096 tokens fits in 64-bit femtojoules?")
        } catch {
            #expect(error.description.hasPrefix("big.json: workload: is too large"))
        }
    }
}
