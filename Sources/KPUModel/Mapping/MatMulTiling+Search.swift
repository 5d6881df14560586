import ModelGraph

extension MatMulTiling {
    /// The mapping of one matmul shape on `hardware` at `precision`.
    ///
    /// The DRAM-level L3 blocking minimises DRAM reads (then blocks, then the smallest block).
    /// The tile split is searched over every output block of whole arrays (1, 2, 4, … arrays
    /// high and wide) and over the tile classes that run the precision (all of them together,
    /// or one class alone): the choice is the fewest compute cycles, then the fewest bytes moved
    /// on chip (what any energy table charges more for), then the smaller block. Neither
    /// looks at the energy table, so comparing tables never changes the mapping.
    static func search(_ shape: MatMulShape, hardware: KPUHardware, precision: Precision) -> MatMulTiling {
        let (m, n, k, batch) = (shape.m, shape.n, shape.k, shape.batch)
        let (aSize, bSize) = (shape.aBytesPerElement, shape.bBytesPerElement)
        let l3 = dramBlocking(shape, l3Capacity: hardware.l3Bytes)
        let reads = { (bm: Int, bn: Int) in Self.panelBytes(shape, blockM: bm, blockN: bn) }

        let capable = hardware.tileClasses(running: precision)
        let primary = hardware.primaryTileClass(precision)
        // Every class that runs the precision together, and each alone (a slower class can
        // hold a round back).
        var classSets = [capable]
        if capable.count > 1 { classSets += capable.map { [$0] } }
        let blockMs = wholeArrays(m, primary.rows), blockNs = wholeArrays(n, primary.columns)

        typealias Candidate = (key: (Int, Int, Int, Int, Int), tiling: MatMulTiling)
        var best: Candidate?
        for (setIndex, classes) in classSets.enumerated() where !classes.isEmpty {
            let tiles = classes.reduce(0) { $0 + $1.count }
            for bm in blockMs {
                for bn in blockNs {
                    guard let bk = l2Slice(bm, bn, shape: shape, l2Capacity: hardware.l2BytesPerTile) else { continue }
                    let blocks = batch * ceilDiv(m, bm) * ceilDiv(n, bn)
                    let tilesUsed = min(tiles, blocks)
                    let delivered = reads(bm, bn)
                    let l1Reads = (a: delivered.a * ceilDiv(bn, primary.columns), b: delivered.b * ceilDiv(bm, primary.rows))
                    let tiling = MatMulTiling(
                        m: m, n: n, k: k, batch: batch, l3Block: l3.block, l3BlockCount: l3.count, tileClasses: classes.map(\.name),
                        tilesUsed: tilesUsed, tileBlock: (bm, bn), blocks: blocks, rounds: ceilDiv(blocks, tilesUsed), l2Block: (bm, bn, bk),
                        multicast: hardware.l3Multicast, externalReadBytesByOperand: reads(l3.block.m, l3.block.n),
                        l3ReadBytesByOperand: delivered, deliveredBytesByOperand: delivered, l1ReadBytesByOperand: l1Reads)
                    let cycles = tiling.computeCycles(on: hardware, precision: precision)
                    let onChip = 2 * (delivered.a + delivered.b) + l1Reads.a + l1Reads.b
                    let key = (cycles, onChip, bm * bn, bm, setIndex)
                    if best == nil || key < best!.key { best = (key, tiling) }
                }
            }
        }
        let chosen = best?.tiling ?? fallback(shape, hardware: hardware, precision: precision, l3: l3)
        // Under multicast, L3 serves each panel once per round however many tiles want it;
        // counted for the chosen split only (it never changes which split is fastest).
        guard chosen.multicast else { return chosen }
        return chosen.with(l3Reads: multicastReads(shape, tiling: chosen))
    }

