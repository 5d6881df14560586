import KPUModel
import Support

/// How much each varied knob moves the headline figures and each add category's energy. For a
/// knob, runs are paired that differ in that knob alone, one at its lowest value and one at its
/// highest; each pair gives a change of each figure (relative, or in points for a share), and
/// the table holds the median change over the pairs with the smallest and largest. A knob that
/// was swept over one value, or whose pairs are missing, has no column.
public struct KnobSensitivity: Sendable {
    /// A figure the table follows across each knob's range.
    public enum Figure: Sendable, Hashable {
        case latency, energy, edp
        /// The adds' share of the model's energy: its change is in percentage points.
        case addShareOfEnergy
        /// One add category's energy, by id.
        case categoryEnergy(String)

        /// The figure of one run, or nil when the run has none (a category it lacks).
        public func value(of point: SweepPoint) -> Double? {
            switch self {
            case .latency: point.latency.seconds
            case .energy: point.energy.joules
            case .edp: point.edp.jouleSeconds
            case .addShareOfEnergy: point.addShareOfEnergy
            case .categoryEnergy(let id): point.categoryEnergy[id]?.joules
            }
        }

        /// Whether the change is a difference (a share, in points) rather than a ratio.
        public var isShare: Bool { self == .addShareOfEnergy }
    }

    /// The change of one figure over one knob's range, over every pair of runs.
    public struct Change: Sendable, Equatable {
        /// Relative (0.1 = +10 %) or, for a share, in fractions (0.01 = +1 point).
        public var median: Double
        public var smallest: Double
        public var largest: Double
        public var pairs: Int
    }

    /// One knob swept over two or more values.
    public struct Knob: Sendable {
        public var knob: HardwareKnob
        public var lowest: Double
        public var highest: Double
        public var changes: [Figure: Change]
    }

    public let knobs: [Knob]
    /// The figures in table order: latency, energy, EDP, the adds' share, then each category any
    /// run has, in the order of `categories`.
    public let figures: [Figure]

    /// `categories`: the add categories' ids in the order the table lists them.
    public init(points: [SweepPoint], categories: [String]) {
        let present = Set(points.flatMap { point in point.categoryEnergy.filter { $0.value > .zero }.keys })
        figures = [.latency, .energy, .edp, .addShareOfEnergy] + categories.filter(present.contains).map(Figure.categoryEnergy)
        var knobs: [Knob] = []
        for knob in HardwareKnob.allCases {
            let values = Set(points.compactMap { $0.knobs[knob] })
            guard values.count > 1, let lowest = values.min(), let highest = values.max() else { continue }
            // Pairs: runs alike in everything but this knob, at its lowest and highest values.
            var low: [String: SweepPoint] = [:], high: [String: SweepPoint] = [:]
            for point in points {
                guard let value = point.knobs[knob], value == lowest || value == highest else { continue }
                let key = Self.key(point, without: knob)
                if value == lowest { low[key] = low[key] ?? point } else { high[key] = high[key] ?? point }
            }
            let pairs = low.keys.sorted().compactMap { key in high[key].map { (low[key]!, $0) } }
            guard !pairs.isEmpty else { continue }
            var changes: [Figure: Change] = [:]
            for figure in figures {
                let deltas = pairs.compactMap { a, b -> Double? in
                    guard let x = figure.value(of: a), let y = figure.value(of: b) else { return nil }
                    if figure.isShare { return y - x }
                    return x > 0 ? y / x - 1 : nil
                }.sorted()
                guard !deltas.isEmpty else { continue }
                changes[figure] = Change(median: median(ofSorted: deltas), smallest: deltas.first!, largest: deltas.last!, pairs: deltas.count)
            }
            knobs.append(Knob(knob: knob, lowest: lowest, highest: highest, changes: changes))
        }
        self.knobs = knobs
    }

    /// Everything that names a run's configuration except one knob.
    static func key(_ point: SweepPoint, without knob: HardwareKnob) -> String {
        let others = HardwareKnob.allCases.filter { $0 != knob }.map { point.knobs[$0].map(HardwareKnob.text) ?? "" }
        return
            ([
                point.model, String(point.batch), String(point.seq), point.precision, point.aggregation, point.kpu, point.sku, point.profile,
                point.energyTable, point.fusion, point.residency
            ] + others).joined(separator: "\u{0}")
    }
}
