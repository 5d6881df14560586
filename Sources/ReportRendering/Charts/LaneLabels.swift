import ModelGraph
import KPUModel

extension Lane {
    /// The lane's name as the Gantt rows and the trace's tracks print it, before its count.
    var title: String {
        switch self {
        case .dma: "DMA"
        case .blockMovers: "Block movers"
        case .streamers: "Streamers"
        case .compute: "Compute tiles"
        case .vectorEngine: "Vector engines"
        }
    }

    /// How many engines of the lane `hardware` has (for compute, the tiles that run `precision`).
    func engineCount(on hardware: KPUHardware, precision: Precision) -> Int {
        switch self {
        case .dma: hardware.dma.count
        case .blockMovers: hardware.blockMovers.count
        case .streamers: hardware.streamers.count
        case .compute: hardware.tileClasses(running: precision).reduce(0) { $0 + $1.count }
        case .vectorEngine: hardware.vectorEngines
        }
    }

    /// `DMA ×16 channels`, `Compute tiles ×51`.
    func label(on hardware: KPUHardware, precision: Precision) -> String {
        "\(title) ×\(engineCount(on: hardware, precision: precision))" + (self == .dma ? " channels" : "")
    }
}
