import Foundation
import JSONOutput
import KPUModel

/// The chosen policy's schedule in the Chrome trace-event format that ui.perfetto.dev opens:
/// one complete event (`ph: "X"`) per busy interval, one thread per resource named by
/// `thread_name` metadata (each DMA channel its own), `ts`/`dur` in microseconds, cycles and
/// bytes in `args`.
extension RunReport {
    public func perfettoTraceData() throws -> Data? {
        guard let kpu else { return nil }
        let hw = kpu.hardware
        let channels = max(1, hw.dma.count)
        // Thread ids: DMA channels first (1…channels), then the other lanes in lane order.
        var threads: [(tid: Int, name: String)] = (0..<channels).map { ($0 + 1, "DMA channel \($0)") }
        var firstTid: [Lane: Int] = [.dma: 1]
        for lane in Lane.allCases where lane != .dma {
            let name = switch lane {
            case .blockMovers: "Block movers ×\(hw.blockMovers.count)"
            case .streamers: "Streamers ×\(hw.streamers.count)"
            case .compute: "Compute tiles"
            case .vectorEngine: "Vector engines ×\(hw.vectorEngines)"
            case .dma: ""
            }
            firstTid[lane] = threads.count + 1
            threads.append((threads.count + 1, name))
        }
        let slices = OperatorSlices(kpu.chosen.events)
        let cyclesPerPicosecond = hw.clockHz * 1e-12
        let dmaSlices = slices.events.reduce(0) { $0 + ($1.lane == .dma ? 1 : 0) }
        let json = JSONWriter(capacity: 280 * (slices.events.count + dmaSlices * (channels - 1)) + 4096)
        json.object {
            json.field("displayTimeUnit") { json.string("ns") }
            json.field("traceEvents") {
                json.array {
                    for thread in threads {
                        json.object {
                            json.field("args") { json.object { json.field("name") { json.string(thread.name) } } }
                            json.field("cat") { json.string("__metadata") }
                            json.field("name") { json.string("thread_name") }
                            json.field("ph") { json.string("M") }
                            json.field("pid") { json.int(1) }
                            json.field("tid") { json.int(thread.tid) }
                            json.field("ts") { json.int(0) }
                        }
                    }
                    // Each slice is serialised once around its two varying fields (bytes and
                    // tid), then written once per DMA channel: the same interval on every channel.
                    let paths = kpu.opPaths.map(JSONWriter.quoted)
                    let categories = (0..<kpu.opPaths.count).map { kpu.categoryOfOp[$0].map { JSONWriter.quoted($0.id) } }
                    let kinds = kpu.opKinds.map { JSONWriter.quoted($0.rawValue) }
                    var stages: [Stage: [UInt8]] = [:]
                    for stage in Stage.allCases { stages[stage] = JSONWriter.quoted(stage.rawValue) }
                    var middle: [UInt8] = [], tail: [UInt8] = []
                    for event in slices.events {
                        let length = event.endPicoseconds - event.startPicoseconds
                        let category = categories[event.opIndex]
                        middle.removeAll(keepingCapacity: true)
                        if let category {
                            JSONWriter.append(",\"category\":", to: &middle)
                            middle += category
                        }
                        JSONWriter.append(",\"chunks\":", to: &middle)
                        JSONWriter.appendInt(Int64(event.chunk + 1), to: &middle)
                        JSONWriter.append(",\"cycles\":", to: &middle)
                        JSONWriter.appendInt(Int64((Double(length) * cyclesPerPicosecond).rounded(.up)), to: &middle)
                        JSONWriter.append(",\"stage\":", to: &middle)
                        middle += stages[event.stage]!
                        JSONWriter.append(",\"start_cycle\":", to: &middle)
                        JSONWriter.appendInt(Int64((Double(event.startPicoseconds) * cyclesPerPicosecond).rounded(.down)), to: &middle)
                        JSONWriter.append("},\"cat\":", to: &middle)
                        middle += category ?? kinds[event.opIndex]
                        JSONWriter.append(",\"dur\":", to: &middle)
                        middle += (Double(length) / 1e6).description.utf8
                        JSONWriter.append(",\"name\":", to: &middle)
                        middle += paths[event.opIndex]
                        JSONWriter.append(",\"ph\":\"X\",\"pid\":1,\"tid\":", to: &middle)
                        tail.removeAll(keepingCapacity: true)
                        JSONWriter.append(",\"ts\":", to: &tail)
                        tail += (Double(event.startPicoseconds) / 1e6).description.utf8
                        tail.append(UInt8(ascii: "}"))
                        // A striped transfer occupies every channel for the same interval, each
                        // carrying an equal share (the leftover bytes on the lowest channels).
                        let copies = event.lane == .dma ? channels : 1
                        let tid = firstTid[event.lane]!
                        for copy in 0..<copies {
                            let bytes = event.lane == .dma ? event.bytes / channels + (copy < event.bytes % channels ? 1 : 0) : event.bytes
                            json.raw { buffer in
                                JSONWriter.append("{\"args\":{\"bytes\":", to: &buffer)
                                JSONWriter.appendInt(Int64(bytes), to: &buffer)
                                buffer += middle
                                JSONWriter.appendInt(Int64(tid + copy), to: &buffer)
                                buffer += tail
                            }
                        }
                    }
                }
            }
        }
        var data = Data(json.bytes)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// The schedule with each operator's chunks on one lane and stage joined into one slice (bytes
/// summed, `chunk` counting the extra chunks): what a trace viewer shows at any zoom. The
/// chunk-level intervals stay in schedule.json.
struct OperatorSlices {
    private(set) var events: [ScheduleEvent] = []

    init(_ chunks: [ScheduleEvent]) {
        // Slot of each (op, stage) pair, in an array rather than a dictionary: hashing the pairs
        // was a tenth of trace.json's time.
        let stages = Stage.allCases
        let opCount = (chunks.map(\.opIndex).max() ?? -1) + 1
        var slot = [Int](repeating: -1, count: opCount * stages.count)
        var stageIndex: [Stage: Int] = [:]
        for (index, stage) in stages.enumerated() { stageIndex[stage] = index }
        var lastStage: Stage?, lastIndex = 0
        for event in chunks {
            if event.stage != lastStage { lastStage = event.stage; lastIndex = stageIndex[event.stage]! }
            let key = event.opIndex * stages.count + lastIndex
            let index = slot[key]
            if index >= 0 {
                let previous = events[index]
                events[index] = ScheduleEvent(lane: previous.lane, stage: previous.stage, opIndex: previous.opIndex, chunk: previous.chunk + 1,
                                              startPicoseconds: min(previous.startPicoseconds, event.startPicoseconds),
                                              endPicoseconds: max(previous.endPicoseconds, event.endPicoseconds), bytes: previous.bytes + event.bytes)
            } else {
                slot[key] = events.count
                events.append(ScheduleEvent(lane: event.lane, stage: event.stage, opIndex: event.opIndex, chunk: 0,
                                            startPicoseconds: event.startPicoseconds, endPicoseconds: event.endPicoseconds, bytes: event.bytes))
            }
        }
    }
}
