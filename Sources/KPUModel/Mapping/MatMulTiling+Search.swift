import Support
import ModelGraph

extension MatMulTiling {
    /// The mapping of one matmul shape on `hardware` at `precision`.
    ///
    /// The DRAM-level L3 blocking minimises DRAM reads (then blocks, then the smallest block).
    /// The tile split is searched over every output block of whole arrays (1, 2, 4, … arrays
    /// high and wide); for each, the blocks go to the tile classes that run the precision so
    /// that the last block finishes soonest (a faster class takes more rounds; a class too slow to
    /// finish one block in that time takes none). The choice is the shortest time, then the
    /// fewest bytes moved on chip (what any energy table charges more for), then the smaller
    /// block. An op's time is its slowest stage, as the schedule charges it: the arrays' cycles,
    /// the streamers carrying the panels into L1, or the block movers reading L3. Nothing looks
    /// at the energy table, so comparing tables never changes the mapping.
    static func search(_ shape: MatMulShape, hardware: KPUHardware, precision: Precision) -> MatMulTiling {
        let (m, n, k, batch) = (shape.m, shape.n, shape.k, shape.batch)
        let l3 = dramBlocking(shape, l3Capacity: hardware.l3Bytes)
        let capable = hardware.tileClasses(running: precision)
        let primary = hardware.primaryTileClass(precision)

        var best: (key: (Int, Int, Int, Int), tiling: MatMulTiling)?
        for bm in wholeArrays(m, primary.rows) {
            for bn in wholeArrays(n, primary.columns) {
                guard let bk = l2Slice(bm, bn, shape: shape, l2Capacity: hardware.l2BytesPerTile) else { continue }
                let blocks = batch * ceilDiv(m, bm) * ceilDiv(n, bn)
                let shares = assign(blocks, to: capable, blockCycles: capable.map { blockCycles($0, block: (bm, bn), k: k, precision: precision) })
                let tiling = mapping(shape, l3: l3, shares: shares, block: (bm, bn, bk), blocks: blocks, hardware: hardware)
                let (delivered, l3Reads, l1Reads) = (tiling.deliveredBytesByOperand, tiling.l3ReadBytesByOperand, tiling.l1ReadBytesByOperand)
                let seconds = max(
                    Double(tiling.computeCycles(on: hardware, precision: precision)) / hardware.clockHz,
                    Double(delivered.a + delivered.b) / hardware.streamers.aggregateBandwidth,
                    Double(l3Reads.a + l3Reads.b) / hardware.blockMovers.aggregateBandwidth)
                let onChip = l3Reads.a + l3Reads.b + 2 * (delivered.a + delivered.b) + l1Reads.a + l1Reads.b
                let key = (Int(TimeSpan(secondsRoundedUp: seconds).picoseconds), onChip, bm * bn, bm)
                if best == nil || key < best!.key { best = (key, tiling) }
            }
        }
        if let best { return best.tiling }
        // No block fits a tile's L2 (a tiny L2): array-sized blocks, the narrowest slice of K.
        let (bm, bn) = (min(m, primary.rows), min(n, primary.columns))
        let blocks = batch * ceilDiv(m, bm) * ceilDiv(n, bn)
        let shares = assign(blocks, to: capable, blockCycles: capable.map { blockCycles($0, block: (bm, bn), k: k, precision: precision) })
        return mapping(shape, l3: l3, shares: shares, block: (bm, bn, min(k, 32)), blocks: blocks, hardware: hardware)
    }

    /// The bytes of one split: each block's panels delivered to its tile, L3 reads (once per
    /// round under multicast), and the arrays' L1 reads by each class's array size.
    static func mapping(
        _ shape: MatMulShape, l3: (block: (m: Int, n: Int, k: Int), count: Int), shares: [ClassShare], block: (m: Int, n: Int, k: Int),
        blocks: Int, hardware: KPUHardware
    ) -> MatMulTiling {
        let delivered = panelBytes(shape, blockM: block.m, blockN: block.n)
        let tilesUsed = shares.reduce(0) { $0 + $1.tiles }
        let l3Reads = hardware.l3Multicast ? multicastReads(shape, tileBlock: (block.m, block.n), blocks: blocks, tilesUsed: tilesUsed) : delivered
        // The array reads A once per array-wide column of its block and B once per array-high
        // row; each class's share of the blocks at its own array size.
        var l1a = 0, l1b = 0
        for share in shares {
            guard let tile = hardware.tileClasses.first(where: { $0.name == share.name }) else { continue }
            l1a += delivered.a * share.blocks / max(blocks, 1) * ceilDiv(block.n, tile.columns)
            l1b += delivered.b * share.blocks / max(blocks, 1) * ceilDiv(block.m, tile.rows)
        }
        return MatMulTiling(
            m: shape.m, n: shape.n, k: shape.k, batch: shape.batch, l3Block: l3.block, l3BlockCount: l3.count, shares: shares,
            tileBlock: (block.m, block.n), blocks: blocks, l2Block: block, multicast: hardware.l3Multicast,
            l3WorkingSetBytes: workingSet(shape, block: l3.block),
            externalReadBytesByOperand: panelBytes(shape, blockM: l3.block.m, blockN: l3.block.n), l3ReadBytesByOperand: l3Reads,
            deliveredBytesByOperand: delivered, l1ReadBytesByOperand: (l1a, l1b))
    }

