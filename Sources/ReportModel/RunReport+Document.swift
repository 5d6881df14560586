import AddAnalysis
import KPUModel
import Foundation
import Support
import ModelGraph

extension RunReport {
    public var document: ReportDocument {
        let hash: String? =
            switch descriptor.source {
            case .configFile(_, let digest), .onnxFile(_, let digest, _): digest
            case .preset: config.fingerprint
            }
        return ReportDocument(
            tool: .init(name: ToolInfo.name, version: ToolInfo.version),
            generated: date,
            runId: runID,
            model: .init(
                name: config.name, family: modelFamily, architecture: analysis.architecture.description,
                source: descriptor.sourceDescription, sourceHash: hash,
                layers: config.layerCount, hidden: config.hiddenSize, heads: config.headCount,
                intermediate: config.intermediateSize, vocab: config.vocabSize,
                maxPositions: config.maxPositionEmbeddings, typeVocab: config.typeVocabSize,
                hiddenAct: isONNX ? nil : config.hiddenActivation.rawValue, params: parameterCount, macs: macCount,
                batch: options.batch, seq: options.sequenceLength, precision: options.precision.rawValue,
                aggregation: options.aggregation.description,
                opCounts: Dictionary(uniqueKeysWithValues: opCounts.map { ($0.key.rawValue, $0.value) })
            ),
            adds: analysis.records.map {
                .init(
                    name: $0.name, category: $0.category.id, shape: $0.shape, dtype: $0.dtype.rawValue,
                    elements: $0.elements, flops: $0.flops, bytes: $0.minimalBytes,
                    bytesRead: $0.minimalReadBytes, bytesWritten: $0.minimalWriteBytes, fusedIn: $0.fusedIn)
            },
            categories: analysis.categories.map { summary in
                var category = ReportDocument.Category(
                    id: summary.category.id, title: summary.category.title, count: summary.count, explicit: summary.explicit,
                    elements: summary.elements, flops: summary.flops, minimalBytes: summary.minimalBytes)
                if let kpu, let cost = kpu.chosenCosts.cost(of: summary.category) {
                    let figures = Self.figures(cost.figures)
                    category.bytes = figures.bytes
                    category.energyPj = figures.energyPj
                    category.latencyS = figures.latencyS
                    category.edp = figures.edp
                    category.shareEnergy = cost.shareOfEnergy
                    category.shareLatency = cost.shareOfLatency
                    category.addsOffDram = cost.addsOffDRAM
                    category.marginal = kpu.marginal[summary.category].map(Self.marginal)
                    category.roofline = kpu.roofline.categories[summary.category].map { Self.roofline($0, kpu.roofline) }
                    category.byResidency = Dictionary(
                        uniqueKeysWithValues: Residency.allCases.map { residency in
                            (
                                residency.rawValue,
                                Dictionary(
                                    uniqueKeysWithValues: FusionPolicy.allCases.compactMap { policy in
                                        kpu.costs(policy, residency: residency)?.cost(of: summary.category).map { (policy.rawValue, Self.figures($0.figures)) }
                                    })
                            )
                        })
                    category.byPolicy = category.byResidency?[kpu.chosen.residency.rawValue]
                }
                return category
            },
            groups: AddGroup.allCases.map {
                .init(id: $0.rawValue, title: $0.title, categories: $0.categories.map(\.id), count: analysis.count(of: $0), explanation: $0.explanation)
            },
            notes: notes.isEmpty ? nil : notes,
            warnings: warnings.isEmpty ? nil : warnings,
            addTotals: .init(
                adds: analysis.totalCount, elements: analysis.records.reduce(0) { $0 + $1.elements },
                flops: analysis.totalFLOPs, minimalBytes: analysis.totalMinimalBytes,
                kpu: kpu.map { Self.figures($0.chosenCosts.adds) },
                shareEnergy: kpu.map(\.chosenCosts.addShareOfEnergy),
                shareLatency: kpu.map(\.chosenCosts.addShareOfLatency), marginal: kpu.flatMap { $0.marginal[nil] }.map(Self.marginal),
                roofline: kpu.map { Self.roofline($0.roofline.adds, $0.roofline) }),
            hardware: kpu.map { k in
                let hw = k.hardware, table = k.energyTable
                return ReportDocument.Hardware(
                    name: hw.name, id: hw.id, source: hw.source, profile: hw.profileName, clockMhz: hw.clockMHz, tdpW: hw.tdpWatts,
                    idlePowerW: hw.idlePowerWatts, tiles: hw.totalTiles, peakMacsPerS: hw.peakMACRate(options.precision),
                    memoryType: hw.memoryType, dramBandwidthGbS: hw.dramBandwidth / 1e9, dramEfficiency: hw.dramEfficiency, l3Bytes: hw.l3Bytes,
                    l2Bytes: hw.l2Bytes,
                    l1BytesPerTile: hw.l1BytesPerTile, dmaEngines: hw.dma.count, blockMovers: hw.blockMovers.count,
                    streamers: hw.streamers.count, vectorEngines: hw.vectorEngines, energyTable: table.name,
                    energyTableTitle: table.title, energyTableSource: table.source, attributionRule: KPUEvaluation.attributionRule,
                    sourceHash: hw.contentHash, energyTableHash: table.contentHash
                )
            },
            knobs: knobs.isEmpty ? nil : Dictionary(knobs.map { ($0.knob.rawValue, $0.value) }, uniquingKeysWith: { $1 }),
            fusion: kpu?.chosen.fusion.rawValue,
            residency: kpu?.chosen.residency.rawValue,
            totals: kpu.map { Self.figures($0.chosenCosts.model) },
            policies: kpu.map { k in
                Dictionary(uniqueKeysWithValues: FusionPolicy.allCases.compactMap { p in k.costs(p).map { (p.rawValue, Self.figures($0.model)) } })
            },
            residencies: kpu.map { k in
                Dictionary(
                    uniqueKeysWithValues: Residency.allCases.map { r in
                        (
                            r.rawValue,
                            Dictionary(
                                uniqueKeysWithValues: FusionPolicy.allCases.compactMap { p in
                                    k.costs(p, residency: r).map { (p.rawValue, Self.figures($0.model)) }
                                })
                        )
                    })
            },
            utilization: kpu.map { k in
                ReportDocument.UtilizationShares(
                    lanes: Dictionary(uniqueKeysWithValues: k.utilization.lanes.map { ($0.lane.rawValue, $0.share) }),
                    tileClasses: Dictionary(uniqueKeysWithValues: k.utilization.tileClasses.map { ($0.name, $0.share) }))
            },
            schedule: kpu.map { k in
                let plan = k.chosen.mapping.residency
                return ReportDocument.ScheduleFigures(
                    makespanS: k.chosen.makespan.seconds, dramFloorS: k.chosen.dramFloor.seconds, computeFloorS: k.chosen.computeFloor.seconds,
                    peakResidentBytes: plan.peakResidentBytes,
                    spills: plan.spills.map { .init(tensor: k.graph[$0.tensor].name, bytes: $0.bytes, during: k.graph.ops[$0.evictedDuring].path) })
            },
            roofline: kpu.map(Self.roofline),
            matmuls: kpu.map(Self.matmuls)
        )
    }