    /// PE-array cycles of this mapping: rounds × the slowest chosen class's time for one block
    /// (a pass per array-sized part of it, each K MACs per output at the class's rate plus
    /// pipeline fill and drain), derated by the profile's tile utilisation.
    public func computeCycles(on hardware: KPUHardware, precision: Precision) -> Int {
        let classes = hardware.tileClasses.filter { tileClasses.contains($0.name) }
        var blockCycles = 0.0
        for tile in classes {
            guard let macsPerClock = tile.macsPerClock(precision) else { continue }
            let passes = Double(Self.ceilDiv(tileBlock.m, tile.rows) * Self.ceilDiv(tileBlock.n, tile.columns))
            let pass = (Double(k) * Double(tile.rows * tile.columns) / macsPerClock).rounded(.up) + Double(tile.fillCycles + tile.drainCycles)
            blockCycles = max(blockCycles, passes * pass)
        }
        let utilization = hardware.tileUtilization(precision)
        return utilization > 0 ? Int((Double(rounds) * blockCycles / utilization).rounded(.up)) : 0
    }

    // MARK: - Parts of the search

    /// Bytes of A and B every output block of `blockM` × `blockN` needs: A once per column of
    /// blocks, B once per row (per product, unless B is a weight shared by the batch).
    static func panelBytes(_ shape: MatMulShape, blockM: Int, blockN: Int) -> (a: Int, b: Int) {
        let aBytes = shape.m * shape.k * shape.aBytesPerElement, bBytes = shape.k * shape.n * shape.bBytesPerElement
        return (aBytes * ceilDiv(shape.n, blockN) * shape.batch, bBytes * ceilDiv(shape.m, blockM) * (shape.weightShared ? 1 : shape.batch))
    }

    /// The blocking of the whole chip's L3 that reads DRAM least: double-buffered A and B blocks
    /// and a resident fp32 accumulator block fit. Nothing fitting (a tiny L3): array-sized blocks.
    static func dramBlocking(_ shape: MatMulShape, l3Capacity: Int) -> (block: (m: Int, n: Int, k: Int), count: Int) {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        func fits(_ bm: Int, _ bn: Int, _ bk: Int) -> Bool {
            2 * (bm * bk * shape.aBytesPerElement + bk * bn * shape.bBytesPerElement) + bm * bn * 4 <= l3Capacity
        }
        var best: (key: (Int, Int, Int, Int, Int), block: (Int, Int, Int))?
        for bm in powersOfTwo(m, from: 32) {
            for bn in powersOfTwo(n, from: 32) {
                for bk in powersOfTwo(k, from: 32) where fits(bm, bn, bk) {
                    let reads = panelBytes(shape, blockM: bm, blockN: bn)
                    let blocks = ceilDiv(m, bm) * ceilDiv(n, bn) * ceilDiv(k, bk) * shape.batch
                    let key = (reads.a + reads.b, blocks, bm, bn, bk)
                    if best == nil || key < best!.key { best = (key, (bm, bn, bk)) }
                }
            }
        }
        let block = best?.block ?? (min(m, 32), min(n, 32), min(k, 32))
        return ((block.0, block.1, block.2), ceilDiv(m, block.0) * ceilDiv(n, block.1) * ceilDiv(k, block.2) * shape.batch)
    }

    /// The widest slice of K for which a tile's L2 holds double-buffered slices of A (bm × bk)
    /// and B (bk × bn) and one drained output block (bm × bn at the output's precision); nil
    /// when not even the narrowest fits.
    static func l2Slice(_ bm: Int, _ bn: Int, shape: MatMulShape, l2Capacity: Int) -> Int? {
        powersOfTwo(shape.k, from: 32).last { bk in
            2 * (bm * bk * shape.aBytesPerElement + bk * bn * shape.bBytesPerElement) + bm * bn * shape.cBytesPerElement <= l2Capacity
        }
    }

