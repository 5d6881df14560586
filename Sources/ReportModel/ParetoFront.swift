import Support

/// The runs no other run beats on both latency and energy: for each, every run that is faster
/// costs more energy, and every run that costs less is slower. Among runs with equal latency and
/// energy, the first in the given order stands for them.
public enum ParetoFront {
    /// Indexes into `points` of the front, fastest first.
    public static func indices(of points: [SweepPoint]) -> [Int] {
        indices(latency: points.map(\.latency), energy: points.map(\.energy))
    }

    /// Indexes of the front of paired latencies and energies, fastest first.
    public static func indices(latency: [TimeSpan], energy: [Energy]) -> [Int] {
        precondition(latency.count == energy.count, "one energy per latency")
        // Fastest first, the cheaper of equally fast runs first, then input order: each run is on
        // the front exactly when it costs less than every run before it.
        let order = latency.indices.sorted { a, b in
            (latency[a], energy[a], a) < (latency[b], energy[b], b)
        }
        var front: [Int] = []
        var cheapest: Energy?
        for index in order where cheapest.map({ energy[index] < $0 }) ?? true {
            front.append(index)
            cheapest = energy[index]
        }
        return front
    }
}
