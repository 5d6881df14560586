import ModelGraph

/// A LayerNorm or GELU written out as primitive ops (as torch's legacy exporter does), found
/// from the adds inside it, so the report can set its cost against the fused op it replaces.
public struct Decomposition: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case layerNorm = "LayerNorm"
        case gelu = "GELU"
    }

    public let kind: Kind
    /// The primitive ops, by op index, in graph order.
    public let ops: [Int]
    /// The tensor the decomposed op normalises or activates, and its result.
    public let input: TensorID
    public let output: TensorID
}

extension AddAnalysis {
    /// Every written-out LayerNorm (anchored on its beta add) and GELU (anchored on its `1 + erf`).
    public func decompositions(in graph: Graph) -> [Decomposition] {
        var found: [Decomposition] = []
        let byOp = Dictionary(records.filter { !$0.embedded }.map { ($0.opIndex, $0.category) }, uniquingKeysWith: { a, _ in a })
        for record in records where !record.embedded {
            let op = graph.ops[record.opIndex]
            switch record.category {
            case .layernorm where op.inputs.contains(where: { graph.producer(of: $0)?.kind == .mul }):
                // Walk back from the beta add through the normalisation's arithmetic.
                let inside: Set<OpKind> = [.mul, .div, .sub, .sqrt, .pow, .reduceMean, .add]
                var members = Set<Int>(), stack = [op.index], frontier: [TensorID] = []
                while let index = stack.popLast() {
                    guard members.insert(index).inserted else { continue }
                    for input in graph.ops[index].inputs {
                        guard let producer = graph.producer(of: input) else { continue }
                        let isInside = inside.contains(producer.kind) && (producer.kind != .add || byOp[producer.index] == .layernorm)
                        if isInside { stack.append(producer.index) } else if graph[input].role == .activation { frontier.append(input) }
                    }
                }
                if let input = frontier.first {
                    found.append(Decomposition(kind: .layerNorm, ops: members.sorted(), input: input, output: op.outputs[0]))
                }
            case .activation:
                // erf(x / √2) + 1, then × x and × 0.5.
                var members = [op.index]
                var input: TensorID?
                if let erf = op.inputs.compactMap({ graph.producer(of: $0) }).first(where: { $0.kind == .erf || $0.kind == .tanh }) {
                    members.append(erf.index)
                    if let scale = graph.producer(of: erf.inputs[0]), scale.kind == .div || scale.kind == .mul {
                        members.append(scale.index)
                        input = scale.inputs.first { graph[$0].role == .activation }
                    }
                }
                var tail = op.outputs[0]
                while let next = graph.consumers(of: tail).first, graph.consumers(of: tail).count == 1, next.kind == .mul {
                    members.append(next.index)
                    tail = next.outputs[0]
                }
                if let input {
                    found.append(Decomposition(kind: .gelu, ops: members.sorted(), input: input, output: tail))
                }
            default:
                break
            }
        }
        return found
    }
}
