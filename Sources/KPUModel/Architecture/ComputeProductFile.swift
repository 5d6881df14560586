/// The part of a branes ComputeProduct YAML that describes a KPU, as written in the file.
/// Unknown fields are ignored; a missing needed field is reported with its path.
struct ComputeProductFile: Decodable {
    var id: String
    var name: String
    var dies: [Die]
    var power: Power

    struct Die: Decodable {
        var processNodeId: String
        var blocks: [Block]?

        enum CodingKeys: String, CodingKey {
            case processNodeId = "process_node_id", blocks
        }
    }

    struct Block: Decodable {
        var kind: String
        var totalTiles: Int?
        var tiles: [Tile]?
        var noc: NoC?
        var memory: Memory?

        enum CodingKeys: String, CodingKey {
            case kind, totalTiles = "total_tiles", tiles, noc, memory
        }
    }

    struct Tile: Decodable {
        var tileType: String
        var numTiles: Int
        var peArrayRows: Int
        var peArrayCols: Int
        var opsPerTilePerClock: [String: Double]
        var scheduleClass: String
        var pipelineFillCycles: Int
        var pipelineDrainCycles: Int

        enum CodingKeys: String, CodingKey {
            case tileType = "tile_type", numTiles = "num_tiles", peArrayRows = "pe_array_rows", peArrayCols = "pe_array_cols"
            case opsPerTilePerClock = "ops_per_tile_per_clock", scheduleClass = "schedule_class"
            case pipelineFillCycles = "pipeline_fill_cycles", pipelineDrainCycles = "pipeline_drain_cycles"
        }
    }

    struct NoC: Decodable {
        var topology: String
        var meshRows: Int?
        var meshCols: Int?
        var flitBytes: Int?
        var bisectionBandwidthGbps: Double?

        enum CodingKeys: String, CodingKey {
            case topology, meshRows = "mesh_rows", meshCols = "mesh_cols", flitBytes = "flit_bytes"
            case bisectionBandwidthGbps = "bisection_bandwidth_gbps"
        }
    }

    struct Memory: Decodable {
        var memoryType: String
        var memoryBandwidthGbps: Double
        var memoryControllers: Int
        var l3KibPerTile: Int
        var l2KibPerTile: Int
        /// L1 is given per PE by some SKUs and per tile (fabric-edge stream storage) by others.
        var l1KibPerPe: Int?
        var l1KibPerTile: Int?
        /// Whether one L3 read reaches every tile that needs the data (over the mesh); absent:
        /// true. Not in branes' schema: this tool's own key, for SKUs whose block movers cannot.
        var l3Multicast: Bool?
        /// The share of the nominal bandwidth long DMA streams sustain; absent: the default.
        /// This tool's own key, like l3_multicast.
        var dramEfficiency: Double?

        enum CodingKeys: String, CodingKey {
            case memoryType = "memory_type", memoryBandwidthGbps = "memory_bandwidth_gbps"
            case memoryControllers = "memory_controllers", l3KibPerTile = "l3_kib_per_tile"
            case l2KibPerTile = "l2_kib_per_tile", l1KibPerPe = "l1_kib_per_pe", l1KibPerTile = "l1_kib_per_tile"
            case l3Multicast = "l3_multicast", dramEfficiency = "dram_efficiency"
        }
    }

    struct Power: Decodable {
        var idlePowerWatts: Double
        var defaultThermalProfile: String
        var thermalProfiles: [ThermalProfile]

        enum CodingKeys: String, CodingKey {
            case idlePowerWatts = "idle_power_watts", defaultThermalProfile = "default_thermal_profile"
            case thermalProfiles = "thermal_profiles"
        }
    }

    struct ThermalProfile: Decodable {
        var name: String
        var tdpWatts: Double
        var clockMhz: Double
        var efficiencyFactorByPrecision: [String: Double]?
        var tileUtilizationByPrecision: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case name, tdpWatts = "tdp_watts", clockMhz = "clock_mhz"
            case efficiencyFactorByPrecision = "efficiency_factor_by_precision"
            case tileUtilizationByPrecision = "tile_utilization_by_precision"
        }
    }
}

/// `kpu-engines.yaml`: engine counts, widths and clocks per SKU id.
struct EngineFile: Decodable {
    struct Engine: Decodable {
        var perMemoryController: Int?
        var perTile: Int?
        var busBytes: Int?
        var clockMhz: Double?
        var widthElements: Int?
        var pipelineDepth: Int?
        var source: String

        enum CodingKeys: String, CodingKey {
            case perMemoryController = "per_memory_controller", perTile = "per_tile", busBytes = "bus_bytes"
            case clockMhz = "clock_mhz", widthElements = "width_elements", pipelineDepth = "pipeline_depth", source
        }
    }

    struct Entry: Decodable {
        var dma: Engine
        var blockMover: Engine
        var streamer: Engine
        var vectorEngine: Engine

        enum CodingKeys: String, CodingKey {
            case dma, blockMover = "block_mover", streamer, vectorEngine = "vector_engine"
        }
    }
}

/// An energy-tables file: each table by its name, and the names in the file's order.
struct EnergyTablesFile: Decodable {
    var names: [String] = []
    var tables: [String: EnergyTableFile] = [:]

    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Name.self)
        for key in container.allKeys where tables[key.stringValue] == nil {
            names.append(key.stringValue)
            tables[key.stringValue] = try container.decode(EnergyTableFile.self, forKey: key)
        }
    }
}

/// One table of `energy-tables.yaml`.
struct EnergyTableFile: Decodable {
    struct ReadWrite: Decodable { var read: Double; var write: Double }
    struct Engines: Decodable {
        var dma: Double
        var blockMover: Double
        var streamer: Double
        enum CodingKeys: String, CodingKey { case dma, blockMover = "block_mover", streamer }
    }

    var title: String
    var source: String
    var dram: [String: ReadWrite]
    var l3: ReadWrite
    var l2: ReadWrite
    var l1: ReadWrite
    var engines: Engines
    var mac: [String: [String: Double]]
    var add: [String: [String: Double]]
    var derivation: String
}
