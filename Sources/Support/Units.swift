/// Energy, held in whole femtojoules so that per-operator figures sum to model totals exactly.
/// Every conversion to another unit is here.
///
/// ```swift
/// let mac = Energy(picojoules: 0.3)        // 300 fJ
/// let twice = (mac + mac).femtojoules     // 600
/// ```
public struct Energy: Hashable, Comparable, Sendable, AdditiveArithmetic {
    public var femtojoules: Int64

    public init(femtojoules: Int64) { self.femtojoules = femtojoules }
    /// Rounded to the nearest femtojoule.
    public init(picojoules: Double) { femtojoules = Int64((picojoules * 1000).rounded()) }

    public var picojoules: Double { Double(femtojoules) / 1000 }
    public var joules: Double { Double(femtojoules) * 1e-15 }

    public static let zero = Energy(femtojoules: 0)
    public static func + (a: Energy, b: Energy) -> Energy { Energy(femtojoules: a.femtojoules + b.femtojoules) }
    public static func - (a: Energy, b: Energy) -> Energy { Energy(femtojoules: a.femtojoules - b.femtojoules) }
    public static func < (a: Energy, b: Energy) -> Bool { a.femtojoules < b.femtojoules }
    /// The share of `whole` this is (0 when `whole` is zero).
    public func share(of whole: Energy) -> Double { whole.femtojoules == 0 ? 0 : Double(femtojoules) / Double(whole.femtojoules) }
}

/// A span of time on the KPU (a latency, or a point in the schedule measured from its start),
/// held in whole picoseconds so that charged latencies sum to the makespan exactly. Not
/// `Duration`, the standard library's clock type.
public struct TimeSpan: Hashable, Comparable, Sendable, AdditiveArithmetic {
    public var picoseconds: Int64

    public init(picoseconds: Int64) { self.picoseconds = picoseconds }
    /// Rounded up to a whole picosecond: a stage never takes less than its work needs.
    public init(secondsRoundedUp seconds: Double) { picoseconds = Int64((seconds * 1e12).rounded(.up)) }
    /// For lower bounds: never above the exact figure.
    public init(secondsRoundedDown seconds: Double) { picoseconds = Int64((seconds * 1e12).rounded(.down)) }
    /// The nearest picosecond: reads back a span written as seconds (report.json, sweep.csv).
    public init(seconds: Double) { picoseconds = Int64((seconds * 1e12).rounded()) }

    public var seconds: Double { Double(picoseconds) * 1e-12 }
    /// Microseconds, the unit of Chrome's and Perfetto's trace format.
    public var microseconds: Double { Double(picoseconds) / 1e6 }
    /// Seconds from a fractional count of picoseconds (a chart's axis position).
    public static func seconds(picoseconds: Double) -> Double { picoseconds * 1e-12 }

    public static let zero = TimeSpan(picoseconds: 0)
    public static func + (a: TimeSpan, b: TimeSpan) -> TimeSpan { TimeSpan(picoseconds: a.picoseconds + b.picoseconds) }
    public static func - (a: TimeSpan, b: TimeSpan) -> TimeSpan { TimeSpan(picoseconds: a.picoseconds - b.picoseconds) }
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.picoseconds < b.picoseconds }
    /// The share of `whole` this is (0 when `whole` is zero).
    public func share(of whole: TimeSpan) -> Double { whole.picoseconds == 0 ? 0 : Double(picoseconds) / Double(whole.picoseconds) }
}

/// Energy × delay, in joule-seconds: the figure of merit that weighs both.
public struct EnergyDelay: Hashable, Comparable, Sendable {
    public let jouleSeconds: Double

    public init(jouleSeconds: Double) { self.jouleSeconds = jouleSeconds }
    public static func < (a: EnergyDelay, b: EnergyDelay) -> Bool { a.jouleSeconds < b.jouleSeconds }
}

extension Energy {
    public static func * (energy: Energy, time: TimeSpan) -> EnergyDelay {
        EnergyDelay(jouleSeconds: energy.joules * time.seconds)
    }
}

extension Energy {
    /// Energy drawn at `watts` over `time`, rounded to the nearest femtojoule.
    public init(watts: Double, over time: TimeSpan) {
        // W × ps = 1e-12 J = 1 pJ.
        self.init(picojoules: watts * Double(time.picoseconds))
    }
}
