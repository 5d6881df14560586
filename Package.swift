// swift-tools-version: 6.1
import PackageDescription

// One module per stage; each stage's output is a plain value the next one consumes:
// ModelGraph → KPUModel → AddAnalysis → Report → Pipeline → generate-report.
// XHTMLValidator wraps libxml2 and deliberately does not import Foundation: a module that
// imports both fails clean builds with ICU header clashes (see Sources/CLibXML2/shim.h).
let package = Package(
    name: "bert-add-report",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "generate-report", targets: ["GenerateReport"]),
        .executable(name: "kpu-model-benchmark", targets: ["KPUModelBenchmark"]),
        .executable(name: "onnx-import-benchmark", targets: ["ONNXImportBenchmark"]),
        .executable(name: "fuzz-readers", targets: ["FuzzReaders"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.30.0"),
    ],
    targets: [
        .target(name: "ModelGraph"),
        // Reads ONNX exports into the same IR the BERT builder produces (part of the graph stage).
        .target(name: "ONNXImport", dependencies: ["ModelGraph", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Streaming JSON output for the report's data files.
        .target(name: "JSONOutput"),
        // data/ and templates/ are built into KPUModel and Report by the EmbedResources plugin.
        .executableTarget(name: "EmbedResourcesTool"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["EmbedResourcesTool"]),
        .target(name: "KPUModel", dependencies: ["ModelGraph", .product(name: "Yams", package: "Yams")], plugins: ["EmbedResources"]),
        .target(name: "AddAnalysis", dependencies: ["ModelGraph", "KPUModel"]),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "XHTMLValidator", dependencies: ["CLibXML2"]),
        // renameat2(RENAME_EXCHANGE), which Glibc's Swift module does not expose: swaps a new site into place in one step.
        .target(name: "CSiteSwap"),
        .target(
            name: "Report",
            dependencies: [
                "ModelGraph", "KPUModel", "AddAnalysis", "XHTMLValidator", "CSiteSwap", "JSONOutput",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            plugins: ["EmbedResources"]
        ),
        // Runs requests through the stages: one run, a sweep over a grid, or a merge of shards.
        .target(
            name: "Pipeline",
            dependencies: ["ModelGraph", "ONNXImport", "KPUModel", "AddAnalysis", "Report", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "GenerateReport",
            dependencies: [
                "ModelGraph", "KPUModel", "Report", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Times the KPU stage alone on a large configuration (see README, Benchmarks).
        .executableTarget(name: "KPUModelBenchmark", dependencies: ["ModelGraph", "KPUModel"]),
        .executableTarget(name: "ONNXImportBenchmark", dependencies: ["ModelGraph", "ONNXImport"]),
        // The readers of outside files on arbitrary bytes, for libFuzzer (scripts/fuzz) and the replay tests.
        .target(name: "ReaderFuzzing", dependencies: ["ModelGraph", "ONNXImport", "KPUModel", "AddAnalysis"]),
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "FuzzReaders", dependencies: ["ReaderFuzzing", "CFuzzDriver"]),
        // Where the tests find Tests/Fixtures (one helper for every test target).
        .target(name: "TestFixtures", path: "Tests/TestFixtures"),
        .testTarget(name: "ModelGraphTests", dependencies: ["ModelGraph", "TestFixtures"]),
        .testTarget(name: "KPUModelTests", dependencies: ["ModelGraph", "KPUModel"]),
        .testTarget(name: "AddAnalysisTests", dependencies: ["ModelGraph", "KPUModel", "AddAnalysis"]),
        .testTarget(name: "ONNXImportTests", dependencies: ["ONNXImport", "ModelGraph", "KPUModel", "AddAnalysis", "TestFixtures"]),
        .testTarget(name: "XHTMLValidatorTests", dependencies: ["XHTMLValidator"]),
        .testTarget(name: "ReportTests", dependencies: ["ModelGraph", "KPUModel", "AddAnalysis", "Report", "XHTMLValidator", "JSONOutput"]),
        // Depends on the executable so `swift test` builds it; the tests run it as a process.
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Report", "KPUModel", "ONNXImport", "XHTMLValidator", "ReaderFuzzing", "TestFixtures", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "GenerateReportTests", dependencies: ["GenerateReport", "TestFixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
