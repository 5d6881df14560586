import ModelGraph

/// The loop nest a compiler would emit for one op's mapping, outermost loop first, built from
/// the same mapping value that sets the op's bytes and cycles. Every loop's range is relative to
/// the loop around it, so the trip counts multiply back to the op's shape: the loops inside the
/// block level, times the blocks the block level computes, give every MAC (or element) once.
///
/// ```swift
/// let nests = mapping.loopNests(of: op.index, in: graph, hardware: hardware)
/// let lines = nests[0].loops.map(\.range)
/// ```
public struct LoopNest: Sendable, Hashable {
    /// One loop: `for variable in range` (temporal) or `parfor` (spatial, across tiles or PEs).
    public struct Loop: Sendable, Hashable {
        public let variable: String
        public let range: String
        /// Iterations per iteration of the loop around it.
        public let trips: Int
        public let isSpatial: Bool
        /// What the loop walks and where its data is, in a phrase.
        public let note: String
    }

    /// Which engine runs it: `BF16-primary tiles, 16×16 PE array` or `vector engines`.
    public let title: String
    /// What happens before the loops: where the operands come from, the schedule's chunks.
    public let preamble: [String]
    /// The loops down to and including the block level: rounds and tiles, or chunks and tiles.
    public let outer: [Loop]
    /// The loops inside one block.
    public let inner: [Loop]
    /// Blocks the outer loops actually compute (the last round may leave tiles idle).
    public let blocks: Int
    public let statement: String

    /// Every loop, outermost first.
    public var loops: [Loop] { outer + inner }

    /// MACs (or element operations) the nest performs: blocks × the inner loops' trips.
    public var iterations: Int { blocks * inner.reduce(1) { $0 * $1.trips } }
}

extension Mapping {
    /// The loop nests of op `index`: one per tile class that computes a matmul's blocks (a
    /// faster class takes more rounds), one for an op on the vector path; empty for ops that move
    /// nothing and for attention kernels, whose tiling has its own description. An op riding a
    /// matmul's drain has its matmul's nests.
    public func loopNests(of index: Int, in graph: Graph, hardware: KPUHardware) -> [LoopNest] {
        let op = graph.ops[index]
        switch operators[index].placement {
        case .matMul(let tiling):
            return matMulNests(tiling, op: op, graph: graph, hardware: hardware)
        case .onDrain:
            let head = plan.groupOf[index]
            guard let tiling = operators[head].tiling else { return [] }
            return matMulNests(tiling, op: graph.ops[head], graph: graph, hardware: hardware)
        case .streamed:
            let output = graph[op.outputs[0]]
            let width = output.shape.last ?? 1
            let rows = max(output.elementCount / max(width, 1), 1)
            return [vectorPathNest(rows: rows, width: width, chunks: chunks(ofGroup: index, in: graph), hardware: hardware)]
        case .folded, .view, .absorbedTranspose, .dmaCopy, .attention, .insideAttention:
            return []
        }
    }

