import ModelGraph

/// Maps every operator of a graph onto a KPU, schedules the stages on the KPU's resources and
/// charges energy: the single evaluation that turns workload + architecture + mapping into figures.
///
/// ```swift
/// let evaluation = KPUEvaluator(graph: graph, hardware: try .builtIn("kpu-t256"),
///                               energy: table, precision: .fp32, fusion: .vectorEngine).evaluate()
/// evaluation.latencySeconds
/// ```
public struct KPUEvaluator: Sendable {
    public let graph: Graph
    public let hardware: KPUHardware
    public let energy: EnergyTable
    public let precision: Precision
    public let fusion: FusionPolicy
    /// The graph's workload (MACs, compulsory bytes), when the caller already has it: it is the
    /// same under every policy.
    let workload: WorkloadCost?

    public init(graph: Graph, hardware: KPUHardware, energy: EnergyTable, precision: Precision, fusion: FusionPolicy, workload: WorkloadCost? = nil) {
        self.workload = workload
        self.graph = graph
        self.hardware = hardware
        self.energy = energy
        self.precision = precision
        self.fusion = fusion
    }

    /// What a member of a fused group does inside it.
    enum Role {
        case standalone
        case matMulHead(output: TensorID)
        case fusedBias, fusedActivation, fusedResidual(skip: TensorID), fusedLayerNorm
    }

    public func evaluate() -> KPUEvaluation {
        let workload = self.workload ?? WorkloadCost(graph: graph)
        // Matmuls of the same shape map alike (a BERT layer's shapes repeat in every layer).
        var matMuls: [MatMulShape: MatMulMapping] = [:]
        let (groups, roles) = FusionPlanner(graph: graph, policy: fusion).plan()
        var operators: [OperatorEvaluation] = []
        operators.reserveCapacity(graph.ops.count)
        var groupOf = [Int](repeating: 0, count: graph.ops.count)
        for group in groups { for member in group { groupOf[member] = group[0] } }
        for op in graph.ops {
            // A group's head comes first in topological order, so its tiling is known when members are evaluated.
            let headTiling = groupOf[op.index] < op.index ? operators[groupOf[op.index]].tiling : nil
            operators.append(evaluate(op, role: roles[op.index] ?? .standalone, head: groupOf[op.index], headTiling: headTiling, matMuls: &matMuls,
                                      workload: workload.operators[op.index]))
        }
        let schedule = Scheduler(graph: graph, hardware: hardware).run(groups: groups, groupOf: groupOf, operators: &operators)
        // Static energy follows the charged latency.
        for index in operators.indices {
            operators[index].energy.staticEnergy = Int64((hardware.idlePowerWatts * Double(operators[index].latencyPicoseconds) * 1e3).rounded())
        }
        return KPUEvaluation(hardware: hardware, energyTable: energy, fusion: fusion, precision: precision,
                             operators: operators, events: schedule.events, makespanPicoseconds: schedule.makespan)
    }

    // MARK: - One operator

