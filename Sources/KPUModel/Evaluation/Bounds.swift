import Support
import Foundation
import ModelGraph

extension KPUEvaluator {
    /// Upper bounds on what a workload's evaluation can reach, in femtojoules and picoseconds.
    ///
    /// Traffic: 8 passes over every tensor at every memory level and engine, plus the operands
    /// the PE arrays stream from L1, L2 and L3 (each operand element feeds at least as many MACs
    /// as the smallest array side, so 2 × MACs × element size / that side). Compute: every MAC
    /// and 64 vector operations per tensor element at the costlier of MAC and add energy. Time:
    /// twice the compute time plus the slowest engine's transfer time, plus static
    /// energy over that time. A test holds these above the evaluated figures for every SKU and
    /// policy.
    public static func upperBounds(
        graph: Graph, hardware: KPUHardware, energy: EnergyTable,
        precision: Precision
    ) -> (femtojoules: Double, picoseconds: Double) {
        var macs = 0.0, bytes = 0.0, elements = 0.0
        for op in graph.ops where !op.folded {
            macs += Double(graph.macs(of: op))
            for id in op.inputs + op.outputs {
                bytes += Double(graph[id].elementCount) * Double(graph[id].dtype.byteSize)
                elements += Double(graph[id].elementCount)
            }
        }
        let reuse = Double(max(1, hardware.tileClasses.map { min($0.rows, $0.columns) }.min() ?? 1))
        let streamed = 2 * macs * Double(precision.dtype.byteSize) / reuse
        let everyLevel =
            energy.dramRead + energy.dramWrite + energy.l3Read + energy.l3Write + energy.l2Read + energy.l2Write
            + energy.l1Read + energy.l1Write + energy.dmaPerByte + energy.blockMoverPerByte + energy.streamerPerByte
        let onChip = energy.l3Read + energy.l2Read + energy.l1Read + energy.l1Write + energy.blockMoverPerByte + energy.streamerPerByte
        let perOperation = max(energy.mac(precision), energy.add(precision))
        var picojoules = perOperation * (macs + 64 * elements) + everyLevel * 8 * bytes + onChip * streamed
        let slowest = min(hardware.dramBandwidth, hardware.blockMovers.aggregateBandwidth, hardware.streamers.aggregateBandwidth)
        let seconds = 2 * (macs / max(hardware.peakMACRate(precision), 1) + (8 * bytes + streamed) / max(slowest, 1))
        picojoules += hardware.idlePowerWatts * seconds * 1e12
        return (picojoules * 1000, seconds * 1e12)
    }

    /// The model keeps bytes, femtojoules and picoseconds in 64-bit integers so category sums
    /// equal totals exactly. A workload whose bounds pass 90 % of Int64's range is refused with
    /// a clear error before it is evaluated, rather than trapping inside. (Every figure the
    /// model sums, per op, per category or per policy, is at most the bounded total.)
    public static func checkWithinRange(
        graph: Graph, hardware: KPUHardware, energy: EnergyTable, precision: Precision,
        source: String
    ) throws(InputError) {
        let bounds = upperBounds(graph: graph, hardware: hardware, energy: energy, precision: precision)
        let limit = Double(Int64.max) * 0.9
        if bounds.femtojoules > limit || bounds.picoseconds > limit {
            throw InputError(
                source: source, place: "workload",
                message:
                    "is too large to account for in 64-bit femtojoules and picoseconds (up to \(Self.short(bounds.femtojoules * 1e-15)) J and \(Self.short(bounds.picoseconds * 1e-12)) s per forward pass, the limits are 8.3 kJ and 96 days); use a smaller batch or sequence length"
            )
        }
    }

    static func short(_ value: Double) -> String {
        value >= 1e4 || value < 1e-2 ? String(format: "%.2e", value) : String(format: "%.2f", value)
    }
}
