/// A level of the KPU's memory hierarchy, outermost first.
public enum MemoryLevel: String, Sendable, Hashable, CaseIterable, Codable {
    case dram, l3, l2, l1
}

/// Bytes read from and written to one memory level.
public struct LevelTraffic: Sendable, Hashable {
    public var read: Int = 0
    public var written: Int = 0
    public var total: Int { read + written }

    public static func + (a: LevelTraffic, b: LevelTraffic) -> LevelTraffic {
        LevelTraffic(read: a.read + b.read, written: a.written + b.written)
    }
}

/// Data an operator moves: per memory level, and per engine that carries it.
///
/// Reads and writes are counted where they happen: a byte fetched from DRAM by a DMA engine is a
/// DRAM read, a DMA byte and an L3 write; moving it on to L2 is an L3 read, a block-mover byte and
/// an L2 write; streaming it into the PE array is an L2 read, a streamer byte, an L1 write and
/// the L1 read that feeds the array.
public struct Traffic: Sendable, Hashable {
    public var dram = LevelTraffic()
    public var l3 = LevelTraffic()
    public var l2 = LevelTraffic()
    public var l1 = LevelTraffic()
    public var dmaBytes = 0
    public var blockMoverBytes = 0
    public var streamerBytes = 0

    public init() {}

    public subscript(level: MemoryLevel) -> LevelTraffic {
        switch level {
        case .dram: dram
        case .l3: l3
        case .l2: l2
        case .l1: l1
        }
    }

    public static func + (a: Traffic, b: Traffic) -> Traffic {
        // Field by field, not by key paths: sums run for every op of every policy.
        var sum = a
        sum.dram = a.dram + b.dram; sum.l3 = a.l3 + b.l3; sum.l2 = a.l2 + b.l2; sum.l1 = a.l1 + b.l1
        sum.dmaBytes += b.dmaBytes; sum.blockMoverBytes += b.blockMoverBytes; sum.streamerBytes += b.streamerBytes
        return sum
    }

    /// One hop: `bytes` read at `source`, carried by `engine`, written at `destination`.
    private mutating func hop(
        _ bytes: Int, from source: WritableKeyPath<Traffic, LevelTraffic>?, by engine: WritableKeyPath<Traffic, Int>,
        to destination: WritableKeyPath<Traffic, LevelTraffic>
    ) {
        if let source { self[keyPath: source].read += bytes }
        self[keyPath: engine] += bytes
        self[keyPath: destination].written += bytes
    }

    /// DRAM → L3 by DMA.
    mutating func fetchFromDRAM(_ bytes: Int) { hop(bytes, from: \.dram, by: \.dmaBytes, to: \.l3) }

    /// L3 → L2 by the block movers.
    mutating func moveToL2(_ bytes: Int) { hop(bytes, from: \.l3, by: \.blockMoverBytes, to: \.l2) }

    /// L3 → the tiles' L2s by the block movers, `read` bytes read from L3 delivering `delivered`
    /// bytes: fewer reads than deliveries when one read is multicast to several tiles.
    mutating func feedTiles(read: Int, delivered: Int) {
        l3.read += read
        blockMoverBytes += read
        l2.written += delivered
    }

    /// L2 → L1 by the streamers, then read by the PE array or the vector engine: once, or
    /// `arrayReads` bytes when the array passes over what it holds more than once.
    mutating func streamToL1(_ bytes: Int, arrayReads: Int? = nil) {
        hop(bytes, from: \.l2, by: \.streamerBytes, to: \.l1)
        l1.read += arrayReads ?? bytes
    }

    /// A result drained from L1 through the vector engine into L2.
    mutating func drainToL2(_ bytes: Int) { hop(bytes, from: nil, by: \.streamerBytes, to: \.l2) }

    /// L2 → L3 by the block movers.
    mutating func moveToL3(_ bytes: Int) { hop(bytes, from: \.l2, by: \.blockMoverBytes, to: \.l3) }

    /// L3 → DRAM by DMA.
    mutating func storeToDRAM(_ bytes: Int) { hop(bytes, from: \.l3, by: \.dmaBytes, to: \.dram) }

    /// A DMA copy inside L3: read there, written there.
    mutating func copyWithinL3(_ bytes: Int) { hop(bytes, from: \.l3, by: \.dmaBytes, to: \.l3) }

    /// A result's trip out: L1 → (vector engine) → L2 → L3, then on to DRAM when `toDRAM`.
    mutating func sendOut(_ bytes: Int, toDRAM: Bool) {
        drainToL2(bytes)
        moveToL3(bytes)
        if toDRAM { storeToDRAM(bytes) }
    }
}
