import AddAnalysis
import KPUModel
import Foundation
import Support
import ModelGraph

/// The machine-readable twin of a run page (`report.json`): every figure on the page, with the
/// per-add records behind it, so readers can check any number.
struct ReportDocument: Codable, Sendable {
    var schemaVersion = 1
    var tool: Tool
    /// Only from --date or SOURCE_DATE_EPOCH.
    var generated: String?
    var runId: String
    var model: Model
    var adds: [Add]
    var categories: [Category]
    var groups: [Group]
    /// What the reader should know about the input (ops of unknown cost, bound dimensions).
    var notes: [String]?
    var addTotals: AddTotals
    var hardware: Hardware?
    var fusion: String?
    /// The whole model under the chosen policy: every op, adds and others.
    var totals: KPUFigures?
    /// Headline figures of each policy, for the what-if comparison.
    var policies: [String: KPUFigures]?

    struct Tool: Codable, Sendable { var name: String; var version: String }

    /// The headline figures as the site index and the comparison page print them.
    var cells: (hardware: String, latency: String, energy: String, edp: String, addShare: String) {
        (hardware: hardware.map { "\($0.name.replacingOccurrences(of: "Stillwater ", with: "")) \($0.profile)" } ?? "—",
         latency: totals.map { Format.seconds($0.latencyS) } ?? "—",
         energy: totals.map { Format.joules($0.energyPj.total * 1e-12) } ?? "—",
         edp: totals.map { Format.scientific($0.edp, unit: "J·s") } ?? "—",
         addShare: addTotals.shareEnergy.map { Format.percent($0) } ?? "—")
    }

    /// Reads what `jsonData()` writes.
    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    struct Model: Codable, Sendable {
        var name: String
        var family: String?
        /// The structure found in the graph, in one sentence.
        var architecture: String
        var source: String
        var sourceHash: String?
        var layers: Int
        var hidden: Int
        var heads: Int
        var intermediate: Int
        var vocab: Int
        var maxPositions: Int
        var typeVocab: Int
        /// The config's `hidden_act`; null for an ONNX export, whose activation is its ops.
        var hiddenAct: String?
        var params: Int
        var macs: Int
        var batch: Int
        var seq: Int
        var precision: String
        var aggregation: String
        var opCounts: [String: Int]
    }

    struct Add: Codable, Sendable {
        var name: String
        var category: String
        var shape: [Int]
        var dtype: String
        var elements: Int
        var flops: Int
        var bytes: Int
        var bytesRead: Int
        var bytesWritten: Int
        var fusedIn: String?

        // Written out so `fused_in` appears as null for explicit Add nodes instead of vanishing.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(category, forKey: .category)
            try c.encode(shape, forKey: .shape)
            try c.encode(dtype, forKey: .dtype)
            try c.encode(elements, forKey: .elements)
            try c.encode(flops, forKey: .flops)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(bytesRead, forKey: .bytesRead)
            try c.encode(bytesWritten, forKey: .bytesWritten)
            try c.encode(fusedIn, forKey: .fusedIn)
        }
    }

    struct Category: Codable, Sendable {
        var id: String
        var title: String
        /// All adds of the category, including those inside fused ops.
        var count: Int
        /// Explicit Add nodes only.
        var explicit: Int?
        var elements: Int
        var flops: Int
        /// Each input read once, the output written once.
        var minimalBytes: Int
        var bytes: LevelBytes?
        var energyPj: Energy?
        var latencyS: Double?
        var edp: Double?
        var shareEnergy: Double?
        var shareLatency: Double?
        /// Adds of the category whose main operand and result stay off DRAM under the chosen policy.
        var addsOffDram: Int?
        /// The same category under each policy.
        var byPolicy: [String: KPUFigures]?
    }

    struct LevelBytes: Codable, Sendable { var dram: Int; var l3: Int; var l2: Int; var l1: Int }
    struct Energy: Codable, Sendable {
        var compute: Double
        var memory: Double
        var dram: Double
        var l3: Double
        var l2: Double
        var l1: Double
        var engines: Double
        var `static`: Double
        var total: Double
    }
    struct KPUFigures: Codable, Sendable {
        var bytes: LevelBytes
        var energyPj: Energy
        var latencyS: Double
        var edp: Double
        var macs: Int
    }
    struct Hardware: Codable, Sendable {
        var name: String
        var id: String
        var source: String
        var profile: String
        var clockMhz: Double
        var tdpW: Double
        var idlePowerW: Double
        var tiles: Int
        var peakMacsPerS: Double
        var memoryType: String
        var dramBandwidthGbS: Double
        var l3Bytes: Int
        var l2Bytes: Int
        var l1BytesPerTile: Int
        var dmaEngines: Int
        var blockMovers: Int
        var streamers: Int
        var vectorEngines: Int
        var energyTable: String
        var energyTableTitle: String
        var energyTableSource: String
        var attributionRule: String
        /// Fingerprints of the ComputeProduct text and of the energy-tables file (absent in
        /// reports written before they were recorded).
        var sourceHash: String?
        var energyTableHash: String?
    }

    struct Group: Codable, Sendable {
        var id: String
        var title: String
        var categories: [String]
        var count: Int
        var explanation: String
    }

    struct AddTotals: Codable, Sendable {
        var adds: Int
        var elements: Int
        var flops: Int
        var minimalBytes: Int
        var kpu: KPUFigures?
        var shareEnergy: Double?
        var shareLatency: Double?
    }
}

