import KPUModel
import Support
import ReportModel
import ModelGraph

/// The sentence the operator table and ops.csv give for how an op was mapped: its placement,
/// blocking and data route, in words.
enum MappingText {
    static func sentence(for op: Op, of run: RunReport.KPURun) -> String {
        let graph = run.graph, evaluation = run.chosen
        let compulsoryReadBytes = run.workload.operators[op.index].compulsoryReadBytes
        let mapping = evaluation.mapping[op.index]
        switch mapping.placement {
        case .folded:
            return "folded at import: computed from sizes known before the model runs"
        case .view:
            return "a view: no data moves"
        case .matMul(let t):
            var text =
                "output-stationary, M×N×K = \(t.m)×\(t.n)×\(t.k)" + (t.batch > 1 ? " × \(t.batch) products" : "") + ": "
                + tileSplitText(t, hardware: evaluation.hardware, precision: evaluation.precision)
                + "; L2 blocks \(t.l2Block.m)×\(t.l2Block.n)×\(t.l2Block.k); L3 blocks \(t.l3Block.m)×\(t.l3Block.n)×\(t.l3Block.k); "
                + (t.multicast ? "one L3 read serves every tile of a round" : "each tile reads its own copy from L3")
                + "; DRAM reads of what is not in L3 \(ratioText(t.externalReadBytes, compulsory: compulsoryReadBytes)) the compulsory"
            if case .matMulHead = mapping.role { text += "; the epilogue rides the drain" }
            return text + residencyClause(for: op, of: evaluation)
        case .onDrain(let sides):
            switch mapping.role {
            case .fusedLayerNorm:
                return
                    "fused into the drain: statistics accumulate per row as tiles drain, then one normalising pass over the result in L3; only gamma and beta come from DRAM"
            case .fusedResidual(let skip):
                if sides.contains(where: { $0.tensor == skip }) {
                    return evaluation.mapping.residency.readsFromL3(op.index, skip)
                        ? "fused into the drain; the skip tensor is read from L3, where it is still resident"
                        : "fused into the drain; the skip tensor is not resident in L3 and comes from DRAM"
                }
            default:
                break
            }
            return op.kind == .add
                ? "fused into the matmul's drain: the vector engine adds the bias as rows leave L1; only the bias vector comes from DRAM"
                : "fused into the matmul's drain: the vector engine's special-function unit applies it as rows leave L1"
        case .attention(let kernel):
            return "flash-attention kernel, QKᵀ, scale, mask, softmax and ·V in one: "
                + attentionText(kernel, hardware: evaluation.hardware, precision: evaluation.precision)
        case .insideAttention(let kernel, _):
            switch op.kind {
            case .matMul:
                return "·V inside the attention kernel: V streams in \(kernel.kvTile)-row tiles beside K; the context leaves once"
                    + residencyClause(for: op, of: evaluation)
            case .softmax:
                return
                    "inside the attention kernel: an online softmax over \(kernel.kvTiles) K/V tile\(kernel.kvTiles == 1 ? "" : "s"), rescaling as each arrives; the probabilities stay in L1"
            case .add: return "inside the attention kernel: the vector engine adds the mask's slice to each tile of scores; only the mask comes from DRAM"
            default: return "inside the attention kernel, on the vector engine: the scores never leave the tile"
            }
        case .absorbedTranspose:
            return "absorbed: every consumer is a matmul, whose block movers fetch tiles with the transposed strides"
        case .dmaCopy:
            switch op.kind {
            case .transpose: return "a data move: strided DMA through L3, since a consumer reads it element-wise"
            case .gather: return "rows fetched from the table in DRAM by DMA descriptors into L3" + residencyClause(for: op, of: evaluation)
            default: return "the selected part copied by DMA into L3" + residencyClause(for: op, of: evaluation)
            }
        case .streamed(let operands):
            let notes = operands.compactMap { operand -> String? in
                guard case .broadcast = operand.route else { return nil }
                return "\(shapeText(graph[operand.tensor].shape)) fetched once per reuse window"
            }
            let plan = evaluation.mapping.residency
            let inL3 = operands.filter { plan.readsFromL3(op.index, $0.tensor) }.count
            let source = inL3 == operands.count ? "L3" : inL3 == 0 ? "DRAM → L3" : "DRAM and L3"
            return "streamed \(source) → L2 → L1 → vector engine → L3" + (plan.storesToDRAM(op.index) ? " → DRAM" : "")
                + (notes.isEmpty ? "" : "; broadcast " + notes.sorted().joined(separator: ", "))
        }
    }

    /// `; A read from L3; the result stays in L3`: where a matmul's activations come from and
    /// where its group's result goes, under the run's residency.
    static func residencyClause(for op: Op, of evaluation: KPUEvaluation) -> String {
        let plan = evaluation.mapping.residency
        let names = op.kind == .matMul ? ["A", "B"] : []
        let fromL3 = zip(names, op.inputs).filter { plan.readsFromL3(op.index, $0.1) }.map(\.0)
        let head = evaluation.mapping.plan.groupOf[op.index]
        return (fromL3.isEmpty ? "" : "; \(fromL3.joined(separator: " and ")) read from L3")
            + (plan.storesToDRAM(head) ? "; the result is written to DRAM" : "; the result stays in L3")
    }

    /// `96 of 256 tiles, 96 blocks of 32×32, 1 round`, and with more than one class at work,
    /// how many tiles of each and how many rounds they take.
    static func tileSplitText(_ t: MatMulTiling, hardware: KPUHardware, precision: Precision) -> String {
        let available = hardware.tileClasses(running: precision).reduce(0) { $0 + $1.count }
        var text =
            "\(t.tilesUsed) of \(available) tiles, \(t.blocks) block\(t.blocks == 1 ? "" : "s") of \(t.tileBlock.m)×\(t.tileBlock.n), "
            + "\(t.rounds) round\(t.rounds == 1 ? "" : "s")"
        if t.shares.count > 1 || t.shares.first.map({ share in hardware.tileClasses(running: precision).count > 1 && share.tiles > 0 }) == true {
            text += " (" + t.shares.map { "\($0.tiles) \($0.name) × \($0.rounds)" }.joined(separator: ", ") + ")"
        }
        return text
    }

    /// `192 of 256 tiles, 48 blocks of 32 query rows, K/V in 128-row tiles, 1 round`.
    static func attentionText(_ kernel: AttentionTiling, hardware: KPUHardware, precision: Precision) -> String {
        let available = hardware.tileClasses(running: precision).reduce(0) { $0 + $1.count }
        return "\(kernel.tilesUsed) of \(available) tiles, \(kernel.blocks) blocks of \(kernel.rowBlock) query rows, K/V in \(kernel.kvTile)-row tiles, "
            + "\(kernel.rounds) round\(kernel.rounds == 1 ? "" : "s"); scores kept in L2/L1; "
            + (kernel.multicast ? "each head's K and V read from L3 once a round" : "each tile reads its own K and V from L3")
    }

    static func ratioText(_ actual: Int, compulsory: Int) -> String {
        guard compulsory > 0 else { return "—" }
        let ratio = Double(actual) / Double(compulsory)
        return String(Int((ratio * 100).rounded())) + " % of"
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : "[" + shape.map(String.init).joined(separator: ",") + "]"
    }
}
