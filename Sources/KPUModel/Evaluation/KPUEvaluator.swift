import ModelGraph
import Support

/// Costs a mapping: the traffic at every memory level, the cycles, the schedule on the KPU's
/// resources and the energy, for one workload on one architecture with one energy table.
///
/// ```swift
/// let mapping = Mapper(graph: graph, hardware: hardware, precision: .fp32, fusion: .vectorEngine, residency: .l3).map()
/// let evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: table, mapping: mapping).evaluate()
/// ```
public struct KPUEvaluator: Sendable {
    public let graph: Graph
    public let hardware: KPUHardware
    public let energy: EnergyTable
    public let mapping: Mapping
    /// The graph's workload (MACs, compulsory bytes), when the caller already has it: it is the
    /// same under every mapping.
    let workload: WorkloadCost?

    public init(graph: Graph, hardware: KPUHardware, energy: EnergyTable, mapping: Mapping, workload: WorkloadCost? = nil) {
        (self.graph, self.hardware, self.energy, self.mapping, self.workload) = (graph, hardware, energy, mapping, workload)
    }

    var precision: Precision { mapping.precision }
    var residency: ResidencyPlan { mapping.residency }

    /// The evaluation; with `freeing`, as if those ops cost nothing (no traffic, no work, no
    /// time in the schedule) and everything else were unchanged: what the model would save
    /// without them.
    public func evaluate(freeing freed: Set<Int> = []) -> KPUEvaluation {
        let workload = self.workload ?? WorkloadCost(graph: graph)
        let demands = graph.ops.map { freed.contains($0.index) ? OperatorDemand() : demand(of: $0, workload: workload.operators[$0.index]) }
        let schedule = Scheduler(graph: graph, hardware: hardware).run(mapping: mapping, demands: demands)
        let operators = graph.ops.indices.map { index in
            let demand = demands[index], slot = schedule.slots[index]
            var energy = dynamicEnergy(demand)
            // Static energy follows the charged latency.
            energy.staticEnergy = Energy(watts: hardware.idlePowerWatts, over: slot.latency)
            return OperatorEvaluation(
                opIndex: index, groupHead: mapping.plan.groupOf[index], macs: demand.macs, vectorOps: demand.vectorOps,
                addOps: demand.addOps, traffic: demand.traffic, compulsoryExternalBytes: workload.operators[index].compulsoryBytes,
                trafficByTensor: demand.trafficByTensor, computeCycles: demand.computeCycles, utilization: demand.utilization,
                stageSeconds: demand.stageSeconds, energy: energy, latency: slot.latency, start: slot.start, end: slot.end
            )
        }
        return KPUEvaluation(
            hardware: hardware, energyTable: energy, mapping: mapping, operators: operators,
            events: schedule.events, makespan: schedule.makespan)
    }

    // MARK: - One operator

