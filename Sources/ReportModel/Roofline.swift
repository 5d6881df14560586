import AddAnalysis
import KPUModel
import ModelGraph
import Support

/// The run's roofline: the work each op does per byte it moves at DRAM and between L3 and the
/// tiles, against the SKU's roofs at the run's precision, and which roof bounds it.
///
/// Two compute roofs: the PE arrays' peak MAC rate for work with MACs, the vector engines'
/// element rate for element-wise work (adds, softmax, LayerNorm, activations). Two memory roofs:
/// DRAM, at the bandwidth the DMA engines and the memory sustain, and L3, at the block movers'
/// bandwidth. L3 bytes here are those the block movers carry between L3 and the tiles' L2s: the
/// DMA side of L3 (what comes in from DRAM and goes back out) is what the DRAM roof limits, so
/// it is counted there once, not again against the block movers.
///
/// A point is a fused group (a matmul with what rides its drain, an attention kernel, or a
/// single op): its members share one pass through the engines, and an op on the drain has no
/// time of its own in the schedule, only its side operands' bytes. Its work is the group's MACs,
/// or its element operations when it has none. Every member is classified as its group. Groups
/// that do no work (views, folded ops, DMA copies) have no point and no class.
///
/// ```swift
/// let roofline = Roofline(evaluation, analysis: adds)
/// let ridge = roofline.ridge(.peArray, .dram)          // MAC per DRAM byte where compute takes over
/// let bounds = roofline.points.map(\.bound)           // .dram, .l3, .compute or .vector per group
/// ```
public struct Roofline: Sendable {
    /// The compute roof a point is held against.
    public enum Roof: String, Sendable, Hashable, CaseIterable {
        case peArray = "pe_array"
        case vectorEngine = "vector_engine"
    }

    /// A memory roof.
    public enum Memory: String, Sendable, Hashable, CaseIterable {
        case dram, l3
    }

    /// What bounds a point: a memory roof, the PE arrays (`compute`) or the vector engines (`vector`).
    public enum Bound: String, Sendable, Hashable, CaseIterable {
        case dram, l3, compute, vector
    }

    /// The work of some ops against the bytes they move at each memory roof.
    public struct Demand: Sendable, Hashable {
        public var roof: Roof
        /// MACs under the PE-array roof; element operations under the vector engines'.
        public var work: Int
        public var dramBytes: Int
        /// Bytes the block movers carry between L3 and the tiles.
        public var l3Bytes: Int

        public init(roof: Roof, work: Int, dramBytes: Int, l3Bytes: Int) {
            (self.roof, self.work, self.dramBytes, self.l3Bytes) = (roof, work, dramBytes, l3Bytes)
        }

        public func bytes(at memory: Memory) -> Int {
            switch memory {
            case .dram: dramBytes
            case .l3: l3Bytes
            }
        }

        /// Work per byte at `memory`; nil when nothing moves there (no roof of that level binds).
        public func intensity(at memory: Memory) -> Double? {
            let bytes = bytes(at: memory)
            return bytes > 0 ? Double(work) / Double(bytes) : nil
        }
    }

    /// One fused group's point.
    public struct Point: Sendable {
        /// The group's head and every member, head first, as op indexes.
        public let members: [Int]
        public let demand: Demand
        public let bound: Bound
        /// The lane the group keeps busy longest when it runs alone, and for how long: its
        /// stages' seconds on that lane, summed over its members.
        public let busiestLane: Lane
        public let busiestSeconds: Double

        public var head: Int { members[0] }

        /// Work per second with the group's stages fully overlapped: its work over its busiest
        /// lane's time; nil for a group that takes no time of its own.
        public var attainedRate: Double? { busiestSeconds > 0 ? Double(demand.work) / busiestSeconds : nil }
    }

    /// MACs per second of the PE arrays at the run's precision.
    public let peakMACRate: Double
    /// Element operations per second of the vector engines.
    public let vectorRate: Double
    /// Bytes per second: DRAM (the lesser of the memory's and the DMA engines' bandwidth).
    public let dramBandwidth: Double
    /// Bytes per second between L3 and the tiles (the block movers).
    public let l3Bandwidth: Double
    public let points: [Point]
    /// Each op's point (its group's), indexed like `graph.ops`; nil for an op whose group does no work.
    public let pointIndexOfOp: [Int?]
    /// Each add category's own adds (those not inside another op): their element operations
    /// against the bytes they move themselves. An add on a matmul's drain moves only its side
    /// operand (a bias), so its category tells what the adds demand, not what bounds the group.
    public let categories: [AddCategory: Demand]
    /// Every add of its own together.
    public let adds: Demand

