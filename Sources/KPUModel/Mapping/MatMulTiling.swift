/// An output-stationary blocking of C[M,N] = A[M,K] · B[K,N] at L3 (the whole chip's L3) and at
/// L2 (one tile's L2), chosen to fit the capacities with double-buffered operand blocks.
///
/// External traffic is what the L3 blocking leaves: A is re-read once per column block and B
/// once per row block; C stays resident in L3 across the K loop and is written once.
public struct MatMulTiling: Sendable, Hashable {
    public let m: Int, n: Int, k: Int
    /// Independent products (attention heads × batch), each M×N×K.
    public let batch: Int
    public let l3Block: (m: Int, n: Int, k: Int)
    public let l2Block: (m: Int, n: Int, k: Int)
    /// Bytes read from DRAM for A and B, across the whole op.
    public let externalReadBytes: Int
    /// Bytes the block movers carry from L3 to L2 for A and B.
    public let l3ToL2Bytes: Int
    /// Bytes the streamers carry from L2 into the PE arrays' L1 for A and B.
    public let l2ToL1Bytes: Int
    /// The same three figures split by operand: (A, B).
    public let externalReadBytesByOperand: (a: Int, b: Int)
    public let l3ToL2BytesByOperand: (a: Int, b: Int)
    public let l2ToL1BytesByOperand: (a: Int, b: Int)
    /// L3 blocks the op is processed in: the schedule pipelines these.
    public let l3BlockCount: Int

    public static func == (a: MatMulTiling, b: MatMulTiling) -> Bool {
        a.m == b.m && a.n == b.n && a.k == b.k && a.batch == b.batch && a.l3Block == b.l3Block && a.l2Block == b.l2Block
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(m); hasher.combine(n); hasher.combine(k); hasher.combine(batch)
        hasher.combine(l3Block.m); hasher.combine(l3Block.n); hasher.combine(l3Block.k)
    }

    /// Searches blockings that fit, minimising DRAM traffic, then L3→L2 traffic, then the number
    /// of blocks; ties go to the lexicographically smallest (m, n, k), so the choice is
    /// deterministic. The search does not look at the energy table, so comparing tables never
    /// changes the mapping.
    static func search(
        m: Int, n: Int, k: Int, batch: Int, aBytesPerElement: Int, bBytesPerElement: Int,
        aSharedAcrossBatch: Bool, bSharedAcrossBatch: Bool,
        arrayRows: Int, arrayColumns: Int, l3Capacity: Int, l2Capacity: Int, l1Capacity: Int
    ) -> MatMulTiling {
        let accumulator = 4
        let aBytes = m * k * aBytesPerElement, bBytes = k * n * bBytesPerElement
        func candidates(_ extent: Int, step: Int) -> [Int] {
            var values = Set([extent])
            var size = max(step, 1)
            while size < extent { values.insert(size); size *= 2 }
            return values.sorted()
        }
        func fits(_ bm: Int, _ bn: Int, _ bk: Int, capacity: Int) -> Bool {
            // Double-buffered A and B blocks plus the resident accumulator block.
            2 * (bm * bk * aBytesPerElement + bk * bn * bBytesPerElement) + bm * bn * accumulator <= capacity
        }
        func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        // A shared across the batch (never here) or per batch; weights (B) shared across a flattened batch.
        func readsByOperand(_ bm: Int, _ bn: Int) -> (a: Int, b: Int) {
            (aBytes * ceilDiv(n, bn) * (aSharedAcrossBatch ? 1 : batch), bBytes * ceilDiv(m, bm) * (bSharedAcrossBatch ? 1 : batch))
        }
        func reads(_ bm: Int, _ bn: Int) -> Int {
            let split = readsByOperand(bm, bn)
            return split.a + split.b
        }

        let ms = candidates(m, step: arrayRows), ns = candidates(n, step: arrayColumns), ks = candidates(k, step: 32)
        // Keys compare as tuples, lexicographically: fewest DRAM reads, then fewest blocks, then
        // the smallest block.
        var bestL3: (key: (Int, Int, Int, Int, Int), block: (Int, Int, Int))?
        for bm in ms {
            for bn in ns {
                for bk in ks where fits(bm, bn, bk, capacity: l3Capacity) {
                    let blocks = ceilDiv(m, bm) * ceilDiv(n, bn) * ceilDiv(k, bk) * batch
                    let key = (reads(bm, bn), blocks, bm, bn, bk)
                    if bestL3 == nil || key < bestL3!.key { bestL3 = (key, (bm, bn, bk)) }
                }
            }
        }
        // Nothing fits (a tiny L3): stream the smallest blocks.
        let l3 = bestL3?.block ?? (min(m, arrayRows), min(n, arrayColumns), min(k, 32))

        var bestL2: (key: (Int, Int, Int, Int), block: (Int, Int, Int))?
        for bm in ms where bm <= l3.0 {
            for bn in ns where bn <= l3.1 {
                for bk in ks where bk <= l3.2 && fits(bm, bn, bk, capacity: l2Capacity) {
                    let key = (reads(bm, bn), -bk, bm, bn)
                    if bestL2 == nil || key < bestL2!.key { bestL2 = (key, (bm, bn, bk)) }
                }
            }
        }
        let l2 = bestL2?.block ?? (min(m, arrayRows), min(n, arrayColumns), min(k, 32))

        // When one tile's L1 holds an L2 block's operands, each is streamed in once per L2 block;
        // otherwise the array re-streams A per column block and B per row block of its own size.
        let l2Operands = l2.0 * l2.2 * aBytesPerElement + l2.2 * l2.1 * bBytesPerElement
        let l2ToL1 = l2Operands <= l1Capacity ? readsByOperand(l2.0, l2.1) : readsByOperand(min(arrayRows, m), min(arrayColumns, n))
        return MatMulTiling(
            m: m, n: n, k: k, batch: batch, l3Block: l3, l2Block: l2,
            externalReadBytes: reads(l3.0, l3.1), l3ToL2Bytes: reads(l2.0, l2.1), l2ToL1Bytes: l2ToL1.a + l2ToL1.b,
            externalReadBytesByOperand: readsByOperand(l3.0, l3.1), l3ToL2BytesByOperand: readsByOperand(l2.0, l2.1),
            l2ToL1BytesByOperand: l2ToL1,
            l3BlockCount: ceilDiv(m, l3.0) * ceilDiv(n, l3.1) * ceilDiv(k, l3.2) * batch
        )
    }
}
