import Support
import KPUModel
import ModelGraph
import Foundation
import ReportModel
import ReportRendering
import SitePublishing
import Yams

/// A grid of configurations: models (presets, configs, ONNX files) × sequence lengths ×
/// batches × precisions × SKUs × fusion policies × residencies × energy tables, from repeated command-line
/// options or a YAML file. Expanded in that nesting order, so a grid always lists its runs in
/// the same order (which `--shard` and `history.jsonl` rely on).
///
/// ```yaml
/// models: [bert-base-uncased, bert-large-uncased]   # presets
/// configs: [configs/my-bert.json]                    # Hugging Face config.json files
/// onnx: [exports/bert.onnx]
/// seq: [128, 512]
/// batch: [1]
/// precision: [fp32, bf16]
/// hardware: [kpu-t64, kpu-t256]                      # built-in SKUs
/// hardware_files: [skus/my-kpu.yaml]                 # ComputeProduct files
/// fusion: [none, vector-engine, epilogue]
/// residency: [l3, dram]
/// vary: {l3_mib: [16, 32, 64], dram_gbps: [128, 256]}   # knobs on top of each SKU
/// energy_table: [kpu-16nm]
/// profile: 30W
/// aggregate_hidden_states: none
/// dim: [batch=8]
/// ```
public struct SweepGrid: Sendable, Equatable {
    public var models: [RunRequest.Model] = []
    public var seqs: [Int?] = [nil]
    public var batches: [Int?] = [nil]
    public var precisions: [Precision?] = [nil]
    public var hardware: [RunRequest.Hardware] = [.builtIn(RunDescriptor.HardwareChoice.defaultSKU)]
    public var fusions: [FusionPolicy] = [.vectorEngine]
    public var residencies: [Residency] = [.l3]
    /// Knob values to sweep on top of each SKU: every combination, knobs in `HardwareKnob`'s order.
    public var vary: [HardwareKnob: [Double]] = [:]
    public var energyTables: [String] = [RunDescriptor.HardwareChoice.defaultEnergyTable]
    public var profile: String?
    public var aggregation = HiddenStateAggregation.none
    public var dimensions: [String] = []

    public init() {}

