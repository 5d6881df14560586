import ModelGraph
import Support

/// Places each group's stages on the resource lanes, respecting data dependencies and double
/// buffering, then charges every op its share of the makespan.
///
/// A group is split into up to four chunks that flow through its stages as a software pipeline:
/// chunk i's stage s starts when its lane is free, when chunk i has finished the previous stage,
/// and when chunk i−2 has left the buffer stage s fills (two buffers per stage). Loading chunk i+1
/// thus overlaps computing chunk i. A group starts once every group producing its inputs has
/// stored its result.
struct Scheduler {
    let graph: Graph
    let hardware: KPUHardware
    static let maximumChunks = 4

    func run(mapping: Mapping, demands: [OperatorDemand]) -> Schedule {
        let groups = mapping.plan.groups, groupOf = mapping.plan.groupOf
        // Arrays indexed by lane, stage and op rather than dictionaries: hashing the keys was a
        // third of the evaluation's time.
        let allStages = Stage.allCases, allLanes = Lane.allCases
        let laneOfStage = allStages.map { stage in allLanes.firstIndex(of: stage.lane)! }
        let stageIndex = Dictionary(uniqueKeysWithValues: allStages.enumerated().map { ($1, $0) })
        var laneFree = [Int64](repeating: 0, count: allLanes.count)
        var groupEnd = [Int64](repeating: 0, count: graph.ops.count)
        var groupStart = [Int64](repeating: 0, count: graph.ops.count)
        var events: [ScheduleEvent] = []
        var duration = [Int64](repeating: 0, count: allStages.count)
        var bytes = [Int](repeating: 0, count: allStages.count)
        let (load, move, stream, store) = (
            allStages.firstIndex(of: .load)!, allStages.firstIndex(of: .move)!,
            allStages.firstIndex(of: .stream)!, allStages.firstIndex(of: .store)!
        )

        for group in groups {
            let head = group[0]
            // Ready when every producer outside the group has finished.
            var ready: Int64 = 0
            for member in group {
                for input in graph.ops[member].inputs {
                    if let producer = graph.producerIndex(of: input), groupOf[producer] != head {
                        ready = max(ready, groupEnd[groupOf[producer]])
                    }
                }
            }
            // Stage durations of the whole group, in picoseconds, and the bytes each stage carries.
            for index in allStages.indices { duration[index] = 0; bytes[index] = 0 }
            for member in group {
                for (stage, seconds) in demands[member].stageSeconds {
                    duration[stageIndex[stage]!] += TimeSpan(secondsRoundedUp: seconds).picoseconds
                }
                let traffic = demands[member].traffic
                bytes[load] += traffic.dram.read
                bytes[store] += traffic.dram.written
                bytes[move] += traffic.blockMoverBytes
                bytes[stream] += traffic.streamerBytes
            }
            let stages = allStages.indices.filter { duration[$0] > 0 }
            guard !stages.isEmpty else {
                groupStart[head] = ready
                groupEnd[head] = ready
                continue
            }
            let chunks = chunkCount(tiling: mapping[head].tiling, group: group, demands: demands)
            var ends = [[Int64]](repeating: [Int64](repeating: 0, count: stages.count), count: chunks)
            var start = Int64.max, end: Int64 = 0
            // Issue along anti-diagonals: chunk i+1's load is placed before chunk i's store.
            for step in 0..<(chunks + stages.count - 1) {
                for (position, stage) in stages.enumerated() {
                    let chunk = step - position
                    guard chunk >= 0 && chunk < chunks else { continue }
                    let total = duration[stage]
                    let lane = laneOfStage[stage]
                    // Split the stage evenly; the first chunks take the remainder so the sum is exact.
                    let share = total / Int64(chunks) + (Int64(chunk) < total % Int64(chunks) ? 1 : 0)
                    var begin = max(laneFree[lane], ready)
                    if position > 0 { begin = max(begin, ends[chunk][position - 1]) }
                    if chunk > 0 { begin = max(begin, ends[chunk - 1][position]) }
                    if chunk >= 2 && position + 1 < stages.count { begin = max(begin, ends[chunk - 2][position + 1]) }
                    let finish = begin + share
                    ends[chunk][position] = finish
                    laneFree[lane] = finish
                    start = min(start, begin)
                    end = max(end, finish)
                    let stageBytes = bytes[stage]
                    let chunkBytes = stageBytes / chunks + (chunk < stageBytes % chunks ? 1 : 0)
                    events.append(
                        ScheduleEvent(
                            lane: allLanes[lane], stage: allStages[stage], opIndex: head, chunk: chunk,
                            startPicoseconds: begin, endPicoseconds: finish, bytes: chunkBytes))
                }
            }
            groupStart[head] = start
            groupEnd[head] = end
        }

        // Charge each group the time by which it moves the finish line, in order of finish.
        let ordered = groups.map { $0[0] }.sorted { (groupEnd[$0], $0) < (groupEnd[$1], $1) }
        var finishLine: Int64 = 0
        var charge = [Int64](repeating: 0, count: graph.ops.count)
        for head in ordered {
            let end = groupEnd[head]
            charge[head] = max(0, end - finishLine)
            finishLine = max(finishLine, end)
        }
        var slots = [Schedule.Slot](repeating: Schedule.Slot(latency: .zero, start: .zero, end: .zero), count: graph.ops.count)
        for group in groups {
            let head = group[0]
            let weights = group.map { member in demands[member].stageSeconds.values.reduce(0, +) }
            for (member, share) in zip(group, Self.split(charge[head], weights: weights)) {
                slots[member] = Schedule.Slot(
                    latency: TimeSpan(picoseconds: share), start: TimeSpan(picoseconds: groupStart[head]),
                    end: TimeSpan(picoseconds: groupEnd[head]))
            }
        }
        return Schedule(events: events, makespan: TimeSpan(picoseconds: finishLine), slots: slots)
    }