    func demand(of op: Op, workload: OperatorCost) -> OperatorDemand {
        var demand = OperatorDemand()
        let placement = mapping[op.index]
        let output = graph[op.outputs[0]]

        switch placement.placement {
        case .folded, .view, .absorbedTranspose:
            break

        case .matMul(let tiling):
            demand.macs = workload.macs
            demand.computeCycles = tiling.computeCycles(on: hardware, precision: precision)
            let peakPerCycle = hardware.peakMACRate(precision) / hardware.clockHz
            demand.utilization =
                demand.computeCycles > 0 && peakPerCycle > 0
                ? min(Double(workload.macs) / (Double(demand.computeCycles) * peakPerCycle), 1) : 0
            var a = Traffic(), b = Traffic(), c = Traffic()
            // An operand resident in L3 is re-read there, never from DRAM.
            a.fetchFromDRAM(residency.readsFromL3(op.index, op.inputs[0]) ? 0 : tiling.externalReadBytesByOperand.a)
            b.fetchFromDRAM(residency.readsFromL3(op.index, op.inputs[1]) ? 0 : tiling.externalReadBytesByOperand.b)
            a.feedTiles(read: tiling.l3ReadBytesByOperand.a, delivered: tiling.deliveredBytesByOperand.a)
            b.feedTiles(read: tiling.l3ReadBytesByOperand.b, delivered: tiling.deliveredBytesByOperand.b)
            a.streamToL1(tiling.deliveredBytesByOperand.a, arrayReads: tiling.l1ReadBytesByOperand.a)
            b.streamToL1(tiling.deliveredBytesByOperand.b, arrayReads: tiling.l1ReadBytesByOperand.b)
            // A group's head stores the group's final result, not its own.
            var storedBytes = output.byteCount
            if case .matMulHead(let final) = placement.role { storedBytes = graph[final].byteCount }
            c.sendOut(storedBytes, toDRAM: residency.storesToDRAM(op.index))
            demand.traffic = a + b + c
            demand.trafficByTensor = ["A": a, "B": b, "C": c]
            demand.vectorPassOps = output.elementCount

        case .attention(let kernel):
            // The kernel's PE work is charged here, both products; its members add vector work.
            demand.macs = workload.macs
            demand.computeCycles = kernel.computeCycles(on: hardware, precision: precision)
            let kernelMACs = kernel.heads * kernel.queries * kernel.keys * (kernel.headWidth + kernel.valueWidth)
            let peakPerCycle = hardware.peakMACRate(precision) / hardware.clockHz
            demand.utilization =
                demand.computeCycles > 0 && peakPerCycle > 0 ? min(Double(kernelMACs) / (Double(demand.computeCycles) * peakPerCycle), 1) : 0
            let q = operandTraffic(kernel.q, of: op.index, op.inputs[0]), k = operandTraffic(kernel.k, of: op.index, op.inputs[1])
            demand.traffic = q + k
            demand.trafficByTensor = ["A": q, "B": k]

        case .insideAttention(let kernel, let sides):
            for side in sides { route(side, of: op.index, into: &demand.traffic) }
            switch op.kind {
            case .matMul:
                // ·V: V streams through with the kernel's K/V tiles; the context is stored once.
                demand.macs = workload.macs
                let v = operandTraffic(kernel.v, of: op.index, op.inputs[1])
                var c = Traffic()
                c.sendOut(output.byteCount, toDRAM: residency.storesToDRAM(mapping.plan.groupOf[op.index]))
                demand.traffic = demand.traffic + v + c
                demand.trafficByTensor = ["B": v, "C": c]
            case .softmax:
                (demand.vectorOps, demand.addOps) = vectorWork(op, elements: output.elementCount)
                // The online softmax rescales as each K/V tile arrives; the probabilities go to
                // L1 for ·V and are read back there, never further.
                demand.vectorOps += kernel.rescaleOps
                demand.traffic.l1.written += kernel.probabilityBytes
                demand.traffic.l1.read += kernel.probabilityBytes
            default:
                (demand.vectorOps, demand.addOps) = vectorWork(op, elements: output.elementCount)
            }
            demand.vectorPassOps = demand.vectorOps + demand.addOps

        case .onDrain(let sides):
            for side in sides { route(side, of: op.index, into: &demand.traffic) }
            if case .fusedLayerNorm = placement.role {
                // Row statistics accumulate during the drain; normalising needs a second on-chip pass.
                demand.traffic.moveToL2(output.byteCount)
                demand.traffic.streamToL1(output.byteCount)
                demand.traffic.drainToL2(output.byteCount)
                demand.traffic.moveToL3(output.byteCount)
                demand.vectorPassOps = output.elementCount * OperatorCost.vectorSteps(op.kind)
            }
            (demand.vectorOps, demand.addOps) = vectorWork(op, elements: output.elementCount)

        case .dmaCopy:
            // The DMA copies what it reads (a slice, a gather's rows) within L3 when its source
            // is resident there; the copy goes out to DRAM only when the plan stores it.
            if residency.readsFromL3(op.index, op.inputs[0]) {
                demand.traffic.copyWithinL3(workload.compulsoryReadBytes)
            } else {
                demand.traffic.fetchFromDRAM(workload.compulsoryReadBytes)
            }
            if residency.storesToDRAM(op.index) { demand.traffic.storeToDRAM(output.byteCount) }

        case .streamed(let operands):
            for operand in operands { route(operand, of: op.index, into: &demand.traffic) }
            demand.traffic.sendOut(output.byteCount, toDRAM: residency.storesToDRAM(op.index))
            (demand.vectorOps, demand.addOps) = vectorWork(op, elements: OperatorCost.elementsWorked(op, in: graph))
            demand.vectorPassOps = demand.vectorOps + demand.addOps
        }

        // Only the stages the op uses.
        let traffic = demand.traffic
        for (stage, seconds) in [
            (Stage.load, Double(traffic.dram.read) / hardware.dramBandwidth),
            (.store, Double(traffic.dram.written) / hardware.dramBandwidth),
            (.move, Double(traffic.blockMoverBytes) / hardware.blockMovers.aggregateBandwidth),
            (.stream, Double(traffic.streamerBytes) / hardware.streamers.aggregateBandwidth),
            (.compute, Double(demand.computeCycles) / hardware.clockHz),
            (.vector, Double(demand.vectorPassOps) / hardware.vectorThroughput)
        ] where seconds > 0 {
            demand.stageSeconds[stage] = seconds
        }
        return demand
    }

