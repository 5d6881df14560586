import ModelGraph
import Support

/// An attention block run as one kernel (flash-attention): each tile takes `rowBlock` query rows
/// of one head, keeps them and their running output in its L2, and streams the head's K and V
/// through in tiles of `kvTile` rows: QKᵀ on the PE array, scale, mask and an online softmax on
/// the vector engine, ·V back on the array. The scores never leave the tile; only Q, K, V, the
/// mask and the context move through L3 and DRAM.
public struct AttentionTiling: Sendable {
    /// Heads × batch, each a [queries × keys] score matrix.
    public let heads: Int
    public let queries: Int, keys: Int
    /// Q and K's feature width, and V's.
    public let headWidth: Int, valueWidth: Int
    /// Query rows per tile (the PE array's height) and K/V rows per streamed tile.
    public let rowBlock: Int, kvTile: Int
    public let blocks: Int
    public let shares: [MatMulTiling.ClassShare]
    public let multicast: Bool
    /// Per operand: bytes read from DRAM, read from L3, delivered into the tiles' L2s (and
    /// streamed into L1), and read by the arrays from L1.
    public let q: OperandBytes, k: OperandBytes, v: OperandBytes
    /// The probabilities written into L1 and read back by ·V, tile by tile.
    public let probabilityBytes: Int
    /// The online softmax's extra vector work: rescaling the running output and the row
    /// statistics once per K/V tile after the first.
    public let rescaleOps: Int

    public struct OperandBytes: Sendable, Hashable {
        public let dram: Int, l3Read: Int, delivered: Int, l1Read: Int
    }

    public var tilesUsed: Int { shares.reduce(0) { $0 + $1.tiles } }
    public var rounds: Int { shares.map(\.rounds).max() ?? 0 }
    public var kvTiles: Int { (keys + kvTile - 1) / kvTile }

    /// PE-array cycles of the kernel: the longest any class's tiles take for their blocks (QKᵀ of
    /// the query rows against every key, then ·V), derated by the profile's tile utilisation.
    public func computeCycles(on hardware: KPUHardware, precision: Precision) -> Int {
        var longest = 0
        for share in shares {
            guard let tile = hardware.tileClasses.first(where: { $0.name == share.name }) else { continue }
            longest = max(
                longest, share.rounds * Self.blockCycles(tile, rows: rowBlock, keys: keys, headWidth: headWidth, valueWidth: valueWidth, precision: precision))
        }
        let utilization = hardware.tileUtilization(precision)
        return utilization > 0 ? Int((Double(longest) / utilization).rounded(.up)) : 0
    }

    static func blockCycles(_ tile: KPUHardware.TileClass, rows: Int, keys: Int, headWidth: Int, valueWidth: Int, precision: Precision) -> Int {
        MatMulTiling.blockCycles(tile, block: (rows, keys), k: headWidth, precision: precision)
            + MatMulTiling.blockCycles(tile, block: (rows, valueWidth), k: keys, precision: precision)
    }

    /// The kernel for one attention block, or nil when no K/V tile fits a tile's L2 beside the
    /// query rows, their running output and statistics, and the mask's slice (the block then
    /// falls back to the epilogue policy).
    static func search(scores: MatMulShape, context: MatMulShape, maskBytesPerElement: Int, hardware: KPUHardware, precision: Precision)
        -> AttentionTiling?
    {
        let primary = hardware.primaryTileClass(precision)
        let (heads, queries, keys, d, dv) = (scores.batch, scores.m, scores.n, scores.k, context.n)
        let size = scores.aBytesPerElement
        let rows = min(primary.rows, queries)
        // Q rows, the fp32 running output and two row statistics stay; K and V tiles double-buffered.
        let fixed = rows * d * size + rows * dv * 4 + 2 * rows * 4
        // L1 bounds no tile, as for every matmul: it is read as the PEs' operand storage, which
        // some SKUs give per PE (4 MiB a tile) and others per tile as a 4 KiB stream buffer.
        func fits(_ tile: Int) -> Bool {
            fixed + 2 * tile * (d + dv) * size + rows * tile * maskBytesPerElement <= hardware.l2BytesPerTile
        }
        guard let kvTile = MatMulTiling.wholeArrays(keys, primary.columns).last(where: fits) else { return nil }
        let rowBlocks = (queries + rows - 1) / rows
        let blocks = heads * rowBlocks
        let capable = hardware.tileClasses(running: precision)
        let shares = MatMulTiling.assign(
            blocks, to: capable,
            blockCycles: capable.map { blockCycles($0, rows: rows, keys: keys, headWidth: d, valueWidth: dv, precision: precision) })
        let tilesUsed = shares.reduce(0) { $0 + $1.tiles }
        let (qBytes, kBytes, vBytes) = (heads * queries * d * size, heads * keys * d * size, heads * keys * dv * size)
        // Every query block streams its head's whole K and V; under multicast a round reads each
        // head's K and V from L3 once for all its blocks in the round.
        let kvDelivered = (k: blocks * keys * d * size, v: blocks * keys * dv * size)
        var kvRead = kvDelivered
        if hardware.l3Multicast {
            var headsRead = 0
            var start = 0
            while start < blocks {
                let end = min(start + max(tilesUsed, 1), blocks)
                headsRead += (end - 1) / rowBlocks - start / rowBlocks + 1
                start = end
            }
            kvRead = (headsRead * keys * d * size, headsRead * keys * dv * size)
        }
        let kvTiles = (keys + kvTile - 1) / kvTile
        return AttentionTiling(
            heads: heads, queries: queries, keys: keys, headWidth: d, valueWidth: dv, rowBlock: rows, kvTile: kvTile, blocks: blocks, shares: shares,
            multicast: hardware.l3Multicast,
            // Q's rows are read by the array once per array-wide column of scores.
            q: OperandBytes(dram: qBytes, l3Read: qBytes, delivered: qBytes, l1Read: qBytes * MatMulTiling.ceilDiv(keys, primary.columns)),
            k: OperandBytes(dram: kBytes, l3Read: kvRead.k, delivered: kvDelivered.k, l1Read: kvDelivered.k),
            v: OperandBytes(dram: vBytes, l3Read: kvRead.v, delivered: kvDelivered.v, l1Read: kvDelivered.v),
            probabilityBytes: heads * queries * keys * size,
            rescaleOps: blocks * max(kvTiles - 1, 0) * (rows * dv + 2 * rows))
    }
}
