import AddAnalysis
import Support
import ReportModel
import KPUModel

/// How one add category's adds run on the KPU, written as the loop nest a compiler would emit
/// (the mapping's ``KPUModel/LoopNest``, one per tile class): loop order and tile sizes at L3,
/// L2 and L1, where each operand lives, which dimensions are broadcast, and what each fusion
/// policy changes. Built from the category's first add.
struct CategoryLoopNest: Sendable {
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
        } else {
            let nests = run.chosen.mapping.loopNests(of: index, in: run.graph, hardware: hw)
            if op.groupHead != index {
                // Rides a matmul's drain; the other operand is the side input (a bias vector, a skip tensor).
                let side = inputs.count > 1 ? inputs[1] : inputs[0]
                let sideOperand = side.shape.count == 1 || side.shape.dropLast().allSatisfy { $0 == 1 } ? "bias[n]" : "skip[m, n]"
                let drain = [
                    "for m, n in block (m2, n2) step \(width):", "  C[m, n] = C[m, n] + \(sideOperand)"
                ]
                code =
                    "// fused into the drain of \(run.opPaths[op.groupHead]): the vector engine (\(width) lanes) adds as rows leave L1\n"
                    + nests.map { LoopNestText.render($0, afterBlock: drain, afterBlockNote: "drain: L1 → vector engine → L2") }.joined(separator: "\n\n")
            } else {
                let statement = "C[\(names.joined(separator: ","))] = \(terms.joined(separator: " + "))"
                code = nests.map { LoopNestText.render($0, statement: statement) }.joined(separator: "\n\n")
            }
        }

        let described = inputs.prefix(2).enumerated().map { i, input -> String in
            // Broadcast along an output dimension wider than 1 that the operand lacks or has as 1.
            let offset = shape.count - input.shape.count
            let broadcast = names.enumerated().filter { axis, _ in
                shape[axis] > 1 && (axis < offset || input.shape[axis - offset] == 1)
            }.map(\.element)
            let kind = input.isParameter ? "a weight" : "an activation"
            // Where the residency plan keeps it: weights and graph inputs always come from DRAM.
            let inL3 = run.chosen.mapping.residency.readsFromL3(index, run.graph.ops[index].inputs[i])
            let source = inL3 ? "L3, where it is resident" : "DRAM"
            let place: String
            if case .insideAttention = run.chosen.mapping[index].placement {
                place =
                    input.shape.reduce(1, *) < record.elements
                    ? "fetched from \(source) once, its slice streamed into L2 beside each K/V tile" : "the scores, made on the PE array and kept in L1"
            } else if op.groupHead != index {
                let firstActivation = inputs.firstIndex { !$0.isParameter }
                if input.isParameter || input.shape.reduce(1, *) < record.elements {
                    place = "fetched from \(source) once, resident in each tile's L1"
                } else if i == firstActivation {
                    place = "the matmul's result, still in L1"
                } else {
                    place = inL3 ? "the skip tensor, read from L3 where it is still resident" : "the skip tensor, read from DRAM"
                }
            } else {
                place =
                    input.shape.reduce(1, *) < record.elements
                    ? "fetched from \(source) once, copied into the tiles that reuse it" : "streamed \(inL3 ? "from L3" : "DRAM → L3") → L2 → L1"
            }
            let broadcastText = broadcast.isEmpty ? "" : "; broadcast along \(broadcast.joined(separator: ", "))"
            return "\(operandNames[i]) \(Format.shape(input.shape)) is \(kind), \(place)\(broadcastText)"
        }
        let stored = run.chosen.mapping.residency.storesToDRAM(op.groupHead)
        operands =
            described.joined(separator: ". ") + ". C \(Format.shape(shape)) drains L1 → vector engine → L2 → L3"
            + (stored ? " → DRAM." : ", where it stays for the ops that read it.")

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