    func evaluate(_ op: Op, role: Role, head: Int, headTiling: MatMulTiling?, matMuls: inout [MatMulShape: MatMulMapping],
                  workload: OperatorCost) -> OperatorEvaluation {
        var traffic = Traffic()
        var macs = 0, vectorOps = 0, addOps = 0, cycles = 0
        var utilization = 0.0
        var tiling: MatMulTiling?
        var mapping = ""
        var vectorPassOps = 0
        var byTensor: [String: Traffic] = [:]
        let output = op.outputs[0]
        let outputBytes = graph[output].byteCount
        let outputElements = graph[output].elementCount

        switch (op.kind, role) {
        case _ where op.folded:
            mapping = "folded at import: computed from sizes known before the model runs"

        case (.matMul, _):
            let shape = matMulShape(op)
            let result: MatMulMapping
            if let known = matMuls[shape] {
                result = known
            } else {
                result = mapMatMul(shape)
                matMuls[shape] = result
            }
            tiling = result.tiling
            macs = workload.macs
            cycles = result.cycles
            utilization = result.utilization
            var a = Traffic(), b = Traffic(), c = Traffic()
            a.fetchFromDRAM(result.tiling.externalReadBytesByOperand.a)
            b.fetchFromDRAM(result.tiling.externalReadBytesByOperand.b)
            a.moveToL2(result.tiling.l3ToL2BytesByOperand.a)
            b.moveToL2(result.tiling.l3ToL2BytesByOperand.b)
            a.streamToL1(result.tiling.l2ToL1BytesByOperand.a)
            b.streamToL1(result.tiling.l2ToL1BytesByOperand.b)
            var storedBytes = outputBytes
            if case .matMulHead(let final) = role { storedBytes = graph[final].byteCount }
            c.sendOut(storedBytes)
            traffic = a + b + c
            byTensor = ["A": a, "B": b, "C": c]
            vectorPassOps = outputElements
            let t = result.tiling
            mapping = "output-stationary on \(computeTileNames); L3 blocks \(t.l3Block.m)×\(t.l3Block.n)×\(t.l3Block.k), L2 blocks \(t.l2Block.m)×\(t.l2Block.n)×\(t.l2Block.k) of M×N×K = \(t.m)×\(t.n)×\(t.k)"
                + (t.batch > 1 ? " × \(t.batch) products" : "")
                + "; DRAM reads \(ratioText(t.externalReadBytes, compulsory: workload.compulsoryReadBytes)) the compulsory"
            if case .matMulHead = role { mapping += "; the epilogue rides the drain, one store of the final result" }

        case (.add, .fusedBias), (.add, .fusedResidual), (_, .fusedActivation), (.layerNorm, .fusedLayerNorm):
            // Rides the producing matmul's drain through the vector engine: only side operands move.
            for input in Set(op.inputs) where !isChainInput(input, of: op) {
                if case .fusedResidual(let skip) = role, input == skip {
                    if skipResident(skip, head: head, tiling: headTiling) {
                        traffic.moveToL2(graph[skip].byteCount)
                        traffic.streamToL1(graph[skip].byteCount)
                        mapping = "fused into the drain; the skip tensor is read from L3, where it is still resident"
                    } else {
                        traffic.bringIn(graph[skip].byteCount)
                        mapping = "fused into the drain; the skip tensor does not fit beside the matmul's working set in L3 and comes from DRAM"
                    }
                } else {
                    bringBroadcast(graph[input], outputElements: outputElements, lastDimension: graph[output].shape.last ?? 1, into: &traffic)
                }
            }
            if case .fusedLayerNorm = role {
                // Row statistics accumulate during the drain; normalising needs a second on-chip pass.
                traffic.moveToL2(outputBytes)
                traffic.streamToL1(outputBytes)
                traffic.drainToL2(outputBytes)
                traffic.moveToL3(outputBytes)
                mapping = "fused into the drain: statistics accumulate per row as tiles drain, then one normalising pass over the result in L3; only gamma and beta come from DRAM"
                vectorPassOps = outputElements * OperatorCost.vectorSteps(op.kind)
            } else if mapping.isEmpty {
                mapping = op.kind == .add
                    ? "fused into the matmul's drain: the vector engine adds the bias as rows leave L1; only the bias vector comes from DRAM"
                    : "fused into the matmul's drain: the vector engine's special-function unit applies it as rows leave L1"
            }
            (vectorOps, addOps) = vectorWork(op, elements: outputElements)

        case (.reshape, _):
            mapping = "a view: no data moves"

        case (.transpose, _):
            if transposeIsAbsorbed(output) {
                mapping = "absorbed: every consumer is a matmul, whose block movers fetch tiles with the transposed strides"
            } else {
                traffic.fetchFromDRAM(graph[op.inputs[0]].byteCount)
                traffic.storeToDRAM(outputBytes)
                mapping = "a data move: strided DMA through L3, since a consumer reads it element-wise"
            }

        case (.gather, _), (.gatherND, _), (.slice, _):
            traffic.fetchFromDRAM(workload.compulsoryReadBytes)
            traffic.storeToDRAM(outputBytes)
            mapping = op.kind == .gather
                ? "rows fetched from the table in DRAM by DMA descriptors, staged in L3 and written out"
                : "the selected part copied through L3 by DMA"

        default:
            // Streamed through the vector path: in through L3, L2, L1; out through the vector engine.
            var notes: [String] = []
            for input in Set(op.inputs) {
                let tensor = graph[input]
                if tensor.elementCount < outputElements {
                    bringBroadcast(tensor, outputElements: outputElements, lastDimension: graph[output].shape.last ?? 1, into: &traffic)
                    notes.append("\(Self.shapeText(tensor.shape)) fetched once per reuse window")
                } else {
                    traffic.bringIn(tensor.byteCount)
                }
            }
            traffic.sendOut(outputBytes)
            (vectorOps, addOps) = vectorWork(op, elements: OperatorCost.elementsWorked(op, in: graph))
            vectorPassOps = vectorOps + addOps
            mapping = "streamed DRAM → L3 → L2 → L1 → vector engine → DRAM" + (notes.isEmpty ? "" : "; broadcast " + notes.sorted().joined(separator: ", "))
        }

        // Only the stages the op uses.
        var stages: [Stage: Double] = [:]
        stages.reserveCapacity(Stage.allCases.count)
        for (stage, seconds) in [(Stage.load, Double(traffic.dram.read) / hardware.dramBandwidth),
                                 (.store, Double(traffic.dram.written) / hardware.dramBandwidth),
                                 (.move, Double(traffic.blockMoverBytes) / hardware.blockMovers.aggregateBandwidth),
                                 (.stream, Double(traffic.streamerBytes) / hardware.streamers.aggregateBandwidth),
                                 (.compute, Double(cycles) / hardware.clockHz),
                                 (.vector, Double(vectorPassOps) / hardware.vectorThroughput)] where seconds > 0 {
            stages[stage] = seconds
        }

        return OperatorEvaluation(
            opIndex: op.index, groupHead: head, macs: macs, vectorOps: vectorOps, addOps: addOps, traffic: traffic,
            compulsoryExternalBytes: workload.compulsoryBytes, mapping: mapping, tiling: tiling, trafficByTensor: byTensor,
            computeCycles: cycles, utilization: utilization, stageSeconds: stages,
            energy: dynamicEnergy(traffic: traffic, macs: macs, vectorOps: vectorOps, addOps: addOps),
            latencyPicoseconds: 0, startPicoseconds: 0, endPicoseconds: 0
        )
    }

