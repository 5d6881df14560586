import Foundation
import KPUModel
import ReportModel
import Support

extension RunReport {
    /// `schedule.json`: every busy interval of the chosen policy's schedule, in picoseconds.
    /// Columnar (one array per field, ops and categories as indexes into name lists): a few
    /// thousand events stay small and quick to write and to load into a notebook or a trace viewer.
    public func scheduleData() throws -> Data? {
        guard let kpu else { return nil }
        let hw = kpu.hardware
        // Only ops that own events are listed, in first-event order.
        var opSlot: [Int: Int] = [:]
        var ops: [Int] = []
        var slots: [Int] = []
        slots.reserveCapacity(kpu.chosen.events.count)
        for event in kpu.chosen.events {
            if let known = opSlot[event.opIndex] {
                slots.append(known)
            } else {
                opSlot[event.opIndex] = ops.count
                slots.append(ops.count)
                ops.append(event.opIndex)
            }
        }
        let lanes: [(id: String, units: Int, note: String)] = [
            ("dma", hw.dma.count, "transfers are striped across all channels, so each channel carries the same interval"),
            ("block_movers", hw.blockMovers.count, "L3 to L2"),
            ("streamers", hw.streamers.count, "L2 to L1 and the drain back"),
            (
                "compute", hw.tileClasses.filter { $0.macsPerClock(options.precision) != nil }.reduce(0) { $0 + $1.count },
                "tiles that run \(options.precision.rawValue)"
            ),
            ("vector_engine", hw.vectorEngines, "one per tile on the drain path")
        ]
        let events = kpu.chosen.events
        // Keys in sorted order, as the file has always been written.
        let json = JSONWriter(capacity: 64 * events.count + 4096)
        json.object {
            json.field("events") {
                json.object {
                    json.field("bytes") { json.array(events) { json.int($0.bytes) } }
                    json.field("chunk") { json.array(events) { json.int($0.chunk) } }
                    json.field("end_ps") { json.array(events) { json.int($0.endPicoseconds) } }
                    json.field("lane") { json.array(events) { json.string($0.lane.rawValue) } }
                    json.field("op") { json.array(slots) { json.int($0) } }
                    json.field("stage") { json.array(events) { json.string($0.stage.rawValue) } }
                    json.field("start_ps") { json.array(events) { json.int($0.startPicoseconds) } }
                }
            }
            json.field("fusion") { json.string(kpu.chosen.fusion.rawValue) }
            json.field("lanes") {
                json.array(lanes) { lane in
                    json.object {
                        json.field("id") { json.string(lane.id) }
                        json.field("note") { json.string(lane.note) }
                        json.field("units") { json.int(lane.units) }
                    }
                }
            }
            json.field("makespan_ps") { json.int(kpu.chosen.makespan.picoseconds) }
            // The add category of each op in `ops`, or null for ops that are not adds.
            json.field("op_category") { json.array(ops) { json.optionalString(kpu.categoryOfOp[$0]?.id) } }
            // Op paths; `events.op` and `op_category` index into it.
            json.field("ops") { json.array(ops) { json.string(kpu.opPaths[$0]) } }
            json.field("time_unit") { json.string("ps") }
        }
        var data = Data(json.bytes)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
