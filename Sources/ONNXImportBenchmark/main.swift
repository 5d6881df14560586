import ModelGraph
import ONNXImport
#if canImport(Glibc)
    import Glibc
#endif

// Reads one ONNX file into the IR and prints what it found: the ONNX stage timed on its own.
//
//     swift build -c release --product onnx-import-benchmark
//     .build/release/onnx-import-benchmark FILE.onnx
let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    print("usage: onnx-import-benchmark FILE.onnx")
    exit(2)
}
do {
    let model = try ONNXImporter.read(path: arguments[1], options: ONNXImportOptions(batch: 1, sequenceLength: 128))
    print(
        "\(arguments[1]): \(model.graph.ops.count) ops, \(model.explicitAddNodes) Add nodes, \(model.graph.macCount) MACs, \(model.producer), opset \(model.opsetVersion)"
    )
} catch {
    print("error: \(error)")
    exit(2)
}