    /// Adds count at add energy; every other vector operation (multiply, divide, exp, erf, the
    /// passes of softmax and LayerNorm) at the table's MAC energy, the cost of a multiply-class op.
    func vectorWork(_ op: Op, elements: Int) -> (vectorOps: Int, addOps: Int) {
        switch op.kind {
        case .add, .sub: (0, elements)
        default: (elements * OperatorCost.vectorSteps(op.kind), 0)
        }
    }

    func dynamicEnergy(traffic t: Traffic, macs: Int, vectorOps: Int, addOps: Int) -> EnergyBreakdown {
        func fJ(_ picojoules: Double) -> Int64 { Int64((picojoules * 1000).rounded()) }
        var e = EnergyBreakdown()
        e.compute = fJ(Double(macs) * energy.mac(precision) + Double(vectorOps) * energy.mac(precision) + Double(addOps) * energy.add(precision))
        e.dram = fJ(Double(t.dram.read) * energy.dramRead + Double(t.dram.written) * energy.dramWrite)
        e.l3 = fJ(Double(t.l3.read) * energy.l3Read + Double(t.l3.written) * energy.l3Write)
        e.l2 = fJ(Double(t.l2.read) * energy.l2Read + Double(t.l2.written) * energy.l2Write)
        e.l1 = fJ(Double(t.l1.read) * energy.l1Read + Double(t.l1.written) * energy.l1Write)
        e.engines = fJ(Double(t.dmaBytes) * energy.dmaPerByte + Double(t.blockMoverBytes) * energy.blockMoverPerByte + Double(t.streamerBytes) * energy.streamerPerByte)
        return e
    }