    /// The cycles one tile of `tile`'s class takes for a block: a pass per array-sized part of
    /// it, each K MACs per output at the class's rate plus pipeline fill and drain.
    static func blockCycles(_ tile: KPUHardware.TileClass, block: (m: Int, n: Int), k: Int, precision: Precision) -> Int {
        guard let macsPerClock = tile.macsPerClock(precision), macsPerClock > 0 else { return Int.max / 4 }
        let passes = ceilDiv(block.m, tile.rows) * ceilDiv(block.n, tile.columns)
        let pass = Int((Double(k) * Double(tile.rows * tile.columns) / macsPerClock).rounded(.up)) + tile.fillCycles + tile.drainCycles
        return passes * pass
    }

    /// Spreads `blocks` over the classes so the last finishes soonest: the least time T in which
    /// the classes together finish them (each tile ⌊T ÷ its block time⌋ blocks), then the
    /// fastest classes filled first.
    static func assign(_ blocks: Int, to classes: [KPUHardware.TileClass], blockCycles: [Int]) -> [ClassShare] {
        guard blocks > 0, !classes.isEmpty else { return [] }
        func capacity(_ time: Int) -> Int {
            zip(classes, blockCycles).reduce(0) { $0 + $1.0.count * ($1.1 > 0 ? time / $1.1 : 0) }
        }
        let fastest = zip(classes, blockCycles).min { $0.1 < $1.1 }!
        var low = 1, high = ceilDiv(blocks, fastest.0.count) * fastest.1
        while low < high {
            let middle = (low + high) / 2
            if capacity(middle) >= blocks { high = middle } else { low = middle + 1 }
        }
        var remaining = blocks
        var shares: [ClassShare] = []
        for index in classes.indices.sorted(by: { (blockCycles[$0], $0) < (blockCycles[$1], $1) }) where remaining > 0 {
            let tile = classes[index]
            let taken = min(remaining, tile.count * (low / blockCycles[index]))
            guard taken > 0 else { continue }
            let rounds = ceilDiv(taken, tile.count)
            shares.append(ClassShare(name: tile.name, tiles: ceilDiv(taken, rounds), blocks: taken, rounds: rounds))
            remaining -= taken
        }
        // Keep the classes in the description's order.
        return shares.sorted { a, b in
            classes.firstIndex { $0.name == a.name }! < classes.firstIndex { $0.name == b.name }!
        }
    }

    /// PE-array cycles of this mapping: the longest any class's tiles take for their rounds of
    /// blocks, derated by the profile's tile utilisation.
    public func computeCycles(on hardware: KPUHardware, precision: Precision) -> Int {
        var longest = 0
        for share in shares {
            guard let tile = hardware.tileClasses.first(where: { $0.name == share.name }) else { continue }
            longest = max(longest, share.rounds * Self.blockCycles(tile, block: tileBlock, k: k, precision: precision))
        }
        let utilization = hardware.tileUtilization(precision)
        return utilization > 0 ? Int((Double(longest) / utilization).rounded(.up)) : 0
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
        func fits(_ bm: Int, _ bn: Int, _ bk: Int) -> Bool { workingSet(shape, block: (bm, bn, bk)) <= l3Capacity }
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

    /// L3 a DRAM block needs: double-buffered A (bm × bk) and B (bk × bn) and the output block
    /// (bm × bn) accumulating at 4 bytes an element.
    static func workingSet(_ shape: MatMulShape, block: (m: Int, n: Int, k: Int)) -> Int {
        2 * (block.m * block.k * shape.aBytesPerElement + block.k * block.n * shape.bBytesPerElement) + block.m * block.n * 4
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
    /// its blocks need once. Walked a row of blocks at a time, not block by block.
    static func multicastReads(_ shape: MatMulShape, tileBlock: (m: Int, n: Int), blocks: Int, tilesUsed: Int) -> (a: Int, b: Int) {
        let rowBlocks = ceilDiv(shape.m, tileBlock.m), columnBlocks = ceilDiv(shape.n, tileBlock.n)
        let lastRow = shape.m - (rowBlocks - 1) * tileBlock.m, lastColumn = shape.n - (columnBlocks - 1) * tileBlock.n
        func aPanel(_ row: Int) -> Int { (row == rowBlocks - 1 ? lastRow : tileBlock.m) * shape.k * shape.aBytesPerElement }
        func bPanels(_ columns: Int, includesLast: Bool) -> Int {
            ((columns - (includesLast ? 1 : 0)) * tileBlock.n + (includesLast ? lastColumn : 0)) * shape.k * shape.bBytesPerElement
        }
        var a = 0, b = 0
        var start = 0
        while start < blocks {
            let end = min(start + max(tilesUsed, 1), blocks)
            // Columns of B this round needs, per product (one set when B is a shared weight).
            var columns: [Int: [Bool]] = [:]
            var index = start
            while index < end {
                let productRow = index / columnBlocks
                let segmentEnd = min(end, (productRow + 1) * columnBlocks)
                a += aPanel(productRow % rowBlocks)
                let key = shape.weightShared ? 0 : productRow / rowBlocks
                var covered = columns[key] ?? [Bool](repeating: false, count: columnBlocks)
                for column in (index % columnBlocks)...((segmentEnd - 1) % columnBlocks) { covered[column] = true }
                columns[key] = covered
                index = segmentEnd
            }
            for covered in columns.values {
                b += bPanels(covered.filter { $0 }.count, includesLast: covered[columnBlocks - 1])
            }
            start = end
        }
        return (a, b)
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