extension RunReport {
    var document: ReportDocument {
        let hash: String? = switch descriptor.source {
        case .configFile(_, let digest), .onnxFile(_, let digest, _): digest
        case .preset: config.fingerprint
        }
        return ReportDocument(
            tool: .init(name: ToolInfo.name, version: ToolInfo.version),
            generated: date,
            runId: runID,
            model: .init(
                name: config.name, family: modelFamily, architecture: analysis.architecture.description,
                source: descriptor.sourceDescription, sourceHash: hash,
                layers: config.layerCount, hidden: config.hiddenSize, heads: config.headCount,
                intermediate: config.intermediateSize, vocab: config.vocabSize,
                maxPositions: config.maxPositionEmbeddings, typeVocab: config.typeVocabSize,
                hiddenAct: isONNX ? nil : config.hiddenActivation.rawValue, params: parameterCount, macs: macCount,
                batch: options.batch, seq: options.sequenceLength, precision: options.precision.rawValue,
                aggregation: options.aggregation.description,
                opCounts: Dictionary(uniqueKeysWithValues: opCounts.map { ($0.key.rawValue, $0.value) })
            ),
            adds: analysis.records.map {
                .init(name: $0.name, category: $0.category.id, shape: $0.shape, dtype: $0.dtype.rawValue,
                      elements: $0.elements, flops: $0.flops, bytes: $0.minimalBytes,
                      bytesRead: $0.minimalReadBytes, bytesWritten: $0.minimalWriteBytes, fusedIn: $0.fusedIn)
            },
            categories: analysis.categories.map { summary in
                var category = ReportDocument.Category(id: summary.category.id, title: summary.category.title, count: summary.count, explicit: summary.explicit,
                                                       elements: summary.elements, flops: summary.flops, minimalBytes: summary.minimalBytes)
                if let kpu, let cost = kpu.chosenCosts.cost(of: summary.category) {
                    let figures = Self.figures(cost.figures)
                    category.bytes = figures.bytes
                    category.energyPj = figures.energyPj
                    category.latencyS = figures.latencyS
                    category.edp = figures.edp
                    category.shareEnergy = cost.shareOfEnergy
                    category.shareLatency = cost.shareOfLatency
                    category.addsOffDram = cost.addsOffDRAM
                    category.byPolicy = Dictionary(uniqueKeysWithValues: kpu.costs.compactMap { policy, costs in
                        costs.cost(of: summary.category).map { (policy.rawValue, Self.figures($0.figures)) }
                    })
                }
                return category
            },
            groups: AddGroup.allCases.map {
                .init(id: $0.rawValue, title: $0.title, categories: $0.categories.map(\.id), count: analysis.count(of: $0), explanation: $0.explanation)
            },
            notes: notes.isEmpty ? nil : notes,
            addTotals: .init(adds: analysis.totalCount, elements: analysis.records.reduce(0) { $0 + $1.elements },
                             flops: analysis.totalFLOPs, minimalBytes: analysis.totalMinimalBytes,
                             kpu: kpu.map { Self.figures($0.chosenCosts.adds) },
                             shareEnergy: kpu.map { k in Self.share(k.chosenCosts.adds.energy.total, k.chosenCosts.model.energy.total) },
                             shareLatency: kpu.map { k in Self.share(k.chosenCosts.adds.latencyPicoseconds, k.chosenCosts.model.latencyPicoseconds) }),
            hardware: kpu.map { k in
                let hw = k.hardware, table = k.energyTable
                return ReportDocument.Hardware(
                    name: hw.name, id: hw.id, source: hw.source, profile: hw.profileName, clockMhz: hw.clockMHz, tdpW: hw.tdpWatts,
                    idlePowerW: hw.idlePowerWatts, tiles: hw.totalTiles, peakMacsPerS: hw.peakMACRate(options.precision),
                    memoryType: hw.memoryType, dramBandwidthGbS: hw.dramBandwidth / 1e9, l3Bytes: hw.l3Bytes, l2Bytes: hw.l2Bytes,
                    l1BytesPerTile: hw.l1BytesPerTile, dmaEngines: hw.dma.count, blockMovers: hw.blockMovers.count,
                    streamers: hw.streamers.count, vectorEngines: hw.vectorEngines, energyTable: table.name,
                    energyTableTitle: table.title, energyTableSource: table.source, attributionRule: KPUEvaluation.attributionRule,
                    sourceHash: hw.contentHash, energyTableHash: table.contentHash
                )
            },
            fusion: kpu?.chosen.fusion.rawValue,
            totals: kpu.map { Self.figures($0.chosenCosts.model) },
            policies: kpu.map { k in Dictionary(uniqueKeysWithValues: k.costs.map { ($0.key.rawValue, Self.figures($0.value.model)) }) }
        )
    }

