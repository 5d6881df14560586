import KPUModel
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

guard let config = BertConfig.preset(named: preset) else {
    print("unknown preset \(preset); presets: \(BertConfig.presetNames.joined(separator: ", "))")
    exit(2)
}
do {
    let graph = try BertGraphBuilder(config: config, options: BertGraphOptions(sequenceLength: seq, precision: precision)).build()
    let hardware = try KPUHardware.builtIn(sku)
    let energy = try EnergyTable.named("kpu-16nm", for: hardware)
    for fusion in FusionPolicy.allCases {
        let mapping = Mapper(graph: graph, hardware: hardware, precision: precision, fusion: fusion).map()
        let evaluation = KPUEvaluator(graph: graph, hardware: hardware, energy: energy, mapping: mapping).evaluate()
        let e = evaluation.totalEnergy
        let traffic = evaluation.totalTraffic
        print("\(preset) S=\(seq) \(precision.rawValue) on \(sku), \(fusion.rawValue): latency \(evaluation.latencySeconds * 1e6) µs, energy \(Double(e.total) * 1e-9) µJ "
              + "(compute \(Double(e.compute) * 1e-9), dram \(Double(e.dram) * 1e-9), l3 \(Double(e.l3) * 1e-9), l2 \(Double(e.l2) * 1e-9), l1 \(Double(e.l1) * 1e-9), engines \(Double(e.engines) * 1e-9), static \(Double(e.staticEnergy) * 1e-9)), "
              + "DRAM \(traffic.dram.total) B, events \(evaluation.events.count)")
    }
} catch {
    print("error: \(error)")
    exit(2)
}