    /// L3 reads under multicast: blocks go to the tiles in order (product, row of blocks, column
    /// of blocks), `tilesUsed` per round; each round reads every A row panel and B column panel
    /// its blocks need once.
    static func multicastReads(_ shape: MatMulShape, tiling: MatMulTiling) -> (a: Int, b: Int) {
        let rowBlocks = ceilDiv(shape.m, tiling.tileBlock.m), columnBlocks = ceilDiv(shape.n, tiling.tileBlock.n)
        func aPanel(_ row: Int) -> Int { min(tiling.tileBlock.m, shape.m - row * tiling.tileBlock.m) * shape.k * shape.aBytesPerElement }
        func bPanel(_ column: Int) -> Int { min(tiling.tileBlock.n, shape.n - column * tiling.tileBlock.n) * shape.k * shape.bBytesPerElement }
        var a = 0, b = 0
        var block = 0
        while block < tiling.blocks {
            let end = min(block + tiling.tilesUsed, tiling.blocks)
            var rows = Set<Int>(), columns = Set<Int>()
            for index in block..<end {
                let product = index / (rowBlocks * columnBlocks), row = index / columnBlocks % rowBlocks, column = index % columnBlocks
                if rows.insert(product * rowBlocks + row).inserted { a += aPanel(row) }
                if columns.insert(shape.weightShared ? column : product * columnBlocks + column).inserted { b += bPanel(column) }
            }
            block = end
        }
        return (a, b)
    }

    /// No split fits a tile's L2 (a tiny L2): one array-sized block per tile, the narrowest slice.
    static func fallback(_ shape: MatMulShape, hardware: KPUHardware, precision: Precision,
                         l3: (block: (m: Int, n: Int, k: Int), count: Int)) -> MatMulTiling {
        let primary = hardware.primaryTileClass(precision)
        let (bm, bn) = (min(shape.m, primary.rows), min(shape.n, primary.columns))
        let blocks = shape.batch * ceilDiv(shape.m, bm) * ceilDiv(shape.n, bn)
        let capable = hardware.tileClasses(running: precision)
        let tilesUsed = max(1, min(capable.reduce(0) { $0 + $1.count }, blocks))
        let delivered = panelBytes(shape, blockM: bm, blockN: bn)
        return MatMulTiling(
            m: shape.m, n: shape.n, k: shape.k, batch: shape.batch, l3Block: l3.block, l3BlockCount: l3.count,
            tileClasses: capable.map(\.name), tilesUsed: tilesUsed, tileBlock: (bm, bn), blocks: blocks, rounds: ceilDiv(blocks, tilesUsed),
            l2Block: (bm, bn, min(shape.k, 32)), multicast: hardware.l3Multicast,
            externalReadBytesByOperand: panelBytes(shape, blockM: l3.block.m, blockN: l3.block.n), l3ReadBytesByOperand: delivered,
            deliveredBytesByOperand: delivered, l1ReadBytesByOperand: delivered)
    }

    /// This mapping with its L3 reads replaced.
    func with(l3Reads: (a: Int, b: Int)) -> MatMulTiling {
        MatMulTiling(
            m: m, n: n, k: k, batch: batch, l3Block: l3Block, l3BlockCount: l3BlockCount, tileClasses: tileClasses, tilesUsed: tilesUsed,
            tileBlock: tileBlock, blocks: blocks, rounds: rounds, l2Block: l2Block, multicast: multicast,
            externalReadBytesByOperand: externalReadBytesByOperand, l3ReadBytesByOperand: l3Reads,
            deliveredBytesByOperand: deliveredBytesByOperand, l1ReadBytesByOperand: l1ReadBytesByOperand)
    }

    /// `step`, 2·`step`, 4·`step`, … below `extent`, and `extent` itself.
    static func powersOfTwo(_ extent: Int, from step: Int) -> [Int] {
        var values = Set([extent])
        var size = max(step, 1)
        while size < extent {
            values.insert(size)
            size *= 2
        }
        return values.sorted()
    }

    /// Output blocks of whole arrays: 1, 2, 4, … arrays, up to the extent rounded up to arrays.
    static func wholeArrays(_ extent: Int, _ array: Int) -> [Int] {
        let limit = ceilDiv(extent, array) * array
        var values: [Int] = []
        var size = array
        while size < limit {
            values.append(size)
            size *= 2
        }
        values.append(limit)
        return Array(Set(values)).sorted()
    }

    static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / max(b, 1) }
}