    static func share<T: BinaryInteger>(_ part: T, _ whole: T) -> Double {
        whole > 0 ? Double(part) / Double(whole) : 0
    }

    static func figures(_ f: CostFigures) -> ReportDocument.KPUFigures {
        let e = f.energy
        func pJ(_ femtojoules: Int64) -> Double { Double(femtojoules) / 1000 }
        return ReportDocument.KPUFigures(
            bytes: .init(dram: f.traffic.dram.total, l3: f.traffic.l3.total, l2: f.traffic.l2.total, l1: f.traffic.l1.total),
            energyPj: .init(compute: pJ(e.compute), memory: pJ(e.memory), dram: pJ(e.dram), l3: pJ(e.l3), l2: pJ(e.l2), l1: pJ(e.l1),
                            engines: pJ(e.engines), static: pJ(e.staticEnergy), total: pJ(e.total)),
            latencyS: f.latencySeconds, edp: f.edp, macs: f.macs
        )
    }

    /// `schedule.json`: every busy interval of the chosen policy's schedule, in picoseconds.
    /// Columnar (one array per field, ops and categories as indexes into name lists): a few
    /// thousand events stay small and quick to write and to load into a notebook or a trace viewer.
    public func scheduleData() throws -> Data? {
        guard let kpu else { return nil }
        let hw = kpu.hardware
        // Only ops that own events are listed, in first-event order.
        var opSlot: [Int: Int] = [:]
        var ops: [Int] = []
        var slots: [Int] = []
        slots.reserveCapacity(kpu.chosen.events.count)
        for event in kpu.chosen.events {
            if let known = opSlot[event.opIndex] {
                slots.append(known)
            } else {
                opSlot[event.opIndex] = ops.count
                slots.append(ops.count)
                ops.append(event.opIndex)
            }
        }
        let lanes: [(id: String, units: Int, note: String)] = [
            ("dma", hw.dma.count, "transfers are striped across all channels, so each channel carries the same interval"),
            ("block_movers", hw.blockMovers.count, "L3 to L2"),
            ("streamers", hw.streamers.count, "L2 to L1 and the drain back"),
            ("compute", hw.tileClasses.filter { $0.macsPerClock(options.precision) != nil }.reduce(0) { $0 + $1.count }, "tiles that run \(options.precision.rawValue)"),
            ("vector_engine", hw.vectorEngines, "one per tile on the drain path"),
        ]
        let events = kpu.chosen.events
        // Keys in sorted order, as the file has always been written.
        let json = JSONWriter(capacity: 64 * events.count + 4096)
        json.object {
            json.field("events") {
                json.object {
                    json.field("bytes") { json.array(events) { json.int($0.bytes) } }
                    json.field("chunk") { json.array(events) { json.int($0.chunk) } }
                    json.field("end_ps") { json.array(events) { json.int($0.endPicoseconds) } }
                    json.field("lane") { json.array(events) { json.string($0.lane.rawValue) } }
                    json.field("op") { json.array(slots) { json.int($0) } }
                    json.field("stage") { json.array(events) { json.string($0.stage.rawValue) } }
                    json.field("start_ps") { json.array(events) { json.int($0.startPicoseconds) } }
                }
            }
            json.field("fusion") { json.string(kpu.chosen.fusion.rawValue) }
            json.field("lanes") {
                json.array(lanes) { lane in
                    json.object {
                        json.field("id") { json.string(lane.id) }
                        json.field("note") { json.string(lane.note) }
                        json.field("units") { json.int(lane.units) }
                    }
                }
            }
            json.field("makespan_ps") { json.int(kpu.chosen.makespanPicoseconds) }
            // The add category of each op in `ops`, or null for ops that are not adds.
            json.field("op_category") { json.array(ops) { json.optionalString(kpu.categoryOfOp[$0]?.id) } }
            // Op paths; `events.op` and `op_category` index into it.
            json.field("ops") { json.array(ops) { json.string(kpu.opPaths[$0]) } }
            json.field("time_unit") { json.string("ps") }
        }
        var data = Data(json.bytes)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// `report.json`: keys sorted and snake_case, so identical inputs give identical bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(document)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
