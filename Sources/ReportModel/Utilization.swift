import KPUModel
import Support

/// How busy each resource of the KPU is over the makespan: every lane of the schedule, and each
/// tile class (the compute lane's time weighted by the share of the class's tiles each matmul
/// or attention kernel keeps busy).
public struct Utilization: Sendable {
    /// Busy time ÷ makespan, per lane, in lane order.
    public let lanes: [(lane: Lane, share: Double)]
    /// Per tile class that runs the precision, in the description's order.
    public let tileClasses: [(name: String, tiles: Int, share: Double)]

    public init(_ evaluation: KPUEvaluation) {
        let makespan = Double(evaluation.makespan.picoseconds)
        var busy = [Lane: Int64]()
        var classBusy = [String: Double]()
        let classes = evaluation.hardware.tileClasses(running: evaluation.precision)
        for event in evaluation.events {
            let length = event.endPicoseconds - event.startPicoseconds
            busy[event.lane, default: 0] += length
            guard event.lane == .compute else { continue }
            let shares: [MatMulTiling.ClassShare]
            switch evaluation.mapping[event.opIndex].placement {
            case .matMul(let tiling): shares = tiling.shares
            case .attention(let kernel): shares = kernel.shares
            default: shares = []
            }
            for share in shares {
                guard let tile = classes.first(where: { $0.name == share.name }), tile.count > 0 else { continue }
                classBusy[share.name, default: 0] += Double(length) * Double(share.tiles) / Double(tile.count)
            }
        }
        lanes = Lane.allCases.map { lane in (lane, makespan > 0 ? Double(busy[lane] ?? 0) / makespan : 0) }
        tileClasses = classes.map { tile in (tile.name, tile.count, makespan > 0 ? (classBusy[tile.name] ?? 0) / makespan : 0) }
    }
}
