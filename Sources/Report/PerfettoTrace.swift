import Foundation
import KPUModel

/// The chosen policy's schedule in the Chrome trace-event format that ui.perfetto.dev opens:
/// one complete event (`ph: "X"`) per busy interval, one thread per resource lane named by
/// `thread_name` metadata, `ts`/`dur` in microseconds, cycles and bytes in `args`.
extension RunReport {
    public func perfettoTraceData() throws -> Data? {
        guard let kpu else { return nil }
        struct Arguments: Encodable {
            var stage: String
            var category: String?
            /// How many pipeline chunks the slice spans.
            var chunks: Int
            var bytes: Int
            var cycles: Int64
            var startCycle: Int64
            enum CodingKeys: String, CodingKey { case stage, category, chunks, bytes, cycles, startCycle = "start_cycle" }
        }
        struct Event: Encodable {
            var name: String
            var cat: String
            var ph: String
            var ts: Double
            var dur: Double?
            var pid = 1
            var tid: Int
            var args: Arguments?
            var threadName: [String: String]?

            enum CodingKeys: String, CodingKey { case name, cat, ph, ts, dur, pid, tid, args }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(name, forKey: .name)
                try c.encode(cat, forKey: .cat)
                try c.encode(ph, forKey: .ph)
                try c.encode(ts, forKey: .ts)
                try c.encodeIfPresent(dur, forKey: .dur)
                try c.encode(pid, forKey: .pid)
                try c.encode(tid, forKey: .tid)
                if let threadName { try c.encode(threadName, forKey: .args) } else { try c.encodeIfPresent(args, forKey: .args) }
            }
        }
        struct Trace: Encodable {
            var traceEvents: [Event]
            var displayTimeUnit = "ns"
        }
        let hw = kpu.hardware
        let names: [Lane: String] = [
            .dma: "DMA ×\(hw.dma.count) (striped)", .blockMovers: "Block movers ×\(hw.blockMovers.count)",
            .streamers: "Streamers ×\(hw.streamers.count)", .compute: "Compute tiles", .vectorEngine: "Vector engines ×\(hw.vectorEngines)",
        ]
        let lanes = Lane.allCases
        let tid = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($1, $0 + 1) })
        var events = lanes.map { lane in
            Event(name: "thread_name", cat: "__metadata", ph: "M", ts: 0, tid: tid[lane]!, threadName: ["name": names[lane] ?? lane.rawValue])
        }
        events.reserveCapacity(events.count + kpu.chosen.events.count)
        let cyclesPerPicosecond = hw.clockHz * 1e-12
        // One slice per operator, lane and stage (its chunks joined, bytes summed): what a trace
        // viewer shows at any zoom; the chunk-level intervals are in schedule.json.
        var joined: [ScheduleEvent] = []
        var slot: [String: Int] = [:]
        for event in kpu.chosen.events {
            let key = "\(event.opIndex)|\(event.lane.rawValue)|\(event.stage.rawValue)"
            if let index = slot[key] {
                let previous = joined[index]
                joined[index] = ScheduleEvent(lane: previous.lane, stage: previous.stage, opIndex: previous.opIndex, chunk: previous.chunk + 1,
                                              startPicoseconds: min(previous.startPicoseconds, event.startPicoseconds),
                                              endPicoseconds: max(previous.endPicoseconds, event.endPicoseconds), bytes: previous.bytes + event.bytes)
            } else {
                slot[key] = joined.count
                joined.append(ScheduleEvent(lane: event.lane, stage: event.stage, opIndex: event.opIndex, chunk: 0,
                                            startPicoseconds: event.startPicoseconds, endPicoseconds: event.endPicoseconds, bytes: event.bytes))
            }
        }
        for event in joined {
            let length = event.endPicoseconds - event.startPicoseconds
            let category = kpu.categoryOfOp[event.opIndex]?.id
            events.append(Event(
                name: kpu.opPaths[event.opIndex], cat: category ?? kpu.opKinds[event.opIndex].rawValue, ph: "X",
                ts: Double(event.startPicoseconds) / 1e6, dur: Double(length) / 1e6, tid: tid[event.lane]!,
                args: Arguments(stage: event.stage.rawValue, category: category, chunks: event.chunk + 1, bytes: event.bytes,
                                cycles: Int64((Double(length) * cyclesPerPicosecond).rounded(.up)),
                                startCycle: Int64((Double(event.startPicoseconds) * cyclesPerPicosecond).rounded(.down)))
            ))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(Trace(traceEvents: events))
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
