import KPUModel
import Support
import ConfigFrontend
import ModelGraph
#if canImport(Glibc)
    import Glibc
#endif

// Models one BERT configuration on one SKU under every fusion policy and prints the headline
// figures: the workload `farm-bench`-style timing of the KPU stage is taken over.
//
//     swift build -c release --product kpu-model-benchmark
//     .build/release/kpu-model-benchmark [preset] [seq] [sku] [precision]
let arguments = CommandLine.arguments
let preset = arguments.count > 1 ? arguments[1] : "bert-large-uncased"
let seq = arguments.count > 2 ? Int(arguments[2]) ?? 512 : 512
let sku = arguments.count > 3 ? arguments[3] : "kpu-t256"
let precision = arguments.count > 4 ? Precision(rawValue: arguments[4]) ?? .bf16 : .bf16

guard let config = EncoderConfig.preset(named: preset) else {
    print("unknown preset \(preset); presets: \(EncoderConfig.presetNames.joined(separator: ", "))")
    exit(2)
}
do {
    let graph = try EncoderGraphBuilder(config: config, options: GraphOptions(sequenceLength: seq, precision: precision)).build()
    let hardware = try KPUHardware.builtIn(sku)
    let energy = try EnergyTable.named("kpu-16nm", for: hardware)
    for fusion in FusionPolicy.allCases {
        let mapping = Mapper(graph: graph, hardware: hardware, precision: precision, fusion: fusion, residency: .l3).map()
        let evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: energy, mapping: mapping).evaluate()
        let e = evaluation.totalEnergy
        let traffic = evaluation.totalTraffic
        func joules(_ energy: Energy) -> String { String(energy.joules) }
        print(
            "\(preset) S=\(seq) \(precision.rawValue) on \(sku), \(fusion.rawValue): latency \(evaluation.makespan.seconds) s, energy \(joules(e.total)) J "
                + "(compute \(joules(e.compute)), dram \(joules(e.dram)), l3 \(joules(e.l3)), l2 \(joules(e.l2)), l1 \(joules(e.l1)), engines \(joules(e.engines)), static \(joules(e.staticEnergy))), "
                + "DRAM \(traffic.dram.total) B, events \(evaluation.events.count)")
    }
} catch {
    print("error: \(error)")
    exit(2)
}
