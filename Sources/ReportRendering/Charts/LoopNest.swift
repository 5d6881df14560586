import AddAnalysis
import Support
import ReportModel
import KPUModel

/// How one add category's adds run on the KPU, written as the loop nest a compiler would emit:
/// loop order and tile sizes at L3, L2 and L1, where each operand lives, which dimensions are
/// broadcast, and what each fusion policy changes. Built from the category's first add.
struct LoopNest: Sendable {
    var id, title, code, operands, fusion: String

    init?(category: AddCategory, record: AddRecord, run: RunReport.KPURun) {
        guard !record.embedded else { return nil }
        let index = record.opIndex
        let op = run.chosen.operators[index]
        let shape = record.shape
        let names = Self.dimensionNames(rank: shape.count)
        let inputs = run.opInputs[index]
        let hw = run.hardware
        id = category.id
        title = category.title

        // Which output dimensions each operand is broadcast along.
        func indexExpression(_ operandShape: [Int]) -> String {
            let offset = shape.count - operandShape.count
            let used = names.enumerated().compactMap { axis, name -> String? in
                let operandAxis = axis - offset
                guard operandAxis >= 0, operandShape[operandAxis] != 1 || shape[axis] == 1 else { return nil }
                return name
            }
            return used.joined(separator: ",")
        }
        let operandNames = ["A", "B"]
        let terms = inputs.prefix(2).enumerated().map { i, input in "\(operandNames[i])[\(indexExpression(input.shape))]" }
        let rows = max(record.elements / max(shape.last ?? 1, 1), 1)
        let inner = names.last ?? "i"
        let width = hw.vectorWidth

        if case .insideAttention(let kernel, _) = run.chosen.mapping[index].placement {
            // Inside a flash-attention kernel: the scores are made, masked and consumed tile by tile.
            let head = run.opPaths[op.groupHead]
            code = """
                // inside the attention kernel of \(head) (flash-attention): the scores never leave the tile
                for round in 0..<\(kernel.rounds):                                   // \(kernel.tilesUsed) tiles at a time, \(kernel.blocks) blocks
                  for each tile's block (head, q) of \(kernel.rowBlock) query rows:          // Q rows, running output and row statistics in L2
                    for kv in 0..<\(kernel.keys) step \(kernel.kvTile):                        // K, V tiles (the longest that fit L2) and the mask's slice into L2
                      S[q, kv..] = Q[q, :] · K[kv.., :]ᵀ                          // PE array
                      S[q, kv..] = S[q, kv..] · scale + mask[q, kv..]             // vector engine, \(width) lanes
                      m, l, O[q, :] = online_softmax(m, l, O[q, :], S[q, kv..])   // rescale as each tile arrives
                      O[q, :] += P[q, kv..] · V[kv.., :]                          // PE array
                  store O[q, :]                                                  // the context, once
                """
        } else if op.groupHead != index, let tiling = run.chosen.mapping[op.groupHead].tiling {
            // Rides a matmul's drain; the other operand is the side input (a bias vector, a skip tensor).
            let head = run.opPaths[op.groupHead]
            let side = inputs.count > 1 ? inputs[1] : inputs[0]
            let sideOperand = side.shape.count == 1 || side.shape.dropLast().allSatisfy { $0 == 1 } ? "bias[n]" : "skip[m, n]"
            code = """
                // fused into the drain of \(head) (output-stationary, M×N×K = \(tiling.m)×\(tiling.n)×\(tiling.k))
                for round in 0..<\(tiling.rounds):                                   // \(tiling.tilesUsed) tiles at a time, \(tiling.blocks) blocks
                  for each tile's block (m2, n2) of \(tiling.tileBlock.m)×\(tiling.tileBlock.n):              // in the tile's L2
                    for k2 in 0..<\(tiling.k) step \(tiling.l2Block.k):                         // L2 block \(tiling.l2Block.m)×\(tiling.l2Block.n)×\(tiling.l2Block.k)
                      C[m2.., n2..] += A[m2.., k2..] · B[k2.., n2..]                // PE array, k in time
                    for m in m2..<m2+\(tiling.tileBlock.m), n in n2..<n2+\(tiling.tileBlock.n) step \(width):             // vector engine, \(width) lanes
                      C[m, n] = C[m, n] + \(sideOperand)         // as rows leave L1
                """
        } else {
            // Streamed through the vector path in the schedule's chunks.
            let chunks = run.chosen.mapping.chunks(ofGroup: op.groupHead, in: run.graph)
            let rowsPerChunk = (rows + chunks - 1) / chunks
            let tilesUsed = min(hw.totalTiles, rows)
            let rowsPerTile = (rows + tilesUsed - 1) / tilesUsed
            var loops = ""
            var indent = ""
            let outer = names.dropLast()
            loops += "for \(outer.joined(separator: ", ")) in rows 0..<\(rows) step \(rowsPerChunk):   // L3 chunk (\(chunks) in flight, double-buffered)\n"
            indent = "  "
            loops +=
                "\(indent)for tile in 0..<\(tilesUsed):                        // L2: \(rowsPerTile) row\(rowsPerTile == 1 ? "" : "s") of \(shape.last ?? 1) per tile\n"
            indent += "  "
            loops += "\(indent)for \(inner) in 0..<\(shape.last ?? 1) step \(width):                 // L1 → vector engine, \(width) lanes\n"
            indent += "  "
            loops += "\(indent)C[\(names.joined(separator: ","))] = \(terms.joined(separator: " + "))"
            code = loops
        }

        let described = inputs.prefix(2).enumerated().map { i, input -> String in
            // Broadcast along an output dimension wider than 1 that the operand lacks or has as 1.
            let offset = shape.count - input.shape.count
            let broadcast = names.enumerated().filter { axis, _ in
                shape[axis] > 1 && (axis < offset || input.shape[axis - offset] == 1)
            }.map(\.element)
            let kind = input.isParameter ? "a weight" : "an activation"
            let place: String
            if case .insideAttention = run.chosen.mapping[index].placement {
                place =
                    input.shape.reduce(1, *) < record.elements
                    ? "fetched from DRAM once, its slice streamed into L2 beside each K/V tile" : "the scores, made on the PE array and kept in L1"
            } else if op.groupHead != index {
                let firstActivation = inputs.firstIndex { !$0.isParameter }
                if input.isParameter || input.shape.reduce(1, *) < record.elements {
                    place = "fetched from DRAM once, resident in each tile's L1"
                } else if i == firstActivation {
                    place = "the matmul's result, still in L1"
                } else {
                    place = "the skip tensor, read from L3 where it is still resident (else DRAM)"
                }
            } else {
                place =
                    input.shape.reduce(1, *) < record.elements ? "fetched from DRAM once, copied into the tiles that reuse it" : "streamed DRAM → L3 → L2 → L1"
            }
            let broadcastText = broadcast.isEmpty ? "" : "; broadcast along \(broadcast.joined(separator: ", "))"
            return "\(operandNames[i]) \(Format.shape(input.shape)) is \(kind), \(place)\(broadcastText)"
        }
        operands = described.joined(separator: ". ") + ". C \(Format.shape(shape)) drains L1 → vector engine → L2 → L3 → DRAM."

        let policies = FusionPolicy.allCases.compactMap { policy -> String? in
            guard let cost = run.costs(policy)?.cost(of: category) else { return nil }
            return "\(policy.rawValue): \(Format.bytes(cost.figures.traffic.dram.total)) of DRAM traffic, \(Format.energy(cost.figures.energy.total))"
        }
        fusion = policies.joined(separator: "; ") + "."
    }

    /// Names for an add's output dimensions in BERT's usual order.
    static func dimensionNames(rank: Int) -> [String] {
        switch rank {
        case 1: ["h"]
        case 2: ["b", "h"]
        case 3: ["b", "s", "h"]
        case 4: ["b", "a", "q", "k"]
        default: (0..<rank).map { "d\($0)" }
        }
    }
}