    static func roofline(_ demand: Roofline.Demand, _ roofline: Roofline) -> ReportDocument.RooflineDemand {
        ReportDocument.RooflineDemand(
            roof: demand.roof.rawValue, work: demand.work, dramBytes: demand.dramBytes, l3Bytes: demand.l3Bytes,
            intensityDram: demand.intensity(at: .dram), intensityL3: demand.intensity(at: .l3), bound: roofline.bound(of: demand)?.rawValue)
    }

    static func roofline(_ run: KPURun) -> ReportDocument.RooflineFigures {
        let roofline = run.roofline
        func ridges(_ roof: Roofline.Roof) -> ReportDocument.MemoryRidges {
            ReportDocument.MemoryRidges(dram: roofline.ridge(roof, .dram), l3: roofline.ridge(roof, .l3))
        }
        return ReportDocument.RooflineFigures(
            peArrayMacsPerS: roofline.peakMACRate, vectorEngineOpsPerS: roofline.vectorRate, dramBytesPerS: roofline.dramBandwidth,
            l3BytesPerS: roofline.l3Bandwidth, ridges: ReportDocument.Ridges(peArray: ridges(.peArray), vectorEngine: ridges(.vectorEngine)),
            points: roofline.points.map { point in
                ReportDocument.RooflinePoint(
                    op: run.opPaths[point.head], members: point.members.map { run.opPaths[$0] }, category: run.categoryOfOp[point.head]?.id,
                    roofline: Self.roofline(point.demand, roofline), attainedPerS: point.attainedRate,
                    busiestLane: point.busiestLane.rawValue, busiestS: point.busiestSeconds)
            })
    }

    static func marginal(_ cost: MarginalCost) -> ReportDocument.Marginal {
        ReportDocument.Marginal(energyPj: cost.energy.picojoules, latencyS: cost.latency.seconds, edpShare: cost.edpShare)
    }

    static func levels(_ traffic: Traffic?) -> ReportDocument.LevelBytes {
        let t = traffic ?? Traffic()
        return ReportDocument.LevelBytes(dram: t.dram.total, l3: t.l3.total, l2: t.l2.total, l1: t.l1.total)
    }

    static func matmuls(_ run: KPURun) -> [ReportDocument.MatMul] {
        run.chosen.operators.compactMap { op in
            guard let t = run.chosen.mapping[op.opIndex].tiling else { return nil }
            return ReportDocument.MatMul(
                op: run.opPaths[op.opIndex], m: t.m, n: t.n, k: t.k, batch: t.batch, tileClasses: t.tileClasses, tilesUsed: t.tilesUsed,
                block: [t.tileBlock.m, t.tileBlock.n], blocks: t.blocks, rounds: t.rounds, l2Block: [t.l2Block.m, t.l2Block.n, t.l2Block.k],
                l3Multicast: t.multicast, computeCycles: op.computeCycles,
                bytes: ReportDocument.OperandBytes(a: levels(op.trafficByTensor["A"]), b: levels(op.trafficByTensor["B"]), c: levels(op.trafficByTensor["C"])))
        }
    }

    static func figures(_ f: CostFigures) -> ReportDocument.KPUFigures {
        let e = f.energy
        func pJ(_ energy: Energy) -> Double { energy.picojoules }
        return ReportDocument.KPUFigures(
            bytes: .init(dram: f.traffic.dram.total, l3: f.traffic.l3.total, l2: f.traffic.l2.total, l1: f.traffic.l1.total),
            energyPj: .init(
                compute: pJ(e.compute), memory: pJ(e.memory), dram: pJ(e.dram), l3: pJ(e.l3), l2: pJ(e.l2), l1: pJ(e.l1),
                engines: pJ(e.engines), static: pJ(e.staticEnergy), total: pJ(e.total)),
            latencyS: f.latency.seconds, edp: f.edp.jouleSeconds, macs: f.macs
        )
    }

    /// `report.json`: keys sorted and snake_case, so identical inputs give identical bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(document)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