    /// A matmul flows in as many chunks as it has L3 blocks or L2 K-steps; a streamed op in one
    /// chunk per 256 KiB it moves; both at most ``maximumChunks``.
    func chunkCount(tiling: MatMulTiling?, group: [Int], demands: [OperatorDemand]) -> Int {
        if let tiling {
            let kSteps = (tiling.k + tiling.l2Block.k - 1) / tiling.l2Block.k
            return min(Self.maximumChunks, max(1, max(tiling.l3BlockCount, kSteps)))
        }
        let moved = group.reduce(0) { $0 + demands[$1].traffic.dram.total }
        return min(Self.maximumChunks, max(1, (moved + 262_143) / 262_144))
    }

    /// Splits `total` in proportion to `weights` with integer parts that add up exactly
    /// (largest remainder; ties to the earlier member). All zero weights: all to the first.
    static func split(_ total: Int64, weights: [Double]) -> [Int64] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.indices.map { $0 == 0 ? total : 0 } }
        let exact = weights.map { Double(total) * $0 / sum }
        var parts = exact.map { Int64($0.rounded(.down)) }
        var remainder = total - parts.reduce(0, +)
        let order = exact.indices.sorted { (exact[$0] - Double(parts[$0]), -$0) > (exact[$1] - Double(parts[$1]), -$1) }
        for index in order where remainder > 0 {
            parts[index] += 1
            remainder -= 1
        }
        return parts
    }
}

/// The scheduler's result: every busy interval, the makespan, and each op's charged share of it.
struct Schedule: Sendable {
    let events: [ScheduleEvent]
    let makespan: TimeSpan
    /// Indexed like `graph.ops`.
    let slots: [Slot]

    struct Slot: Sendable {
        /// The op's share of the makespan (see ``KPUEvaluation/attributionRule``).
        let latency: TimeSpan
        /// When the op's group started and finished.
        let start: TimeSpan
        let end: TimeSpan
    }
}
