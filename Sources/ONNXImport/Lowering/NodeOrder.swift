import ModelGraph
import Support

/// The order nodes are read in, and which of them matter for the analysis.
extension Lowering {
    /// Nodes in dependency order (the file's order when it is already one), with their position
    /// in the file for naming. Rejects dangling inputs, duplicate outputs and cycles.
    func orderedNodes() throws(InputError) -> [(Int, Onnx_NodeProto)] {
        let nodes = model.graph.node
        var producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.output where !output.isEmpty {
                if entries[output] != nil || producer[output] != nil {
                    throw InputError(
                        source: source, place: Self.describe(node, index),
                        message: "writes '\(output)', which is already defined; every tensor needs one producer")
                }
                producer[output] = index
            }
        }
        var successors = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            var seen = Set<Int>()
            for input in node.input where !input.isEmpty {
                if let p = producer[input] {
                    if seen.insert(p).inserted { successors[p].append(index) }
                } else if entries[input] == nil {
                    throw InputError(
                        source: source, place: Self.describe(node, index), message: "reads '\(input)', which no node, initializer or graph input provides")
                }
            }
        }
        let (positions, stuck) = stableTopologicalOrder(successors: successors)
        if let stuck {
            throw InputError(source: source, place: Self.describe(nodes[stuck], stuck), message: "is part of a cycle; an ONNX graph must be acyclic")
        }
        let order = positions.map { ($0, nodes[$0]) }
        return order
    }

    /// File positions of nodes from which an add, a contraction or a fused op can be reached:
    /// their shapes must be known.
    func nodesReachingAddsOrMatmuls(_ ordered: [(Int, Onnx_NodeProto)]) -> Set<Int> {
        var producer: [String: Int] = [:]
        for (index, node) in ordered { for output in node.output { producer[output] = index } }
        var byIndex: [Int: Onnx_NodeProto] = [:]
        for (index, node) in ordered { byIndex[index] = node }
        var reached = Set<Int>()
        var stack = ordered.filter { OpTable.anchorsAnalysis(domain: $0.1.domain, opType: $0.1.opType) }.map(\.0)
        while let index = stack.popLast() {
            guard reached.insert(index).inserted, let node = byIndex[index] else { continue }
            for input in node.input { if let p = producer[input] { stack.append(p) } }
        }
        return reached
    }

    /// Refuses, before anything is read, a graph with ops this tool has no rule for on a path
    /// to an add or a matmul, unless the export states their output shapes: one line naming
    /// every such op type and the first node of them.
    func checkEveryRelevantOpIsKnown(_ ordered: [(Int, Onnx_NodeProto)], relevant: Set<Int>) throws(InputError) {
        var missing: [String] = []
        var first: String?
        for (position, node) in ordered where relevant.contains(position) {
            guard OpTable.rule(domain: node.domain, opType: node.opType) == nil, declaredOutputs(of: node) == nil else { continue }
            let type = (node.domain.isEmpty || node.domain == "ai.onnx" ? "" : node.domain + ":") + node.opType
            if !missing.contains(type) { missing.append(type) }
            if first == nil { first = Self.describe(node, position) }
        }
        guard let first else { return }
        let list = missing.count == 1 ? "op type \(missing[0]) is" : "op types \(missing.joined(separator: ", ")) are"
        throw InputError(
            source: source, place: first,
            message:
                "\(list) not supported by this tool and lie on paths to adds or matmuls, so their shapes cannot be inferred; export with the default ONNX domain at opset 21 or lower, or with value_info for these ops' outputs"
        )
    }
}