    public var requests: [RunRequest] {
        var requests: [RunRequest] = []
        for model in models {
            for seq in seqs {
                for batch in batches {
                    for precision in precisions {
                        for hardware in hardware {
                            for knobs in knobCombinations {
                                for fusion in fusions {
                                    for residency in residencies {
                                        for table in energyTables {
                                            requests.append(
                                                RunRequest(
                                                    model: model, batch: batch, seq: seq, precision: precision, aggregation: aggregation,
                                                    dimensions: dimensions, hardware: hardware, profile: profile, energyTable: table, fusion: fusion,
                                                    residency: residency, knobs: knobs))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return requests
    }

    /// Every combination of the varied knobs' values (one empty combination when nothing varies).
    var knobCombinations: [[HardwareKnob.Setting]] {
        HardwareKnob.allCases.reduce([[]]) { combinations, knob in
            guard let values = vary[knob], !values.isEmpty else { return combinations }
            return combinations.flatMap { combination in values.map { combination + [HardwareKnob.Setting(knob, $0)] } }
        }
    }

    /// Reads `KNOB=V1,V2,…` (`--vary`, or a grid file's entry), checking the knob and every value.
    public static func knobValues(_ text: String, source: String) throws(RunRequestError) -> (HardwareKnob, [Double]) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let known = HardwareKnob.allCases.map(\.rawValue).joined(separator: ", ")
        guard parts.count == 2, let knob = HardwareKnob(rawValue: parts[0].trimmingCharacters(in: .whitespaces)) else {
            throw RunRequestError("\(source) \(text): give KNOB=V1,V2,… with a knob of \(known)")
        }
        let items = parts[1].components(separatedBy: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let values = try items.map { trimmed throws(RunRequestError) -> Double in
            guard let value = Double(trimmed) else { throw RunRequestError("\(source) \(text): \(trimmed) is not a number") }
            do throws(InputError) { try knob.check(value) } catch { throw RunRequestError("\(source) \(knob.rawValue): \(error.message)") }
            return value
        }
        guard !values.isEmpty else { throw RunRequestError("\(source) \(text): give at least one value after =") }
        return (knob, values)
    }

    /// Every `count`-th configuration starting at `index` (1-based), for splitting a sweep
    /// across the jobs of a CI matrix.
    public static func shard(_ requests: [RunRequest], index: Int, count: Int) -> [RunRequest] {
        requests.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    /// Parses `--shard i/n`.
    public static func parseShard(_ text: String) throws(RunRequestError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else {
            throw RunRequestError("--shard \(text) is not I/N with 1 ≤ I ≤ N (e.g. --shard 2/4)")
        }
        return (index, count)
    }

    private struct File: Decodable {
        var models: [String]?
        var configs: [String]?
        var onnx: [String]?
        var seq: [Int]?
        var batch: [Int]?
        var precision: [String]?
        var hardware: [String]?
        var hardwareFiles: [String]?
        var fusion: [String]?
        var residency: [String]?
        var vary: [String: [Double]]?
        var energyTable: [String]?
        var profile: String?
        var aggregateHiddenStates: String?
        var dim: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case models, configs, onnx, seq, batch, precision, hardware, hardwareFiles = "hardware_files", fusion, residency, vary
            case energyTable = "energy_table", profile, aggregateHiddenStates = "aggregate_hidden_states", dim
        }
    }

    /// Reads a sweep file. Every key is checked: a misspelt one is an error, not a silently
    /// smaller grid. Relative paths in it are taken from the file's folder.
    public static func load(_ path: String) throws(RunRequestError) -> SweepGrid {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RunRequestError("\(path): cannot read the sweep file; check the path")
        }
        let node: Node
        let file: File
        do {
            guard let composed = try YAMLFile.compose(text, file: path) else { throw RunRequestError("\(path): is empty; list at least models: [...]") }
            node = composed
            guard let mapping = node.mapping else {
                throw RunRequestError("\(path): the top level must be a mapping of keys such as models, seq, hardware")
            }
            let known = Set(File.CodingKeys.allCases.map(\.stringValue))
            for key in mapping.keys {
                let name = key.string ?? "\(key)"
                if !known.contains(name) {
                    throw RunRequestError("\(path):\(key.mark.map { "\($0.line)" } ?? "?"): unknown key \(name); use \(known.sorted().joined(separator: ", "))")
                }
            }
            file = try YAMLFile.decode(File.self, from: node, file: path)
        } catch let error as RunRequestError {
            throw error
        } catch {
            // The one translator of YAML and decoding failures (`path: place: what to do`).
            throw RunRequestError(InputError.fromYAML(error, file: path).description)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ relative: String) -> String {
            relative.hasPrefix("/") ? relative : folder.appendingPathComponent(relative).standardizedFileURL.path
        }
        var grid = SweepGrid()
        grid.models = (file.models ?? []).map { .preset($0) } + (file.configs ?? []).map { .config(resolve($0)) } + (file.onnx ?? []).map { .onnx(resolve($0)) }
        guard !grid.models.isEmpty else { throw RunRequestError("\(path): names no model; add models:, configs: or onnx:") }
        if let seq = file.seq, !seq.isEmpty { grid.seqs = seq }
        if let batch = file.batch, !batch.isEmpty { grid.batches = batch }
        /// Each value of a list of one of a set's names, or an error naming the key and the set.
        func values<Value: RawRepresentable & CaseIterable>(_ texts: [String], key: String, kind: String) throws(RunRequestError) -> [Value]
        where Value.RawValue == String {
            try texts.map { text throws(RunRequestError) in
                guard let value = Value(rawValue: text) else {
                    throw RunRequestError("\(path): \(key): \(text) is not \(kind); use one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return value
            }
        }
        if let precision = file.precision, !precision.isEmpty { grid.precisions = try values(precision, key: "precision", kind: "a precision") }
        let hardware = (file.hardware ?? []).map { RunRequest.Hardware.builtIn($0) } + (file.hardwareFiles ?? []).map { .file(resolve($0)) }
        if !hardware.isEmpty { grid.hardware = hardware }
        if let fusion = file.fusion, !fusion.isEmpty { grid.fusions = try values(fusion, key: "fusion", kind: "a policy") }
        if let residency = file.residency, !residency.isEmpty { grid.residencies = try values(residency, key: "residency", kind: "a residency") }
        for (name, list) in (file.vary ?? [:]).sorted(by: { $0.key < $1.key }) {
            let (knob, values) = try knobValues("\(name)=" + list.map(HardwareKnob.text).joined(separator: ","), source: "\(path): vary:")
            grid.vary[knob] = values
        }
        if let tables = file.energyTable, !tables.isEmpty { grid.energyTables = tables }
        grid.profile = file.profile
        if let text = file.aggregateHiddenStates {
            guard let aggregation = HiddenStateAggregation(argument: text) else {
                throw RunRequestError("\(path): aggregate_hidden_states: \(text) is not understood; use none, last-K-sum (e.g. last-4-sum) or all-mean")
            }
            grid.aggregation = aggregation
        }
        grid.dimensions = file.dim ?? []
        return grid
    }
}
