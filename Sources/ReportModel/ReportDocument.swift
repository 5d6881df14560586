import AddAnalysis
import KPUModel
import Foundation
import Support
import ModelGraph

/// The machine-readable twin of a run page (`report.json`): every figure on the page, with the
/// per-add records behind it, so readers can check any number.
public struct ReportDocument: Codable, Sendable {
    public var schemaVersion = 1
    public var tool: Tool
    /// Only from --date or SOURCE_DATE_EPOCH.
    public var generated: String?
    public var runId: String
    public var model: Model
    public var adds: [Add]
    public var categories: [Category]
    public var groups: [Group]
    /// What the reader should know about the input (ops of unknown cost, bound dimensions).
    public var notes: [String]?
    public var addTotals: AddTotals
    public var hardware: Hardware?
    public var fusion: String?
    /// The whole model under the chosen policy: every op, adds and others.
    public var totals: KPUFigures?
    /// Headline figures of each policy, for the what-if comparison.
    public var policies: [String: KPUFigures]?

    public struct Tool: Codable, Sendable { public var name: String; public var version: String }

    /// The SKU and thermal profile in a few words (`KPU-T256 30W`), or a dash for a graph-only run.
    public var hardwareLabel: String {
        hardware.map { "\($0.name.replacingOccurrences(of: "Stillwater ", with: "")) \($0.profile)" } ?? "—"
    }

    /// Reads what `jsonData()` writes.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    public struct Model: Codable, Sendable {
        public var name: String
        public var family: String?
        /// The structure found in the graph, in one sentence.
        public var architecture: String
        public var source: String
        public var sourceHash: String?
        public var layers: Int
        public var hidden: Int
        public var heads: Int
        public var intermediate: Int
        public var vocab: Int
        public var maxPositions: Int
        public var typeVocab: Int
        /// The config's `hidden_act`; null for an ONNX export, whose activation is its ops.
        public var hiddenAct: String?
        public var params: Int
        public var macs: Int
        public var batch: Int
        public var seq: Int
        public var precision: String
        public var aggregation: String
        public var opCounts: [String: Int]
    }

    public struct Add: Codable, Sendable {
        public var name: String
        public var category: String
        public var shape: [Int]
        public var dtype: String
        public var elements: Int
        public var flops: Int
        public var bytes: Int
        public var bytesRead: Int
        public var bytesWritten: Int
        public var fusedIn: String?

        // Written out so `fused_in` appears as null for explicit Add nodes instead of vanishing.
        public func encode(to encoder: Encoder) throws {
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

    public struct Category: Codable, Sendable {
        public var id: String
        public var title: String
        /// All adds of the category, including those inside fused ops.
        public var count: Int
        /// Explicit Add nodes only.
        public var explicit: Int?
        public var elements: Int
        public var flops: Int
        /// Each input read once, the output written once.
        public var minimalBytes: Int
        public var bytes: LevelBytes?
        public var energyPj: EnergyPicojoules?
        public var latencyS: Double?
        public var edp: Double?
        public var shareEnergy: Double?
        public var shareLatency: Double?
        /// Adds of the category whose main operand and result stay off DRAM under the chosen policy.
        public var addsOffDram: Int?
        /// The same category under each policy.
        public var byPolicy: [String: KPUFigures]?
    }

    public struct LevelBytes: Codable, Sendable { var dram: Int; public var l3: Int; public var l2: Int; public var l1: Int }
    /// An energy split as report.json writes it, in picojoules.
    public struct EnergyPicojoules: Codable, Sendable {
        public var compute: Double
        public var memory: Double
        public var dram: Double
        public var l3: Double
        public var l2: Double
        public var l1: Double
        public var engines: Double
        public var `static`: Double
        public var total: Double

        /// The total in joules: the one conversion of report.json's picojoules.
        public var joules: Double { total * 1e-12 }
    }
    public struct KPUFigures: Codable, Sendable {
        public var bytes: LevelBytes
        public var energyPj: EnergyPicojoules
        public var latencyS: Double
        public var edp: Double
        public var macs: Int
    }
    public struct Hardware: Codable, Sendable {
        public var name: String
        public var id: String
        public var source: String
        public var profile: String
        public var clockMhz: Double
        public var tdpW: Double
        public var idlePowerW: Double
        public var tiles: Int
        public var peakMacsPerS: Double
        public var memoryType: String
        public var dramBandwidthGbS: Double
        public var l3Bytes: Int
        public var l2Bytes: Int
        public var l1BytesPerTile: Int
        public var dmaEngines: Int
        public var blockMovers: Int
        public var streamers: Int
        public var vectorEngines: Int
        public var energyTable: String
        public var energyTableTitle: String
        public var energyTableSource: String
        public var attributionRule: String
        /// Fingerprints of the ComputeProduct text and of the energy-tables file (absent in
        /// reports written before they were recorded).
        public var sourceHash: String?
        public var energyTableHash: String?
    }

    public struct Group: Codable, Sendable {
        public var id: String
        public var title: String
        public var categories: [String]
        public var count: Int
        public var explanation: String
    }

    public struct AddTotals: Codable, Sendable {
        public var adds: Int
        public var elements: Int
        public var flops: Int
        public var minimalBytes: Int
        public var kpu: KPUFigures?
        public var shareEnergy: Double?
        public var shareLatency: Double?
    }
}

extension RunReport {
    public var document: ReportDocument {
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
                             shareEnergy: kpu.map(\.chosenCosts.addShareOfEnergy),
                             shareLatency: kpu.map(\.chosenCosts.addShareOfLatency)),
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

    static func figures(_ f: CostFigures) -> ReportDocument.KPUFigures {
        let e = f.energy
        func pJ(_ energy: Energy) -> Double { energy.picojoules }
        return ReportDocument.KPUFigures(
            bytes: .init(dram: f.traffic.dram.total, l3: f.traffic.l3.total, l2: f.traffic.l2.total, l1: f.traffic.l1.total),
            energyPj: .init(compute: pJ(e.compute), memory: pJ(e.memory), dram: pJ(e.dram), l3: pJ(e.l3), l2: pJ(e.l2), l1: pJ(e.l1),
                            engines: pJ(e.engines), static: pJ(e.staticEnergy), total: pJ(e.total)),
            latencyS: f.latency.seconds, edp: f.edp.jouleSeconds, macs: f.macs
        )
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
