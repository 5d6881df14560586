/// Kahn's algorithm, stable: nodes become ready in the order their last predecessor releases
/// them, starting from the nodes without predecessors in ascending index order, so a list that
/// is already in dependency order comes back unchanged.
///
/// `successors[i]` lists the nodes that depend on node `i`, each at most once. Returns the
/// order, and when a cycle leaves nodes unordered, the first of them (to name in an error).
///
/// ```swift
/// let (order, stuck) = stableTopologicalOrder(successors: [[2], [2], []])
/// // order == [0, 1, 2], stuck == nil
/// ```
public func stableTopologicalOrder(successors: [[Int]]) -> (order: [Int], firstStuck: Int?) {
    var pending = [Int](repeating: 0, count: successors.count)
    for list in successors { for next in list { pending[next] += 1 } }
    var ready = pending.indices.filter { pending[$0] == 0 }
    ready.reserveCapacity(successors.count)
    var cursor = 0
    while cursor < ready.count {
        let node = ready[cursor]
        cursor += 1
        for next in successors[node] {
            pending[next] -= 1
            if pending[next] == 0 { ready.append(next) }
        }
    }
    guard ready.count != successors.count else { return (ready, nil) }
    return (ready, pending.indices.first { pending[$0] > 0 })
}
