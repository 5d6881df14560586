import Foundation
import Support
import ModelGraph

/// A KPU SKU under one thermal profile, resolved into the figures the model uses: tile classes,
/// memory hierarchy capacities, engine bandwidths, clock and static power.
///
/// ```swift
/// let t256 = try KPUHardware.builtIn("kpu-t256")                 // its default profile
/// let mine = try KPUHardware.load(file: "my-sku.yaml", contents: text, profile: "10W")
/// let bandwidth = t256.dramBandwidth                              // bytes per second
/// ```
public struct KPUHardware: Sendable, Hashable {
    /// One class of compute tile (`INT8-primary`, `BF16-primary`, `Matrix`).
    public struct TileClass: Sendable, Hashable {
        public let name: String
        public var count: Int
        public let rows: Int
        public let columns: Int
        /// Operations per tile per clock by precision; a MAC is two operations.
        public let opsPerClock: [Precision: Double]
        public let scheduleClass: String
        public let fillCycles: Int
        public let drainCycles: Int

        /// MACs per clock for one tile at `precision`, or nil when the tile cannot run it.
        public func macsPerClock(_ precision: Precision) -> Double? {
            opsPerClock[precision].map { $0 / 2 }
        }
    }

    /// A data-movement engine group: how many, and the bandwidth of each.
    public struct EngineGroup: Sendable, Hashable {
        public var count: Int
        public var busBytes: Int
        public let clockMHz: Double
        public let source: String
        /// Bytes per second of one engine: bus width × clock.
        public var bandwidthPerEngine: Double { Double(busBytes) * clockMHz * 1e6 }
        public var aggregateBandwidth: Double { bandwidthPerEngine * Double(count) }
    }

    public let id: String
    public let name: String
    /// Where the description came from: `built-in kpu-t256` or a file path.
    public let source: String
    public let processNode: String
    public let profileName: String
    public var clockMHz: Double
    public let tdpWatts: Double
    public let idlePowerWatts: Double
    public var tileClasses: [TileClass]
    public let memoryType: String
    /// The memory's nominal bytes per second (memory_bandwidth_gbps).
    public var memoryBandwidth: Double
    /// The share of the nominal bandwidth that long DMA streams sustain (`memory.dram_efficiency`,
    /// else ``defaultDRAMEfficiency``): refresh, bank conflicts and read–write turnarounds keep
    /// real LPDDR5 and HBM3 controllers below their pin rate.
    public var dramEfficiency = KPUHardware.defaultDRAMEfficiency
    /// 85 %: what streaming benchmarks sustain on LPDDR5 and HBM3 controllers (80–90 %).
    public static let defaultDRAMEfficiency = 0.85
    public let memoryControllers: Int
    public var l3BytesPerTile: Int
    public var l2BytesPerTile: Int
    /// L1 of one tile: l1_kib_per_pe × the tile's PEs, or l1_kib_per_tile where the SKU gives that
    /// (the smallest tile class's, so a mapping that fits fits everywhere).
    public var l1BytesPerTile: Int
    /// Whether one L3 read serves every tile that needs the same data in a round (the block
    /// movers' transfer fans out over the mesh). `memory.l3_multicast` in a ComputeProduct;
    /// true when absent, as ZigZag counts a shared memory level's reads.
    public var l3Multicast: Bool
    public let nocTopology: String
    public var dma: EngineGroup
    public var blockMovers: EngineGroup
    public var streamers: EngineGroup
    public var vectorEngines: Int
    public var vectorWidth: Int
    public let vectorPipelineDepth: Int
    public let vectorEngineSource: String
    public let efficiencyByPrecision: [String: Double]
    public let tileUtilizationByPrecision: [String: Double]
    /// FNV-1a 64 of the ComputeProduct text the SKU was read from (built-in or a file), so a
    /// report names exactly which description it used.
    public internal(set) var contentHash = ""
    /// Every thermal profile the description names, in its order, and the one it defaults to.
    public internal(set) var thermalProfiles: [String] = []
    public internal(set) var defaultThermalProfile = ""

    public var totalTiles: Int { tileClasses.reduce(0) { $0 + $1.count } }
    public var l3Bytes: Int { l3BytesPerTile * totalTiles }
    public var l2Bytes: Int { l2BytesPerTile * totalTiles }
    public var clockHz: Double { clockMHz * 1e6 }

    /// External bandwidth: the lesser of what the memory sustains (nominal × efficiency) and
    /// what the DMA engines move.
    public var dramBandwidth: Double { min(memoryBandwidth * dramEfficiency, dma.aggregateBandwidth) }

    /// Vector-engine elements per second across all tiles.
    public var vectorThroughput: Double { Double(vectorEngines * vectorWidth) * clockHz }

