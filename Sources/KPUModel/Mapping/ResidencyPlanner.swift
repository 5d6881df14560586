import ModelGraph

/// Decides, group by group in schedule order, which activations L3 keeps and which go out to
/// DRAM (Belady's rule: when the live activations and the running group's working set overflow
/// L3, the activation whose next use is furthest away leaves first).
///
/// An activation is a buffer some op computes at run time; views and absorbed transposes alias
/// their input's buffer. Weights, folded constants and the graph's inputs are always read from
/// DRAM; the graph's outputs are always written there. A spilled activation is charged its DRAM
/// write where it was produced (as if written through), and every read after the spill comes
/// from DRAM.
struct ResidencyPlanner {
    let graph: Graph
    let hardware: KPUHardware
    let plan: FusionPlan
    let operators: [OperatorMapping]

    /// L3 a group without a matmul blocking keeps for staging what it streams: two chunks.
    static let stagingBytes = 2 * Mapping.chunkBytes

    func plan(_ residency: Residency) -> ResidencyPlan {
        let roots = bufferRoots()
        let groups = plan.groups
        var position = [Int](repeating: 0, count: graph.ops.count)
        for (index, group) in groups.enumerated() { position[group[0]] = index }
        let outputs = Set(graph.outputs.map { roots[$0.index] })

        // Each group's reads of activations made by other groups, and every activation's uses.
        var reads = [[(op: Int, input: TensorID, buffer: TensorID)]](repeating: [], count: groups.count)
        var uses: [TensorID: [Int]] = [:]
        for (index, group) in groups.enumerated() where moves(group[0]) {
            for member in group {
                for input in Set(graph.ops[member].inputs).sorted() {
                    let buffer = roots[input.index]
                    guard let producer = producingGroup(of: buffer), producer != group[0] else { continue }
                    reads[index].append((member, input, buffer))
                    if uses[buffer]?.last != index { uses[buffer, default: []].append(index) }
                }
            }
        }

        var inputsInL3 = [[TensorID]](repeating: [], count: graph.ops.count)
        var storesResult = [Bool](repeating: false, count: graph.ops.count)
        var loadsActivations = [Bool](repeating: false, count: graph.ops.count)
        var spills: [ResidencyPlan.Spill] = []
        var peak = 0

        switch residency {
        case .dram:
            for (index, group) in groups.enumerated() {
                let head = group[0]
                storesResult[head] = result(of: head) != nil
                for read in reads[index] {
                    if case .fusedResidual(let skip) = plan.roles[read.op], skip == read.input,
                        graph[skip].byteCount + workingSet(head) <= hardware.l3Bytes
                    {
                        inputsInL3[read.op].append(read.input)
                    } else {
                        loadsActivations[head] = true
                    }
                }
            }

        case .l3:
            var live: [TensorID: Int] = [:]
            var liveBytes = 0
            func nextUse(_ buffer: TensorID, after index: Int) -> Int {
                uses[buffer]?.first { $0 > index } ?? Int.max
            }
            for (index, group) in groups.enumerated() {
                let head = group[0]
                for read in reads[index] {
                    if live[read.buffer] != nil {
                        inputsInL3[read.op].append(read.input)
                    } else {
                        loadsActivations[head] = true
                    }
                }
                if let result = result(of: head) {
                    let buffer = roots[result.index]
                    storesResult[head] = outputs.contains(buffer)
                    if nextUse(buffer, after: index) != Int.max {
                        live[buffer] = graph[buffer].byteCount
                        liveBytes += graph[buffer].byteCount
                    }
                }
                let capacity = hardware.l3Bytes - workingSet(head)
                let readNow = Set(reads[index].map(\.buffer))
                while liveBytes > capacity, !live.isEmpty {
                    // Keep what this group reads while others can go; then the furthest next use,
                    // then the larger, then the later tensor.
                    let victim = live.max { a, b in
                        (readNow.contains(a.key) ? 0 : 1, nextUse(a.key, after: index), a.value, a.key.index)
                            < (readNow.contains(b.key) ? 0 : 1, nextUse(b.key, after: index), b.value, b.key.index)
                    }!
                    live[victim.key] = nil
                    liveBytes -= victim.value
                    if let producer = producingGroup(of: victim.key) { storesResult[producer] = true }
                    spills.append(ResidencyPlan.Spill(tensor: victim.key, bytes: victim.value, evictedDuring: head))
                }
                peak = max(peak, liveBytes)
                for buffer in readNow where nextUse(buffer, after: index) == Int.max {
                    if let bytes = live.removeValue(forKey: buffer) { liveBytes -= bytes }
                }
            }
        }
        return ResidencyPlan(
            residency: residency, inputsInL3: inputsInL3, storesResult: storesResult, loadsActivations: loadsActivations,
            spills: spills, peakResidentBytes: peak)
    }

    /// The buffer each tensor lives in: its own, or for a view's or an absorbed transpose's
    /// output, the buffer of the tensor it looks at.
    func bufferRoots() -> [TensorID] {
        var roots = graph.tensors.map(\.id)
        for op in graph.ops {
            switch operators[op.index].placement {
            case .view, .absorbedTranspose:
                roots[op.outputs[0].index] = roots[op.inputs[0].index]
            default: break
            }
        }
        return roots
    }

    /// The head of the group that writes `buffer` at run time; nil for weights, folded
    /// constants and graph inputs.
    func producingGroup(of buffer: TensorID) -> Int? {
        guard let producer = graph.producerIndex(of: buffer), moves(producer) else { return nil }
        return plan.groupOf[producer]
    }

    /// Whether an op moves data at run time (not a view, an absorbed transpose or a constant).
    func moves(_ op: Int) -> Bool {
        switch operators[op].placement {
        case .folded, .view, .absorbedTranspose: false
        default: true
        }
    }

    /// The tensor a group writes out: a fused group's final result, else the op's output.
    func result(of head: Int) -> TensorID? {
        switch plan.roles[head] {
        case .matMulHead(let output), .attentionHead(let output): return output
        default: return moves(head) ? graph.ops[head].outputs[0] : nil
        }
    }

    /// L3 a group needs for itself while it runs: a matmul's double-buffered DRAM blocks and
    /// its output block, else the staging buffers.
    func workingSet(_ head: Int) -> Int {
        operators[head].tiling?.l3WorkingSetBytes ?? Self.stagingBytes
    }
}