    public init(_ evaluation: KPUEvaluation, analysis: AddAnalysis) {
        let hardware = evaluation.hardware
        peakMACRate = hardware.peakMACRate(evaluation.precision)
        vectorRate = hardware.vectorThroughput
        dramBandwidth = hardware.dramBandwidth
        l3Bandwidth = hardware.blockMovers.aggregateBandwidth
        let operators = evaluation.operators
        var points: [Point] = []
        var pointIndexOfOp = [Int?](repeating: nil, count: operators.count)
        for group in evaluation.mapping.plan.groups {
            let members = group.map { operators[$0] }
            let demand = Self.demand(of: members)
            guard demand.work > 0 else { continue }
            var laneSeconds: [Lane: Double] = [:]
            for member in members {
                // In stage order, not the dictionary's: floating-point sums must not depend on hashing.
                for stage in Stage.allCases {
                    if let seconds = member.stageSeconds[stage] { laneSeconds[stage.lane, default: 0] += seconds }
                }
            }
            // Ties go to the earlier lane, so the choice is the same on every run.
            let busiest = Lane.allCases.reduce(Lane.dma) { best, lane in (laneSeconds[lane] ?? 0) > (laneSeconds[best] ?? 0) ? lane : best }
            for member in group { pointIndexOfOp[member] = points.count }
            points.append(
                Point(
                    members: group, demand: demand, bound: Self.bound(of: demand, peakMACRate, vectorRate, dramBandwidth, l3Bandwidth),
                    busiestLane: busiest, busiestSeconds: laneSeconds[busiest] ?? 0))
        }
        self.points = points
        self.pointIndexOfOp = pointIndexOfOp
        var categories: [AddCategory: Demand] = [:]
        var adds = Demand(roof: .vectorEngine, work: 0, dramBytes: 0, l3Bytes: 0)
        for record in analysis.records where !record.embedded {
            let own = Self.demand(of: [operators[record.opIndex]])
            categories[record.category, default: Demand(roof: own.roof, work: 0, dramBytes: 0, l3Bytes: 0)].add(own)
            adds.add(own)
        }
        self.categories = categories
        self.adds = adds
    }

    /// The point of op `index`'s group, or nil when the group does no work.
    public func point(ofOp index: Int) -> Point? {
        pointIndexOfOp[index].map { points[$0] }
    }

    /// Operations per second of a compute roof.
    public func rate(of roof: Roof) -> Double {
        switch roof {
        case .peArray: peakMACRate
        case .vectorEngine: vectorRate
        }
    }

    public func bandwidth(of memory: Memory) -> Double {
        switch memory {
        case .dram: dramBandwidth
        case .l3: l3Bandwidth
        }
    }

    /// The intensity at which `roof` takes over from `memory`: its rate over the memory's bandwidth.
    public func ridge(_ roof: Roof, _ memory: Memory) -> Double {
        rate(of: roof) / bandwidth(of: memory)
    }

    /// What bounds `demand`, or nil when it does no work.
    public func bound(of demand: Demand) -> Bound? {
        demand.work > 0 ? Self.bound(of: demand, peakMACRate, vectorRate, dramBandwidth, l3Bandwidth) : nil
    }

    /// The memory roof that binds `demand` first: the one its bytes take longest to cross (the
    /// lower roof at its intensity), DRAM on a tie; nil when it moves no bytes at either.
    public func bindingMemory(of demand: Demand) -> Memory? {
        guard demand.dramBytes > 0 || demand.l3Bytes > 0 else { return nil }
        return Double(demand.l3Bytes) / l3Bandwidth > Double(demand.dramBytes) / dramBandwidth ? .l3 : .dram
    }

    /// The work rate the roofs allow `demand`: the lowest of its compute roof and each memory
    /// roof at its intensity there.
    public func attainableRate(of demand: Demand) -> Double {
        Memory.allCases.reduce(rate(of: demand.roof)) { lowest, memory in
            demand.intensity(at: memory).map { min(lowest, $0 * bandwidth(of: memory)) } ?? lowest
        }
    }

    /// Roofline classification: the work's time at its compute roof against its bytes' time at
    /// each memory roof; the longest binds. A memory roof binds only when it is strictly longer
    /// (below the ridge); at the ridge the compute roof is reached.
    static func bound(of demand: Demand, _ peakMACRate: Double, _ vectorRate: Double, _ dramBandwidth: Double, _ l3Bandwidth: Double) -> Bound {
        let compute = Double(demand.work) / (demand.roof == .peArray ? peakMACRate : vectorRate)
        let dram = Double(demand.dramBytes) / dramBandwidth
        let l3 = Double(demand.l3Bytes) / l3Bandwidth
        if dram >= l3 && dram > compute { return .dram }
        if l3 > dram && l3 > compute { return .l3 }
        return demand.roof == .peArray ? .compute : .vector
    }

    /// The work and bytes of some operators: their MACs if they have any, else their element operations.
    static func demand(of operators: [OperatorEvaluation]) -> Demand {
        var macs = 0, elementOps = 0, dram = 0, l3 = 0
        for op in operators {
            macs += op.macs
            elementOps += op.vectorOps + op.addOps
            dram += op.traffic.dram.total
            l3 += op.traffic.blockMoverBytes
        }
        return macs > 0
            ? Demand(roof: .peArray, work: macs, dramBytes: dram, l3Bytes: l3)
            : Demand(roof: .vectorEngine, work: elementOps, dramBytes: dram, l3Bytes: l3)
    }
}

extension Roofline.Demand {
    /// Sums work and bytes; the roof stays the first's (a category's adds are all element-wise).
    mutating func add(_ other: Roofline.Demand) {
        work += other.work
        dramBytes += other.dramBytes
        l3Bytes += other.l3Bytes
    }
}
