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
                    for event in slices.events {
                        let length = event.endPicoseconds - event.startPicoseconds
                        let category = kpu.categoryOfOp[event.opIndex]?.id
                        var middle: [UInt8] = []
                        if let category { middle += Array(",\"category\":".utf8) + JSONWriter.quoted(category) }
                        middle += Array(",\"chunks\":\(event.chunk + 1),\"cycles\":\(Int64((Double(length) * cyclesPerPicosecond).rounded(.up)))".utf8)
                        middle += Array(",\"stage\":".utf8) + JSONWriter.quoted(event.stage.rawValue)
                        middle += Array(",\"start_cycle\":\(Int64((Double(event.startPicoseconds) * cyclesPerPicosecond).rounded(.down)))},\"cat\":".utf8)
                        middle += JSONWriter.quoted(category ?? kpu.opKinds[event.opIndex].rawValue)
                        middle += Array(",\"dur\":\((Double(length) / 1e6).description),\"name\":".utf8) + JSONWriter.quoted(kpu.opPaths[event.opIndex])
                        middle += Array(",\"ph\":\"X\",\"pid\":1,\"tid\":".utf8)
                        let tail = Array(",\"ts\":\((Double(event.startPicoseconds) / 1e6).description)}".utf8)
                        // A striped transfer occupies every channel for the same interval, each
                        // carrying an equal share (the leftover bytes on the lowest channels).
                        let copies = event.lane == .dma ? channels : 1
                        for copy in 0..<copies {
                            let bytes = event.lane == .dma ? event.bytes / channels + (copy < event.bytes % channels ? 1 : 0) : event.bytes
                            var object = Array("{\"args\":{\"bytes\":\(bytes)".utf8)
                            object.reserveCapacity(middle.count + tail.count + 48)
                            object += middle
                            object += Array(String(firstTid[event.lane]! + copy).utf8)
                            object += tail
                            json.raw(object)
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
        struct Key: Hashable { let op: Int; let stage: Stage }
        var slot: [Key: Int] = [:]
        for event in chunks {
            let key = Key(op: event.opIndex, stage: event.stage)
            if let index = slot[key] {
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
