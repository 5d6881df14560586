import Support
import ModelGraph

/// Energy per event for one technology, resolved for one SKU (its memory type and process node).
///
/// ```swift
/// let table = try EnergyTable.named("kpu-16nm", for: hardware)
/// let dramRead = table.dramRead // pJ per byte
/// ```
public struct EnergyTable: Sendable, Hashable {
    public let name: String
    public let title: String
    public let source: String
    public let derivation: String
    /// FNV-1a 64 of the energy-tables file the table was read from.
    public internal(set) var contentHash = ""
    /// The process key the MAC and add energies were taken from (`n16`, `n7`, `n45`, `n65`).
    public let node: String
    public var dramRead: Double
    public var dramWrite: Double
    public let l3Read: Double
    public let l3Write: Double
    public let l2Read: Double
    public let l2Write: Double
    public let l1Read: Double
    public let l1Write: Double
    public let dmaPerByte: Double
    public let blockMoverPerByte: Double
    public let streamerPerByte: Double
    let macByPrecision: [Precision: Double]
    let addByPrecision: [Precision: Double]

    /// pJ per multiply-accumulate.
    public func mac(_ precision: Precision) -> Double { macByPrecision[precision] ?? 0 }
    /// pJ per element-wise add (also sub).
    public func add(_ precision: Precision) -> Double { addByPrecision[precision] ?? 0 }

    /// The built-in tables, as `--energy-table` takes them, in the order `data/energy-tables.yaml` lists them.
    public static var names: [String] { (try? builtIn.get().names) ?? [] }

    /// `data/energy-tables.yaml`, decoded once, and its fingerprint.
    static let builtIn = Result { () throws(InputError) -> (names: [String], tables: [String: EnergyTableFile], hash: String) in
        let text = BuiltInData.files["energy-tables.yaml"] ?? ""
        let file = try parse(yaml: text, file: "data/energy-tables.yaml")
        return (file.names, file.tables, contentFingerprint(text.utf8))
    }

    /// Resolves a built-in table for a SKU: DRAM energy by the SKU's memory type, MAC and add
    /// energy by its process node when the table has that node, else the table's own node.
    public static func named(_ name: String, for hardware: KPUHardware) throws(InputError) -> EnergyTable {
        let builtIn = try builtIn.get()
        return try resolve(name, in: builtIn.tables, for: hardware, file: "data/energy-tables.yaml", hash: builtIn.hash)
    }

    /// The same, from the text of an energy-tables file (the fuzzer feeds this arbitrary bytes).
    public static func named(_ name: String, for hardware: KPUHardware, yaml text: String, file: String) throws(InputError) -> EnergyTable {
        try resolve(name, in: try parse(yaml: text, file: file).tables, for: hardware, file: file, hash: contentFingerprint(text.utf8))
    }

    /// Every table of an energy-tables file that resolves for the SKU, the file parsed once.
    public static func all(for hardware: KPUHardware, yaml text: String, file: String) throws(InputError) -> [EnergyTable] {
        let tables = try parse(yaml: text, file: file).tables
        let hash = contentFingerprint(text.utf8)
        return tables.keys.sorted().compactMap { try? resolve($0, in: tables, for: hardware, file: file, hash: hash) }
    }

    static func parse(yaml text: String, file: String) throws(InputError) -> EnergyTablesFile {
        try YAMLFile.decode(EnergyTablesFile.self, from: text, file: file)
    }

    static func resolve(
        _ name: String, in tables: [String: EnergyTableFile], for hardware: KPUHardware, file: String,
        hash: String
    ) throws(InputError) -> EnergyTable {
        guard let table = tables[name] else {
            throw InputError(source: "--energy-table", place: name, message: "is not an energy table; use one of \(names.joined(separator: ", "))")
        }
        guard let dram = table.dram[hardware.memoryType] else {
            throw InputError(
                source: file, place: "\(name).dram.\(hardware.memoryType)", message: "is missing; this table has no energy for \(hardware.memoryType)")
        }
        // tsmc_n16 → n16; a table written for one node (n45) applies to every SKU.
        let skuNode = "n" + hardware.processNode.filter(\.isNumber)
        let node = table.mac[skuNode] != nil ? skuNode : (table.mac.keys.sorted().first ?? skuNode)
        guard let macs = table.mac[node], let adds = table.add[node] else {
            throw InputError(source: file, place: "\(name).mac.\(node)", message: "is missing")
        }
        func byPrecision(_ values: [String: Double]) -> [Precision: Double] {
            Dictionary(uniqueKeysWithValues: values.compactMap { key, value in Precision(rawValue: key).map { ($0, value) } })
        }
        for precision in Precision.allCases where macs[precision.rawValue] == nil || adds[precision.rawValue] == nil {
            throw InputError(
                source: file, place: "\(name).mac/add.\(node).\(precision.rawValue)",
                message: "is missing; every table needs MAC and add energy for each precision")
        }
        var resolved = EnergyTable(
            name: name, title: table.title, source: table.source, derivation: table.derivation, node: node,
            dramRead: dram.read, dramWrite: dram.write, l3Read: table.l3.read, l3Write: table.l3.write,
            l2Read: table.l2.read, l2Write: table.l2.write, l1Read: table.l1.read, l1Write: table.l1.write,
            dmaPerByte: table.engines.dma, blockMoverPerByte: table.engines.blockMover, streamerPerByte: table.engines.streamer,
            macByPrecision: byPrecision(macs), addByPrecision: byPrecision(adds)
        )
        resolved.contentHash = hash
        return resolved
    }

    /// A copy with every energy multiplied by `factor` (for what-if and monotonicity checks).
    public func scaled(by factor: Double) -> EnergyTable {
        EnergyTable(
            name: name, title: title, source: source, derivation: derivation, node: node,
            dramRead: dramRead * factor, dramWrite: dramWrite * factor, l3Read: l3Read * factor, l3Write: l3Write * factor,
            l2Read: l2Read * factor, l2Write: l2Write * factor, l1Read: l1Read * factor, l1Write: l1Write * factor,
            dmaPerByte: dmaPerByte * factor, blockMoverPerByte: blockMoverPerByte * factor, streamerPerByte: streamerPerByte * factor,
            macByPrecision: macByPrecision.mapValues { $0 * factor }, addByPrecision: addByPrecision.mapValues { $0 * factor }
        )
    }
}