    /// A broadcast operand (a bias [H], a mask [B,1,S,S] shared by the heads) comes from DRAM
    /// once, then into the tiles that need it: each of its rows is reused by `outputRows /
    /// operandRows` output rows, spread over at most that many tiles, where it stays resident.
    /// A bias (one row) goes to every tile working on the output; a head-shared mask is copied
    /// once per head, not once per tile.
    func bringBroadcast(_ operand: Tensor, outputElements: Int, lastDimension: Int, into traffic: inout Traffic) {
        let outputRows = max(outputElements / max(lastDimension, 1), 1)
        let operandRows = max(operand.elementCount / max(operand.shape.last ?? 1, 1), 1)
        let copies = min(hardware.totalTiles, max(outputRows / operandRows, 1))
        traffic.fetchFromDRAM(operand.byteCount)
        traffic.moveToL2(operand.byteCount * copies)
        traffic.streamToL1(operand.byteCount * copies)
    }

    /// The input a fused op receives from the chain (the matmul's result), as opposed to side operands.
    func isChainInput(_ input: TensorID, of op: Op) -> Bool {
        guard let producer = graph.producer(of: input) else { return false }
        switch producer.kind {
        case .matMul, .add, .gelu, .relu, .tanh: return graph.consumers(of: input).count == 1
        default: return false
        }
    }

    /// True when the skip tensor fits in L3 beside the head matmul's double-buffered working set.
    func skipResident(_ skip: TensorID, head: Int, tiling: MatMulTiling?) -> Bool {
        guard let tiling else { return false }
        let op = graph.ops[head]
        let aSize = graph[op.inputs[0]].dtype.byteSize, bSize = graph[op.inputs[1]].dtype.byteSize
        let workingSet = 2 * (tiling.l3Block.m * tiling.l3Block.k * aSize + tiling.l3Block.k * tiling.l3Block.n * bSize) + tiling.l3Block.m * tiling.l3Block.n * 4
        return graph[skip].byteCount + workingSet <= hardware.l3Bytes
    }

    /// True when every consumer, looking through views, is a matmul.
    func transposeIsAbsorbed(_ tensor: TensorID) -> Bool {
        let consumers = graph.consumers(of: tensor)
        return !consumers.isEmpty && consumers.allSatisfy { consumer in
            consumer.kind == .matMul || (consumer.kind == .reshape && transposeIsAbsorbed(consumer.outputs[0]))
        }
    }

    var computeTileNames: String {
        hardware.tileClasses.filter { $0.macsPerClock(precision) != nil }.map { "\($0.count) \($0.name)" }.joined(separator: " + ") + " tiles"
    }

    // MARK: - Matmul mapping

    /// What a matmul's mapping depends on.
    struct MatMulShape: Hashable {
        var m: Int, n: Int, k: Int, batch: Int
        var aBytesPerElement: Int, bBytesPerElement: Int
        /// A rank-2 B (a weight), shared by every row.
        var weightShared: Bool
        var macs: Int
    }

    typealias MatMulMapping = (tiling: MatMulTiling, cycles: Int, utilization: Double)

    func matMulShape(_ op: Op) -> MatMulShape {
        let a = graph[op.inputs[0]], b = graph[op.inputs[1]], c = graph[op.outputs[0]]
        let k = a.shape.last ?? 1
        let n = c.shape.last ?? 1
        // A weight (rank-2 B) is shared by every row: flatten the batch into M.
        let weightShared = b.rank == 2
        let batch = weightShared ? 1 : c.shape.dropLast(2).reduce(1, *)
        let m = c.elementCount / max(n * batch, 1)
        return MatMulShape(m: m, n: n, k: k, batch: batch, aBytesPerElement: a.dtype.byteSize, bBytesPerElement: b.dtype.byteSize,
                           weightShared: weightShared, macs: graph.macs(of: op))
    }

