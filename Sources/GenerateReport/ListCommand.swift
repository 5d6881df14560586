import ArgumentParser
import KPUModel
import ConfigFrontend
import ModelGraph
import ReportModel
import ReportRendering
import SitePublishing

/// `generate-report list`: what the options take, with the figures that tell the choices apart.
struct ListCommand: ParsableCommand, HasExamples {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the model presets, built-in SKUs with their thermal profiles, energy tables, fusion policies and precisions."
    )

    static let examples = [
        "generate-report list",
        "generate-report list | grep -A5 'Built-in SKUs'"
    ]

    func run() throws {
        print(try Self.text())
    }

    static func text() throws -> String {
        var lines = ["Model presets (--model): family, layers × hidden × heads, parameters"]
        let models = try EncoderConfig.presetNames.map { name in
            let config = EncoderConfig.preset(named: name)!
            let graph = try EncoderGraphBuilder(config: config, options: GraphOptions()).build()
            return [name, config.family.displayName, "\(config.layerCount) × \(config.hiddenSize) × \(config.headCount)", Format.grouped(graph.parameterCount)]
        }
        lines += table(models, rightAligned: [3])
        lines += ["", "Built-in SKUs (--hardware) and their thermal profiles (--profile; * marks the default)"]
        let skus = try KPUHardware.builtInNames.map { name in
            let hardware = try KPUHardware.builtIn(name)
            let profiles = hardware.thermalProfiles.map { $0 == hardware.defaultThermalProfile ? "\($0)*" : $0 }
            return [name, hardware.name, "\(hardware.totalTiles) tiles", profiles.joined(separator: ", ")]
        }
        lines += table(skus, rightAligned: [2])
        lines += ["", "Energy tables (--energy-table)"]
        let reference = try KPUHardware.builtIn(RunDescriptor.HardwareChoice.defaultSKU)
        lines += table(try EnergyTable.names.map { [$0, try EnergyTable.named($0, for: reference).title] }, rightAligned: [])
        lines += ["", "Fusion policies (--fusion)"]
        lines += table(FusionPolicy.allCases.map { [$0.rawValue, $0.summary] }, rightAligned: [])
        lines += ["", "Residencies (--residency)"]
        lines += table(Residency.allCases.map { [$0.rawValue, $0.summary] }, rightAligned: [])
        lines += ["", "Precisions (--precision): " + Precision.allCases.map(\.rawValue).joined(separator: ", ")]
        return lines.joined(separator: "\n")
    }

    /// Rows as aligned columns, indented by two spaces.
    static func table(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            "  "
                + row.enumerated().map { column, cell in
                    let padding = String(repeating: " ", count: widths[column] - cell.count)
                    return rightAligned.contains(column) ? padding + cell : (column == row.count - 1 ? cell : cell + padding)
                }.joined(separator: "   ")
        }
    }
}
