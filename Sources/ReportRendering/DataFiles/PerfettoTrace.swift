import Foundation
import ReportModel
import Support
import KPUModel

/// The chosen policy's schedule in the Chrome trace-event format that ui.perfetto.dev opens:
/// one complete event (`ph: "X"`) per busy interval, one thread per resource lane named by
/// `thread_name` metadata, `ts`/`dur` in microseconds, cycles and bytes in `args`. The DMA
/// channels share one thread: every transfer is striped across all of them over the same
/// interval, so its slice carries the channel count and the bytes of all channels together.
extension RunReport {
    public func perfettoTraceData() throws -> Data? {
        guard let kpu else { return nil }
        let hw = kpu.hardware
        let channels = max(1, hw.dma.count)
        var tids: [Lane: Int] = [:]
        let threads: [(tid: Int, name: String)] = Lane.allCases.enumerated().map { index, lane in
            tids[lane] = index + 1
            // One track for the DMA channels (each transfer is striped over all of them) and
            // one for the compute tiles; the other lanes with their counts, as the Gantt rows.
            let name =
                switch lane {
                case .dma: "\(lane.title) ×\(channels) channels (striped)"
                case .compute: lane.title
                default: lane.label(on: hw, precision: kpu.chosen.precision)
                }
            return (index + 1, name)
        }
        let slices = OperatorSlices(kpu.chosen.events)
        let cyclesPerPicosecond = hw.clockHz * TimeSpan(picoseconds: 1).seconds
        let json = JSONWriter(capacity: 280 * slices.events.count + 4096)
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
                    let paths = kpu.opPaths.map(JSONWriter.quoted)
                    let categories = (0..<kpu.opPaths.count).map { kpu.categoryOfOp[$0].map { JSONWriter.quoted($0.id) } }
                    let kinds = kpu.opKinds.map { JSONWriter.quoted($0.rawValue) }
                    var stages: [Stage: [UInt8]] = [:]
                    for stage in Stage.allCases { stages[stage] = JSONWriter.quoted(stage.rawValue) }
                    for event in slices.events {
                        let length = event.endPicoseconds - event.startPicoseconds
                        let category = categories[event.opIndex]
                        json.raw { buffer in
                            buffer.appendUTF8("{\"args\":{\"bytes\":")
                            buffer.appendDecimal(Int64(event.bytes))
                            if let category {
                                buffer.appendUTF8(",\"category\":")
                                buffer += category
                            }
                            if event.lane == .dma {
                                buffer.appendUTF8(",\"channels\":")
                                buffer.appendDecimal(Int64(channels))
                            }
                            buffer.appendUTF8(",\"chunks\":")
                            buffer.appendDecimal(Int64(event.chunk + 1))
                            buffer.appendUTF8(",\"cycles\":")
                            buffer.appendDecimal(Int64((Double(length) * cyclesPerPicosecond).rounded(.up)))
                            buffer.appendUTF8(",\"stage\":")
                            buffer += stages[event.stage]!
                            buffer.appendUTF8(",\"start_cycle\":")
                            buffer.appendDecimal(Int64((Double(event.startPicoseconds) * cyclesPerPicosecond).rounded(.down)))
                            buffer.appendUTF8("},\"cat\":")
                            buffer += category ?? kinds[event.opIndex]
                            buffer.appendUTF8(",\"dur\":")
                            buffer += TimeSpan(picoseconds: length).microseconds.description.utf8
                            buffer.appendUTF8(",\"name\":")
                            buffer += paths[event.opIndex]
                            buffer.appendUTF8(",\"ph\":\"X\",\"pid\":1,\"tid\":")
                            buffer.appendDecimal(Int64(tids[event.lane]!))
                            buffer.appendUTF8(",\"ts\":")
                            buffer += TimeSpan(picoseconds: event.startPicoseconds).microseconds.description.utf8
                            buffer.append(UInt8(ascii: "}"))
                        }
                    }
                    // Counter tracks: DRAM bandwidth in use while each transfer runs, and how many
                    // tiles each matmul or attention kernel keeps busy.
                    for counter in Self.counters(kpu, events: slices.events) {
                        json.object {
                            json.field("args") { json.object { json.field(counter.unit) { json.double(counter.value) } } }
                            json.field("name") { json.string(counter.name) }
                            json.field("ph") { json.string("C") }
                            json.field("pid") { json.int(1) }
                            json.field("ts") { json.double(TimeSpan(picoseconds: counter.time).microseconds) }
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

extension RunReport {
    /// A counter sample: `value` from `time` (ps) on.
    struct CounterSample {
        var name: String, unit: String, time: Int64, value: Double
    }

    /// DRAM bandwidth in use (GB/s) at each DMA slice's start, back to 0 at its end, and busy
    /// tiles at each compute slice's start, back to 0 at its end, in time order per counter.
    static func counters(_ kpu: KPURun, events: [ScheduleEvent]) -> [CounterSample] {
        var samples: [CounterSample] = []
        for event in events where event.lane == .dma && event.endPicoseconds > event.startPicoseconds {
            let seconds = TimeSpan(picoseconds: event.endPicoseconds - event.startPicoseconds).seconds
            samples.append(CounterSample(name: "DRAM bandwidth", unit: "GB/s", time: event.startPicoseconds, value: Double(event.bytes) / seconds / 1e9))
            samples.append(CounterSample(name: "DRAM bandwidth", unit: "GB/s", time: event.endPicoseconds, value: 0))
        }
        for event in events where event.lane == .compute && event.endPicoseconds > event.startPicoseconds {
            let tiles: Int
            switch kpu.chosen.mapping[event.opIndex].placement {
            case .matMul(let tiling): tiles = tiling.tilesUsed
            case .attention(let kernel): tiles = kernel.tilesUsed
            default: tiles = 0
            }
            samples.append(CounterSample(name: "Busy tiles", unit: "tiles", time: event.startPicoseconds, value: Double(tiles)))
            samples.append(CounterSample(name: "Busy tiles", unit: "tiles", time: event.endPicoseconds, value: 0))
        }
        return samples
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
                events[index] = ScheduleEvent(
                    lane: previous.lane, stage: previous.stage, opIndex: previous.opIndex, chunk: previous.chunk + 1,
                    startPicoseconds: min(previous.startPicoseconds, event.startPicoseconds),
                    endPicoseconds: max(previous.endPicoseconds, event.endPicoseconds), bytes: previous.bytes + event.bytes)
            } else {
                slot[key] = events.count
                events.append(
                    ScheduleEvent(
                        lane: event.lane, stage: event.stage, opIndex: event.opIndex, chunk: 0,
                        startPicoseconds: event.startPicoseconds, endPicoseconds: event.endPicoseconds, bytes: event.bytes))
            }
        }
    }
}