    /// The fraction of tiles the scheduler keeps busy at `precision` (the profile's
    /// tile_utilization_by_precision). Where the profile gives none for this precision, the
    /// value of the nearest narrower floating type is used (fp32 and fp16 take bf16's), else 1.
    public func tileUtilization(_ precision: Precision) -> Double {
        Self.lookup(tileUtilizationByPrecision, precision) ?? 1
    }

    public static func lookup(_ table: [String: Double], _ precision: Precision) -> Double? {
        if let value = table[precision.rawValue] { return value }
        switch precision {
        case .fp32, .fp16: return table["bf16"]
        default: return nil
        }
    }

    /// Peak MACs per second at `precision` over every tile class that supports it.
    public func peakMACRate(_ precision: Precision) -> Double {
        tileClasses.reduce(0) { sum, tile in
            sum + Double(tile.count) * (tile.macsPerClock(precision) ?? 0)
        } * clockHz
    }

    /// The precisions at least one tile class has a rate for, in `Precision` order.
    public var precisions: [Precision] {
        Precision.allCases.filter { precision in tileClasses.contains { $0.opsPerClock[precision] != nil } }
    }

    /// Throws when no tile class runs `precision`: every matmul would take forever.
    public func checkRates(for precision: Precision) throws(InputError) {
        guard !precisions.contains(precision) else { return }
        let known = precisions.map(\.rawValue)
        throw InputError(
            source: source, place: "tiles[].ops_per_tile_per_clock",
            message: "no tile class has a rate for \(precision.rawValue); "
                + (known.isEmpty ? "add ops_per_tile_per_clock rates to a tile class" : "give --precision \(known.joined(separator: " or ")), which it has"))
    }

    /// Names of the built-in SKUs, as `--hardware` takes them: each `data/hardware/NAME.yaml`,
    /// numbers in names in numeric order (kpu-t64, kpu-t128, kpu-t256, kpu-t768).
    public static let builtInNames: [String] = BuiltInData.files.keys
        .compactMap { key -> String? in
            guard key.hasPrefix("hardware/"), key.hasSuffix(".yaml") else { return nil }
            let name = key.dropFirst("hardware/".count).dropLast(".yaml".count)
            return name.contains("/") ? nil : String(name)
        }
        .sorted { $0.compare($1, options: .numeric) == .orderedAscending }

    public static func builtIn(_ name: String, profile: String? = nil) throws(InputError) -> KPUHardware {
        guard builtInNames.contains(name), let text = BuiltInData.files["hardware/\(name).yaml"] else {
            throw InputError(
                source: "--hardware", place: name, message: "is not a built-in SKU; use one of \(builtInNames.joined(separator: ", ")), or --hardware-file FILE"
            )
        }
        return try parse(text, file: "built-in \(name)", profile: profile)
    }

    public static func load(file: String, contents: String, profile: String? = nil) throws(InputError) -> KPUHardware {
        try parse(contents, file: file, profile: profile)
    }

