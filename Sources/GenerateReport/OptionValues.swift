import ArgumentParser
import Foundation
import KPUModel
import ConfigFrontend
import ModelGraph
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

// Option values as swift-argument-parser types, so every option's help lists what it takes and
// a value outside the list is refused while parsing, naming the option.

extension Precision: ExpressibleByArgument {}

extension HiddenStateAggregation {
    /// `--aggregate-hidden-states`: `none`, `last-K-sum` or `all-mean`; a refusal names them.
    static func parseOption(_ text: String) throws -> HiddenStateAggregation {
        guard let value = HiddenStateAggregation(argument: text) else {
            throw ValidationError("use none, last-K-sum (e.g. last-4-sum) or all-mean")
        }
        return value
    }
}

extension OutputFormat: ExpressibleByArgument {}

extension SweepPages: ExpressibleByArgument {}

extension FusionPolicy: ExpressibleByArgument {
    /// Each policy with what it does, listed under the option in help.
    public static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0.summary) })
    }
}

extension Residency: ExpressibleByArgument {
    /// Each residency with its rule, listed under the option in help.
    public static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0.summary) })
    }
}

/// A value from a list known only at run time (presets, built-in SKUs, energy tables).
protocol ListedValue: ExpressibleByArgument, Hashable, Sendable {
    static var names: [String] { get }
    var name: String { get }
    init(checked name: String)
}

extension ListedValue {
    init?(argument: String) {
        guard Self.names.contains(argument) else { return nil }
        self.init(checked: argument)
    }

    static var allValueStrings: [String] { names }
    var defaultValueDescription: String { name }
}

/// A built-in model preset (`--model`).
struct PresetName: ListedValue {
    static var names: [String] { EncoderConfig.presetNames }
    let name: String
    init(checked name: String) { self.name = name }
}

/// A built-in KPU SKU (`--hardware`).
struct SKUName: ListedValue {
    static var names: [String] { KPUHardware.builtInNames }
    let name: String
    init(checked name: String) { self.name = name }
}

/// A built-in energy table (`--energy-table`).
struct EnergyTableName: ListedValue {
    static var names: [String] { EnergyTable.names }
    let name: String
    init(checked name: String) { self.name = name }
}

/// The headline metrics `--fail-on-regression` watches, comma-separated (`latency,energy`).
struct WatchedMetrics: ExpressibleByArgument, Sendable {
    static let all = ["latency", "energy", "edp"]
    let names: Set<String>

    init?(argument: String) {
        let names = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty, names.allSatisfy(Self.all.contains) else { return nil }
        self.names = Set(names)
    }

    static var allValueStrings: [String] { all }
    var defaultValueDescription: String { Self.all.filter(names.contains).joined(separator: ",") }
}