    /// One operand of an attention kernel from DRAM (or from L3, when resident) to the arrays.
    func operandTraffic(_ bytes: AttentionTiling.OperandBytes, of op: Int, _ tensor: TensorID) -> Traffic {
        var traffic = Traffic()
        traffic.fetchFromDRAM(residency.readsFromL3(op, tensor) ? 0 : bytes.dram)
        traffic.feedTiles(read: bytes.l3Read, delivered: bytes.delivered)
        traffic.streamToL1(bytes.delivered, arrayReads: bytes.l1Read)
        return traffic
    }

    /// The traffic of one operand's route to `op`'s engine, from DRAM or, when the residency
    /// plan keeps it there, from L3.
    func route(_ operand: OperandRoute, of op: Int, into traffic: inout Traffic) {
        let bytes = graph[operand.tensor].byteCount
        if !residency.readsFromL3(op, operand.tensor) { traffic.fetchFromDRAM(bytes) }
        switch operand.route {
        case .whole:
            traffic.moveToL2(bytes)
            traffic.streamToL1(bytes)
        case .broadcast(let copies):
            traffic.moveToL2(bytes * copies)
            traffic.streamToL1(bytes * copies)
        }
    }

    /// Adds count at add energy; every other vector operation (multiply, divide, exp, erf, the
    /// passes of softmax and LayerNorm) at the table's MAC energy, the cost of a multiply-class op.
    func vectorWork(_ op: Op, elements: Int) -> (vectorOps: Int, addOps: Int) {
        switch op.kind {
        case .add, .sub: (0, elements)
        default: (elements * OperatorCost.vectorSteps(op.kind), 0)
        }
    }

    func dynamicEnergy(_ demand: OperatorDemand) -> EnergyBreakdown {
        func fJ(_ picojoules: Double) -> Energy { Energy(picojoules: picojoules) }
        let t = demand.traffic
        var e = EnergyBreakdown()
        e.compute = fJ(
            Double(demand.macs) * energy.mac(precision) + Double(demand.vectorOps) * energy.mac(precision) + Double(demand.addOps) * energy.add(precision))
        e.dram = fJ(Double(t.dram.read) * energy.dramRead + Double(t.dram.written) * energy.dramWrite)
        e.l3 = fJ(Double(t.l3.read) * energy.l3Read + Double(t.l3.written) * energy.l3Write)
        e.l2 = fJ(Double(t.l2.read) * energy.l2Read + Double(t.l2.written) * energy.l2Write)
        e.l1 = fJ(Double(t.l1.read) * energy.l1Read + Double(t.l1.written) * energy.l1Write)
        e.engines = fJ(
            Double(t.dmaBytes) * energy.dmaPerByte + Double(t.blockMoverBytes) * energy.blockMoverPerByte + Double(t.streamerBytes) * energy.streamerPerByte)
        return e
    }
}