    func mapMatMul(_ shape: MatMulShape) -> MatMulMapping {
        let (m, n, k, batch) = (shape.m, shape.n, shape.k, shape.batch)
        let capable = hardware.tileClasses.filter { $0.macsPerClock(precision) != nil }
        let primary = capable.max { ($0.count * $0.rows * $0.columns) < ($1.count * $1.rows * $1.columns) } ?? hardware.tileClasses[0]
        let tiling = MatMulTiling.search(
            m: m, n: n, k: k, batch: batch, aBytesPerElement: shape.aBytesPerElement, bBytesPerElement: shape.bBytesPerElement,
            aSharedAcrossBatch: false, bSharedAcrossBatch: shape.weightShared,
            arrayRows: primary.rows, arrayColumns: primary.columns,
            l3Capacity: hardware.l3Bytes, l2Capacity: hardware.l2BytesPerTile, l1Capacity: hardware.l1BytesPerTile
        )

        // Output elements per cycle across the capable tiles, each class with its own block time
        // (K MACs per output at its MAC rate, plus pipeline fill and drain), derated by the
        // profile's tile utilisation.
        let utilizationFactor = hardware.tileUtilization(precision)
        var rate = 0.0, shortestBlock = Double.infinity
        for tile in capable {
            guard let macsPerClock = tile.macsPerClock(precision) else { continue }
            let outputs = Double(tile.rows * tile.columns)
            let blockCycles = (Double(k) * outputs / macsPerClock).rounded(.up) + Double(tile.fillCycles + tile.drainCycles)
            rate += Double(tile.count) * utilizationFactor * outputs / blockCycles
            shortestBlock = min(shortestBlock, blockCycles)
        }
        let paddedOutputs = Double(batch) * Double((m + primary.rows - 1) / primary.rows * primary.rows) * Double((n + primary.columns - 1) / primary.columns * primary.columns)
        let cycles = rate > 0 ? Int(max((paddedOutputs / rate).rounded(.up), shortestBlock)) : 0
        let peakPerCycle = hardware.peakMACRate(precision) / hardware.clockHz
        let utilization = cycles > 0 && peakPerCycle > 0 ? min(Double(shape.macs) / (Double(cycles) * peakPerCycle), 1) : 0
        return (tiling, cycles, utilization)
    }

    func ratioText(_ actual: Int, compulsory: Int) -> String {
        guard compulsory > 0 else { return "—" }
        let ratio = Double(actual) / Double(compulsory)
        return String(Int((ratio * 100).rounded())) + " % of"
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : "[" + shape.map(String.init).joined(separator: ",") + "]"
    }
}

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
    public static func upperBounds(graph: Graph, hardware: KPUHardware, energy: EnergyTable,
                                   precision: Precision) -> (femtojoules: Double, picoseconds: Double) {
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
        let everyLevel = energy.dramRead + energy.dramWrite + energy.l3Read + energy.l3Write + energy.l2Read + energy.l2Write
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
    public static func checkWithinRange(graph: Graph, hardware: KPUHardware, energy: EnergyTable, precision: Precision,
                                        source: String) throws(GraphError) {
        let bounds = upperBounds(graph: graph, hardware: hardware, energy: energy, precision: precision)
        let limit = Double(Int64.max) * 0.9
        if bounds.femtojoules > limit || bounds.picoseconds > limit {
            throw GraphError(source: source, place: "workload", message: "is too large to account for in 64-bit femtojoules and picoseconds (up to \(Self.short(bounds.femtojoules * 1e-15)) J and \(Self.short(bounds.picoseconds * 1e-12)) s per forward pass, the limits are 8.3 kJ and 96 days); use a smaller batch or sequence length")
        }
    }

    static func short(_ value: Double) -> String {
        value >= 1e4 || value < 1e-2 ? String(format: "%.2e", value) : String(format: "%.2f", value)
    }
}
