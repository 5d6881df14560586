import KPUModel
import Support
import Testing

@testable import ReportModel

@Suite struct UtilizationTests {
    @Test func busySharesAreTheLanesTimeInTheScheduleAndNoTileClassIsBusierThanTheArrays() throws {
        let report = try makeReport("bert-base-uncased")
        let kpu = try #require(report.kpu)
        let makespan = Double(kpu.chosen.makespan.picoseconds)
        for (lane, share) in kpu.utilization.lanes {
            let busy = kpu.chosen.events.filter { $0.lane == lane }.reduce(Int64(0)) { $0 + $1.endPicoseconds - $1.startPicoseconds }
            #expect(share == Double(busy) / makespan, "\(lane)")
            #expect(share >= 0 && share <= 1, "\(lane)")
        }
        let compute = try #require(kpu.utilization.lanes.first { $0.lane == .compute }).share
        #expect(kpu.utilization.tileClasses.map(\.name) == kpu.hardware.tileClasses(running: .fp32).map(\.name))
        for tile in kpu.utilization.tileClasses {
            #expect(tile.share > 0 && tile.share <= compute, "\(tile.name)")
        }
        #expect(report.document.utilization?.lanes["dma"] == kpu.utilization.lanes.first { $0.lane == .dma }?.share)
    }
}
