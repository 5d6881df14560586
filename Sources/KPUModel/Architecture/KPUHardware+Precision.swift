import ModelGraph

extension KPUHardware {
    /// The tile classes with a MAC rate at `precision`: the ones that run matmuls in it.
    public func tileClasses(running precision: Precision) -> [TileClass] {
        tileClasses.filter { $0.macsPerClock(precision) != nil }
    }

    /// The largest of those classes by processing elements: matmuls are blocked for its
    /// arrays. (The first class when none runs the precision.)
    public func primaryTileClass(_ precision: Precision) -> TileClass {
        tileClasses(running: precision).max { ($0.count * $0.rows * $0.columns) < ($1.count * $1.rows * $1.columns) } ?? tileClasses[0]
    }
}
