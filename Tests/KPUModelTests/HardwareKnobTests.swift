import Support
import Foundation
import Testing
import ModelGraph
@testable import KPUModel

/// Knobs a design-space sweep varies (issue 15): each sets what it says, bad values are one
/// line naming the knob and its range, and the model's trends are physically sane.
@Suite struct HardwareKnobTests {
    static func evaluation(_ graph: Graph, sku: String, _ settings: [HardwareKnob.Setting], precision: Precision = .bf16) throws -> KPUEvaluation {
        var hardware = try KPUHardware.builtIn(sku)
        var table = try EnergyTable.named("kpu-16nm", for: hardware)
        for setting in settings { try setting.knob.apply(setting.value, to: &hardware, energy: &table) }
        let mapping = Mapper(graph: graph, hardware: hardware, precision: precision, fusion: .vectorEngine, residency: .l3).map()
        return KPUEvaluator(graph: graph, hardware: hardware, energy: table, mapping: mapping).evaluate()
    }

    @Test func eachKnobSetsWhatItSays() throws {
        var hardware = try KPUHardware.builtIn("kpu-t768")
        var table = try EnergyTable.named("kpu-16nm", for: hardware)
        try HardwareKnob.l3MiB.apply(32, to: &hardware, energy: &table)
        #expect(hardware.l3Bytes == 32 * 1_048_576 / 768 * 768)
        try HardwareKnob.l2KiB.apply(64, to: &hardware, energy: &table)
        #expect(hardware.l2BytesPerTile == 65_536)
        try HardwareKnob.dramGBps.apply(800, to: &hardware, energy: &table)
        #expect(hardware.memoryBandwidth == 800e9 && hardware.dramBandwidth == min(800e9 * 0.85, hardware.dma.aggregateBandwidth))
        try HardwareKnob.dramPJPerByte.apply(20, to: &hardware, energy: &table)
        #expect(table.dramRead == 20 && table.dramWrite == 20)
        try HardwareKnob.clockMHz.apply(1000, to: &hardware, energy: &table)
        #expect(hardware.clockHz == 1e9)
        // Half the tiles, the mix kept: 537 / 154 / 77 → 269 / 77 / 39 (rounded), engines per tile follow.
        try HardwareKnob.tiles.apply(384, to: &hardware, energy: &table)
        #expect(hardware.tileClasses.map(\.count) == [269, 77, 39])
        #expect(hardware.vectorEngines == 384 && hardware.blockMovers.count == 384)
        try HardwareKnob.dmaEngines.apply(4, to: &hardware, energy: &table)
        #expect(hardware.dma.count == 4)
        try HardwareKnob.vectorLanes.apply(16, to: &hardware, energy: &table)
        #expect(hardware.vectorWidth == 16)
    }

    @Test func aValueOutOfRangeNamesTheKnobAndItsRange() {
        #expect(
            throws: InputError(
                source: "--vary", place: "dma_engines",
                message: "0 is not a value the model can take; give a whole number from 1 to 4096 (DMA engines in all)")
        ) { try HardwareKnob.dmaEngines.check(0) }
        #expect(throws: InputError.self) { try HardwareKnob.l3MiB.check(.nan) }
    }

    /// More of a resource never makes the model slower; dearer DRAM never makes it cheaper.
    @Test(arguments: ["kpu-t64", "kpu-t256", "kpu-t768"])
    func trendsArePhysicallySane(sku: String) throws {
        let graph = try bertGraph("bert-base-uncased", precision: .bf16)
        let rising: [(HardwareKnob, [Double])] = [
            (.dramGBps, [32, 64, 128, 256, 512, 2048]), (.l2KiB, [16, 32, 64, 128, 256]), (.l3MiB, [2, 8, 32, 128, 512]),
            (.tiles, [32, 64, 128, 256, 512])
        ]
        for (knob, values) in rising {
            let latencies = try values.map { try Self.evaluation(graph, sku: sku, [HardwareKnob.Setting(knob, $0)]).makespan }
            for (index, pair) in zip(latencies, latencies.dropFirst()).enumerated() {
                #expect(pair.1 <= pair.0, "\(sku) \(knob.rawValue) \(values[index]) → \(values[index + 1]): \(pair.0.picoseconds) → \(pair.1.picoseconds) ps")
            }
        }
        let energies = try [1.0, 5, 20, 80].map { try Self.evaluation(graph, sku: sku, [HardwareKnob.Setting(.dramPJPerByte, $0)]).totalEnergy.total }
        #expect(energies == energies.sorted())
    }
}
