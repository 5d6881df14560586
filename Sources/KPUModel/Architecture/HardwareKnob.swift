import Support

/// A parameter of a KPU that a design-space sweep varies on top of a SKU (`sweep --vary
/// KNOB=V1,V2,…`): what it scales, in which unit, and the values the model can take.
///
/// ```swift
/// var hardware = try KPUHardware.builtIn("kpu-t256")
/// var table = try EnergyTable.named("kpu-16nm", for: hardware)
/// try HardwareKnob.l3MiB.apply(32, to: &hardware, energy: &table)   // 32 MiB of L3 in all
/// ```
public enum HardwareKnob: String, Sendable, Hashable, CaseIterable, Codable {
    case l1KiB = "l1_kib"
    case l2KiB = "l2_kib"
    case l3MiB = "l3_mib"
    case dramGBps = "dram_gbps"
    case dramPJPerByte = "dram_pj_per_byte"
    case clockMHz = "clock_mhz"
    case tiles
    case dmaEngines = "dma_engines"
    case vectorLanes = "vector_lanes"

    /// What the knob sets, with its unit.
    public var summary: String {
        switch self {
        case .l1KiB: "L1 per tile, KiB"
        case .l2KiB: "L2 per tile, KiB (the block a tile holds)"
        case .l3MiB: "L3 in all, MiB (split evenly over the tiles)"
        case .dramGBps: "nominal external memory bandwidth, GB/s (sustained: × dram_efficiency; the DMA engines still cap it)"
        case .dramPJPerByte: "DRAM read and write energy, pJ per byte"
        case .clockMHz: "the tiles' and vector engines' clock, MHz"
        case .tiles:
            "compute tiles in all, keeping the SKU's mix of tile classes (block movers, streamers and vector engines per tile follow; L3 keeps its total)"
        case .dmaEngines: "DMA engines in all"
        case .vectorLanes: "lanes of each vector engine"
        }
    }

    /// The values the model can take, inclusive.
    public var validRange: ClosedRange<Double> {
        switch self {
        case .l1KiB: 1...1_048_576
        case .l2KiB: 1...1_048_576
        case .l3MiB: 1...1_048_576
        case .dramGBps: 0.001...1_000_000
        case .dramPJPerByte: 0...10_000
        case .clockMHz: 1...100_000
        case .tiles: 1...1_000_000
        case .dmaEngines: 1...4096
        case .vectorLanes: 1...4096
        }
    }

    /// Whether the knob counts things (tiles, engines, lanes): its values must be whole.
    public var isCount: Bool { [.tiles, .dmaEngines, .vectorLanes].contains(self) }

    /// Sets the knob to `value` on `hardware` (and, for DRAM energy, on `energy`). Throws a
    /// one-line error naming the knob and its valid range for a value it cannot take.
    public func apply(_ value: Double, to hardware: inout KPUHardware, energy: inout EnergyTable) throws(InputError) {
        try check(value)
        switch self {
        case .l1KiB: hardware.l1BytesPerTile = Int(value * 1024)
        case .l2KiB: hardware.l2BytesPerTile = Int(value * 1024)
        case .l3MiB: hardware.l3BytesPerTile = max(1, Int(value * 1_048_576) / hardware.totalTiles)
        case .dramGBps: hardware.memoryBandwidth = value * 1e9
        case .dramPJPerByte: (energy.dramRead, energy.dramWrite) = (value, value)
        case .clockMHz: hardware.clockMHz = value
        case .tiles: Self.scaleTiles(of: &hardware, to: Int(value))
        case .dmaEngines: hardware.dma.count = Int(value)
        case .vectorLanes: hardware.vectorWidth = Int(value)
        }
    }

    /// Throws unless `value` is in range (and whole, for counts).
    public func check(_ value: Double) throws(InputError) {
        guard value.isFinite, validRange.contains(value), !isCount || value == value.rounded() else {
            throw InputError(
                source: "--vary", place: rawValue,
                message:
                    "\(Self.text(value)) is not a value the model can take; give \(isCount ? "a whole number" : "a number") from \(Self.text(validRange.lowerBound)) to \(Self.text(validRange.upperBound)) (\(summary))"
            )
        }
    }

    /// `32`, `0.5`: the shortest text of a knob value, as run ids and tables show it.
    public static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// One knob at one value: what a sweep point sets on top of its SKU.
    public struct Setting: Sendable, Hashable, Codable {
        public let knob: HardwareKnob
        public let value: Double

        public init(_ knob: HardwareKnob, _ value: Double) { (self.knob, self.value) = (knob, value) }

        /// `l3mib-32`: how run ids name it.
        public var label: String { knob.rawValue.replacingOccurrences(of: "_", with: "") + "-" + HardwareKnob.text(value) }
    }

    /// Scales every tile class's count by the same factor (each keeps at least one tile) and the
    /// engines that come per tile with them.
    static func scaleTiles(of hardware: inout KPUHardware, to total: Int) {
        let before = hardware.totalTiles
        let factor = Double(total) / Double(max(before, 1))
        for index in hardware.tileClasses.indices {
            hardware.tileClasses[index].count = max(1, Int((Double(hardware.tileClasses[index].count) * factor).rounded()))
        }
        func scaled(_ count: Int) -> Int { max(1, Int((Double(count) * factor).rounded())) }
        hardware.blockMovers.count = scaled(hardware.blockMovers.count)
        hardware.streamers.count = scaled(hardware.streamers.count)
        hardware.vectorEngines = scaled(hardware.vectorEngines)
        // L3 is given per tile in a ComputeProduct: the chip keeps its total.
        hardware.l3BytesPerTile = max(1, hardware.l3BytesPerTile * before / max(hardware.totalTiles, 1))
    }
}