    func matMulNests(_ t: MatMulTiling, op: Op, graph: Graph, hardware: KPUHardware) -> [LoopNest] {
        let chunks = chunks(ofGroup: op.index, in: graph)
        let kSteps = (t.k + t.l2Block.k - 1) / t.l2Block.k
        let (bm, bn) = (min(t.tileBlock.m, t.m), min(t.tileBlock.n, t.n))
        let product = t.batch > 1 ? "p, " : ""
        let preamble = [
            "C[\(product)m, n] = Σ_k A[\(product)m, k] · B[\(product)k, n], \(t.batch > 1 ? "\(t.batch) products of " : "")M×N×K = \(t.m)×\(t.n)×\(t.k), output-stationary",
            "DRAM → L3: \(t.l3BlockCount) block\(t.l3BlockCount == 1 ? "" : "s") of \(t.l3Block.m)×\(t.l3Block.n)×\(t.l3Block.k) (double-buffered)",
            "the schedule pipelines the op in \(chunks) chunk\(chunks == 1 ? "" : "s") (one per 256 KiB it moves, at least one per L3 block, at most \(Mapping.maximumChunks))"
        ]
        return t.shares.filter { $0.blocks > 0 }.compactMap { share -> LoopNest? in
            guard let tile = hardware.tileClasses.first(where: { $0.name == share.name }) else { return nil }
            let (rows, columns) = (min(tile.rows, bm), min(tile.columns, bn))
            let (mPasses, nPasses) = ((bm + tile.rows - 1) / tile.rows, (bn + tile.columns - 1) / tile.columns)
            let accumulators = mPasses * nPasses
            let outer = [
                LoopNest.Loop(
                    variable: "round", range: "0..<\(share.rounds)", trips: share.rounds, isSpatial: false,
                    note: "\(share.blocks) block\(share.blocks == 1 ? "" : "s") on \(share.tiles) tile\(share.tiles == 1 ? "" : "s")"),
                LoopNest.Loop(
                    variable: "tile", range: "0..<\(share.tiles)", trips: share.tiles, isSpatial: true,
                    note: "each computes a block (\(product)m2, n2) of \(bm)×\(bn) whole, held in its PEs")
            ]
            let inner = [
                LoopNest.Loop(
                    variable: "k2", range: "0..<\(t.k) step \(t.l2Block.k)", trips: kSteps, isSpatial: false,
                    note: "L3 → L2: A[m2.., k2..] \(bm)×\(t.l2Block.k) and B[k2.., n2..] \(t.l2Block.k)×\(bn), double-buffered"),
                LoopNest.Loop(
                    variable: "m1", range: "m2..<m2+\(bm) step \(tile.rows)", trips: mPasses, isSpatial: false,
                    note: "array passes down the block"),
                LoopNest.Loop(
                    variable: "n1", range: "n2..<n2+\(bn) step \(tile.columns)", trips: nPasses, isSpatial: false,
                    note: accumulators > 1
                        ? "array passes across: a \(bm)×\(bn) block on a \(tile.rows)×\(tile.columns) array is \(accumulators) passes, each PE keeping \(accumulators) accumulators"
                        : "one pass: the block fills the array"),
                LoopNest.Loop(
                    variable: "k", range: "k2..<k2+\(t.l2Block.k)", trips: min(t.l2Block.k, t.k), isSpatial: false,
                    note: "L2 → L1, one k per step: the reduction flows through the PEs"),
                LoopNest.Loop(
                    variable: "i, j", range: "0..<\(rows), 0..<\(columns)", trips: rows * columns, isSpatial: true,
                    note: "the \(tile.rows)×\(tile.columns) PE array")
            ]
            return LoopNest(
                title: "\(tile.name) tiles, \(tile.rows)×\(tile.columns) PE array", preamble: preamble, outer: outer, inner: inner,
                blocks: share.blocks, statement: "C[\(product)m1+i, n1+j] += A[\(product)m1+i, k] · B[\(product)k, n1+j]")
        }
    }

    /// An element-wise op on the vector path: its rows in the schedule's chunks, each chunk's
    /// rows spread over the tiles, each row through a vector engine's lanes.
    func vectorPathNest(rows: Int, width: Int, chunks: Int, hardware: KPUHardware) -> LoopNest {
        let rowsPerChunk = (rows + chunks - 1) / chunks
        let rowsPerTile = (rowsPerChunk + hardware.totalTiles - 1) / hardware.totalTiles
        let tiles = max(1, (rowsPerChunk + rowsPerTile - 1) / rowsPerTile)
        let lanes = min(hardware.vectorWidth, width)
        let steps = (width + hardware.vectorWidth - 1) / hardware.vectorWidth
        return LoopNest(
            title: "vector engines, \(hardware.vectorWidth) lanes",
            preamble: ["\(rows) rows of \(width), in \(chunks) chunk\(chunks == 1 ? "" : "s") of \(rowsPerChunk) rows (double-buffered in L3)"],
            outer: [
                LoopNest.Loop(
                    variable: "chunk", range: "0..<\(chunks)", trips: chunks, isSpatial: false, note: "rows chunk·\(rowsPerChunk)..<+\(rowsPerChunk)"),
                LoopNest.Loop(
                    variable: "tile", range: "0..<\(tiles)", trips: tiles, isSpatial: true,
                    note: "L3 → L2: \(rowsPerTile) row\(rowsPerTile == 1 ? "" : "s") of the chunk per tile")
            ],
            inner: [
                LoopNest.Loop(variable: "r", range: "0..<\(rowsPerTile)", trips: rowsPerTile, isSpatial: false, note: "the tile's rows"),
                LoopNest.Loop(variable: "h", range: "0..<\(width) step \(hardware.vectorWidth)", trips: steps, isSpatial: false, note: "L2 → L1"),
                LoopNest.Loop(variable: "lane", range: "0..<\(lanes)", trips: lanes, isSpatial: true, note: "the vector engine's lanes")
            ],
            blocks: chunks * tiles, statement: "C[row, h+lane] = f(A[row, h+lane], B[…])")
    }
}