    static func parse(_ text: String, file: String, profile requested: String?) throws(InputError) -> KPUHardware {
        let product = try YAMLFile.decode(ComputeProductFile.self, from: text, file: file)
        guard
            let (dieIndex, blockIndex, block) = product.dies.enumerated().lazy.compactMap({ dieIndex, die in
                die.blocks?.enumerated().first { $0.element.kind == "kpu" }.map { (dieIndex, $0.offset, $0.element) }
            }).first
        else {
            throw InputError(source: file, place: "dies[].blocks[]", message: "has no block of kind: kpu; this tool models KPU ComputeProducts")
        }
        let blockPath = "dies[\(dieIndex)].blocks[\(blockIndex)]"
        guard let tiles = block.tiles, !tiles.isEmpty else {
            throw InputError(source: file, place: "\(blockPath).tiles", message: "is missing; list the tile classes")
        }
        guard let memory = block.memory else {
            throw InputError(
                source: file, place: "\(blockPath).memory",
                message: "is missing; add memory_type, memory_bandwidth_gbps, memory_controllers, l3_kib_per_tile, l2_kib_per_tile, l1_kib_per_pe")
        }
        let profileName = requested ?? product.power.defaultThermalProfile
        guard let profile = product.power.thermalProfiles.first(where: { $0.name == profileName }) else {
            let known = product.power.thermalProfiles.map(\.name).joined(separator: ", ")
            throw InputError(
                source: file, place: requested == nil ? "power.default_thermal_profile" : "--profile",
                message: "\(profileName) is not a thermal profile of this SKU; profiles: \(known)")
        }
        for (index, tile) in tiles.enumerated() where tile.numTiles < 1 || tile.peArrayRows < 1 || tile.peArrayCols < 1 {
            throw InputError(source: file, place: "\(blockPath).tiles[\(index)]", message: "needs num_tiles, pe_array_rows and pe_array_cols of at least 1")
        }
        let smallestArray = tiles.map { $0.peArrayRows * $0.peArrayCols }.min() ?? 1
        guard let l1BytesPerTile = memory.l1KibPerPe.map({ $0 * 1024 * smallestArray }) ?? memory.l1KibPerTile.map({ $0 * 1024 }) else {
            throw InputError(source: file, place: "\(blockPath).memory.l1_kib_per_pe", message: "is missing (nor is l1_kib_per_tile given); add one of them")
        }
        if memory.memoryBandwidthGbps <= 0 || memory.memoryControllers < 1 {
            throw InputError(source: file, place: "\(blockPath).memory", message: "needs a positive memory_bandwidth_gbps and at least one memory controller")
        }
        if let efficiency = memory.dramEfficiency, !(efficiency > 0 && efficiency <= 1) {
            throw InputError(
                source: file, place: "\(blockPath).memory.dram_efficiency",
                message: "is \(efficiency); give the sustained share of the nominal bandwidth, above 0 and at most 1 (e.g. 0.85)")
        }
        if profile.clockMhz <= 0 {
            throw InputError(source: file, place: "power.thermal_profiles.\(profile.name).clock_mhz", message: "must be positive")
        }

        let engines = try EngineTable.entry(for: product.id)
        let tileCount = tiles.reduce(0) { $0 + $1.numTiles }
        func group(_ engine: EngineFile.Engine, _ name: String) throws(InputError) -> EngineGroup {
            let count = (engine.perMemoryController ?? 0) * memory.memoryControllers + (engine.perTile ?? 0) * tileCount
            guard count > 0, let bus = engine.busBytes, let clock = engine.clockMhz else {
                throw InputError(source: "data/kpu-engines.yaml", place: "\(product.id).\(name)", message: "needs a count, bus_bytes and clock_mhz")
            }
            return EngineGroup(count: count, busBytes: bus, clockMHz: clock, source: engine.source)
        }
        var hardware = KPUHardware(
            id: product.id, name: product.name, source: file, processNode: product.dies[dieIndex].processNodeId,
            profileName: profile.name, clockMHz: profile.clockMhz, tdpWatts: profile.tdpWatts,
            idlePowerWatts: product.power.idlePowerWatts,
            tileClasses: tiles.map { tile in
                TileClass(
                    name: tile.tileType, count: tile.numTiles, rows: tile.peArrayRows, columns: tile.peArrayCols,
                    opsPerClock: Dictionary(
                        uniqueKeysWithValues: tile.opsPerTilePerClock.compactMap { key, value in
                            Precision(rawValue: key).map { ($0, value) }
                        }),
                    scheduleClass: tile.scheduleClass, fillCycles: tile.pipelineFillCycles, drainCycles: tile.pipelineDrainCycles
                )
            },
            memoryType: memory.memoryType, memoryBandwidth: memory.memoryBandwidthGbps * 1e9,
            memoryControllers: memory.memoryControllers,
            l3BytesPerTile: memory.l3KibPerTile * 1024, l2BytesPerTile: memory.l2KibPerTile * 1024,
            l1BytesPerTile: l1BytesPerTile, l3Multicast: memory.l3Multicast ?? true, nocTopology: block.noc?.topology ?? "unspecified",
            dma: try group(engines.dma, "dma"), blockMovers: try group(engines.blockMover, "block_mover"),
            streamers: try group(engines.streamer, "streamer"),
            vectorEngines: (engines.vectorEngine.perTile ?? 1) * tileCount,
            vectorWidth: engines.vectorEngine.widthElements ?? 8,
            vectorPipelineDepth: engines.vectorEngine.pipelineDepth ?? 3,
            vectorEngineSource: engines.vectorEngine.source,
            efficiencyByPrecision: profile.efficiencyFactorByPrecision ?? [:],
            tileUtilizationByPrecision: profile.tileUtilizationByPrecision ?? [:]
        )
        hardware.dramEfficiency = memory.dramEfficiency ?? Self.defaultDRAMEfficiency
        hardware.contentHash = contentFingerprint(text.utf8)
        hardware.thermalProfiles = product.power.thermalProfiles.map(\.name)
        hardware.defaultThermalProfile = product.power.defaultThermalProfile
        return hardware
    }
}

/// The project's engine descriptions (`data/kpu-engines.yaml`).
enum EngineTable {
    static let file = "data/kpu-engines.yaml"

    /// The built-in file, decoded once.
    static let entries = Result { () throws(InputError) in
        try YAMLFile.decode([String: EngineFile.Entry].self, from: BuiltInData.files["kpu-engines.yaml"] ?? "", file: file)
    }

    static func entry(for id: String) throws(InputError) -> EngineFile.Entry {
        let entries = try Self.entries.get()
        guard let entry = entries[id] ?? entries["default"] else {
            throw InputError(source: file, place: "default", message: "is missing")
        }
        return entry
    }
}
