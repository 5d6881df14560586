import ModelGraph
import Support

/// Places each group's stages on the resource lanes, respecting data dependencies and double
/// buffering, then charges every op its share of the makespan.
///
/// A group is split into chunks that flow through its stages as a software pipeline: chunk i's
/// stage s starts when chunk i has finished the previous stage, when chunk i−1 has finished
/// stage s, when chunk i−2 has left the buffer stage s fills (two buffers per stage), and in the
/// earliest gap of its lane long enough to hold it (a later op may fill time an earlier one left
/// idle). Loading chunk i+1 thus overlaps computing chunk i. A group's stages wait for every
/// group producing its inputs, except its DRAM loads when they read only weights and graph
/// inputs: those are prefetched once the group before it has started, so the DMA fetches the
/// next op's weights while the current one computes, one op ahead.
struct Scheduler {
    let graph: Graph
    let hardware: KPUHardware

    func run(mapping: Mapping, demands: [OperatorDemand]) -> Schedule {
        let groups = mapping.plan.groups, groupOf = mapping.plan.groupOf
        // Arrays indexed by lane, stage and op rather than dictionaries: hashing the keys was a
        // third of the evaluation's time.
        let allStages = Stage.allCases, allLanes = Lane.allCases
        let laneOfStage = allStages.map { stage in allLanes.firstIndex(of: stage.lane)! }
        var lanes = [LaneTimeline](repeating: LaneTimeline(), count: allLanes.count)
        var groupEnd = [Int64](repeating: 0, count: graph.ops.count)
        var groupStart = [Int64](repeating: 0, count: graph.ops.count)
        var events: [ScheduleEvent] = []
        // When the last group with work started: the prefetch horizon of the next one's loads.
        var previousStart: Int64 = 0
        var duration = [Int64](repeating: 0, count: allStages.count)
        var bytes = [Int](repeating: 0, count: allStages.count)
        let (load, move, stream, store) = (Stage.load.ordinal, Stage.move.ordinal, Stage.stream.ordinal, Stage.store.ordinal)

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
                    duration[stage.ordinal] += TimeSpan(secondsRoundedUp: seconds).picoseconds
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
            let chunks = mapping.chunks(ofGroup: head, in: graph)
            // Loads of weights and graph inputs alone need nothing from earlier ops: they start as
            // soon as the group before this one has.
            let loadReady = mapping.residency.loadsWaitForProducers(head) ? ready : min(ready, previousStart)
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
                    var earliest = stage == load ? loadReady : ready
                    if position > 0 { earliest = max(earliest, ends[chunk][position - 1]) }
                    if chunk > 0 { earliest = max(earliest, ends[chunk - 1][position]) }
                    if chunk >= 2 && position + 1 < stages.count { earliest = max(earliest, ends[chunk - 2][position + 1]) }
                    let begin = lanes[lane].book(share, notBefore: earliest)
                    let finish = begin + share
                    ends[chunk][position] = finish
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
            previousStart = start
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
