import ModelGraph

/// One matmul's mapping, C[M,N] = A[M,K] · B[K,N] (× `batch` independent products), output-stationary:
/// the one choice every figure of the op follows from.
///
/// - DRAM: blocks of the whole chip's L3 (`l3Block`); A is re-read from DRAM once per column
///   block and B once per row block, C stays in L3 across the K loop and is written once.
/// - Tiles: the output is cut into `tileBlock` blocks, each computed whole by one tile (the
///   reduction is never split across tiles), `tilesUsed` tiles at a time, in `rounds` rounds.
/// - L3 → L2: every block needs its A row panel and B column panel in its tile's L2. With
///   `multicast`, one L3 read serves every tile of a round that needs the same panel; without,
///   each tile reads its own copy.
/// - L2 → L1: the panels stream through L1, `l2Block.k` columns at a time; the array reads A once
///   per array-wide column of the block and B once per array-high row of it.
public struct MatMulTiling: Sendable {
    public let m: Int, n: Int, k: Int
    /// Independent products (attention heads × batch), each M×N×K.
    public let batch: Int
    public let l3Block: (m: Int, n: Int, k: Int)
    /// L3 blocks the op is processed in: the schedule pipelines these.
    public let l3BlockCount: Int
    /// How the blocks are spread over the tile classes: each class's tiles, blocks and rounds.
    public let shares: [ClassShare]
    /// The output block one tile computes whole.
    public let tileBlock: (m: Int, n: Int)
    /// Output blocks over all products.
    public let blocks: Int
    /// The block a tile's L2 holds: the output block × a slice of K (double-buffered A and B slices
    /// and one drained output block fit the tile's L2; the accumulators stay in the PEs).
    public let l2Block: (m: Int, n: Int, k: Int)
    /// Whether one L3 read served every tile of a round that needed the same data.
    public let multicast: Bool
    /// L3 the op needs while it runs: double-buffered A and B DRAM blocks and the output block
    /// accumulating across K (at 4 bytes an element).
    public let l3WorkingSetBytes: Int
    /// Bytes read from DRAM, by operand.
    public let externalReadBytesByOperand: (a: Int, b: Int)
    /// Bytes read from L3 for the tiles, by operand (fewer than delivered under multicast).
    public let l3ReadBytesByOperand: (a: Int, b: Int)
    /// Bytes written into the tiles' L2s, by operand: every block's panels. The same bytes then
    /// stream from L2 into L1.
    public let deliveredBytesByOperand: (a: Int, b: Int)
    /// Bytes the PE arrays read from L1, by operand: the streamed bytes × how many array-wide
    /// passes the block takes across the other operand's dimension.
    public let l1ReadBytesByOperand: (a: Int, b: Int)

    public var externalReadBytes: Int { externalReadBytesByOperand.a + externalReadBytesByOperand.b }
    /// The tile classes that compute blocks, by name.
    public var tileClasses: [String] { shares.map(\.name) }
    public var tilesUsed: Int { shares.reduce(0) { $0 + $1.tiles } }
    /// The most blocks one tile computes: a tile computes whole blocks, so a part-filled round
    /// costs a whole one.
    public var rounds: Int { shares.map(\.rounds).max() ?? 0 }

    /// The blocks one tile class computes.
    public struct ClassShare: Sendable, Hashable {
        public let name: String
        /// Tiles of the class that compute at least one block.
        public let tiles: Int
        public let blocks: Int
        /// ⌈blocks ÷ the class's tiles⌉.
        public let rounds: Int
    }
}
