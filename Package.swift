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
        .executable(name: "fuzz-readers", targets: ["FuzzReaders"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.30.0")
    ],
    targets: [
        // Leaf: concurrency helpers, the byte buffer and JSON writer, fingerprints, topological order.
        .target(name: "Support"),
        .target(name: "ModelGraph", dependencies: ["Support"]),
        // Front end for presets and Hugging Face configs: BERT and its cousins built as graphs.
        .target(name: "ConfigFrontend", dependencies: ["Support", "ModelGraph"]),
        // Front end for ONNX exports: the same IR, from any transformer.
        .target(name: "ONNXImport", dependencies: ["Support", "ModelGraph", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // data/ and templates/ are built into KPUModel and ReportRendering by the EmbedResources plugin.
        .executableTarget(name: "EmbedResourcesTool"),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["EmbedResourcesTool"]),
        .target(name: "KPUModel", dependencies: ["ModelGraph", "Support", .product(name: "Yams", package: "Yams")], plugins: ["EmbedResources"]),
        .target(name: "AddAnalysis", dependencies: ["ModelGraph"]),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "XHTMLValidator", dependencies: ["CLibXML2"]),
        // renameat2(RENAME_EXCHANGE), which Glibc's Swift module does not expose: swaps a new site into place in one step.
        .target(name: "CSiteSwap"),
        // Numbers only: every figure of a run, each share, delta and unit conversion computed once.
        .target(name: "ReportModel", dependencies: ["Support", "ModelGraph", "KPUModel", "AddAnalysis"]),
        // Pages, charts and data files from the report model; every page validated.
        .target(
            name: "ReportRendering",
            dependencies: [
                "Support", "ModelGraph", "KPUModel", "AddAnalysis", "ReportModel", "XHTMLValidator",
                .product(name: "Mustache", package: "swift-mustache")
            ],
            plugins: ["EmbedResources"]
        ),
        // Staging, locking, the atomic exchange and history I/O; knows nothing about templates.
        .target(name: "SitePublishing", dependencies: ["Support", "ReportModel", "CSiteSwap"]),
        // Runs requests through the stages: one run, a sweep over a grid, or a merge of shards.
        .target(
            name: "Pipeline",
            dependencies: [
                "Support", "ModelGraph", "ConfigFrontend", "ONNXImport", "KPUModel", "AddAnalysis", "ReportModel", "ReportRendering", "SitePublishing",
                .product(name: "Yams", package: "Yams")
            ]
        ),
        .executableTarget(
            name: "GenerateReport",
            dependencies: [
                "Support", "ModelGraph", "ConfigFrontend", "KPUModel", "ReportModel", "ReportRendering", "SitePublishing", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]
        ),
        // Times the KPU stage alone on a large configuration (see README, Benchmarks).
        .executableTarget(name: "KPUModelBenchmark", dependencies: ["Support", "ModelGraph", "ConfigFrontend", "KPUModel"]),
        .executableTarget(name: "ONNXImportBenchmark", dependencies: ["ModelGraph", "ONNXImport"]),
        // The readers of outside files on arbitrary bytes, for libFuzzer (scripts/fuzz) and the replay tests.
        .target(name: "ReaderFuzzing", dependencies: ["ModelGraph", "ConfigFrontend", "ONNXImport", "KPUModel", "AddAnalysis"]),
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "FuzzReaders", dependencies: ["ReaderFuzzing", "CFuzzDriver"]),
        // Where the tests find Tests/Fixtures (one helper for every test target).
        .target(name: "TestFixtures", path: "Tests/TestFixtures"),
        .testTarget(name: "SupportTests", dependencies: ["Support"]),
        .testTarget(name: "ConfigFrontendTests", dependencies: ["Support", "ModelGraph", "ConfigFrontend", "TestFixtures"]),
        .testTarget(name: "ModelGraphTests", dependencies: ["Support", "ModelGraph", "ConfigFrontend", "TestFixtures"]),
        .testTarget(name: "KPUModelTests", dependencies: ["ConfigFrontend", "Support", "ModelGraph", "KPUModel", "TestFixtures"]),
        .testTarget(name: "AddAnalysisTests", dependencies: ["ConfigFrontend", "ModelGraph", "AddAnalysis"]),
        .testTarget(
            name: "ONNXImportTests", dependencies: ["ConfigFrontend", "Support", "ONNXImport", "ModelGraph", "KPUModel", "AddAnalysis", "TestFixtures"]),
        .testTarget(name: "XHTMLValidatorTests", dependencies: ["XHTMLValidator"]),
        .testTarget(
            name: "ReportTests",
            dependencies: [
                "ConfigFrontend", "Support", "ModelGraph", "KPUModel", "AddAnalysis", "ReportModel", "ReportRendering", "SitePublishing", "Pipeline",
                "XHTMLValidator"
            ]),
        // Depends on the executable so `swift test` builds it; the tests run it as a process.
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "ConfigFrontend", "Pipeline", "ReportModel", "ReportRendering", "SitePublishing", "Support", "KPUModel", "ONNXImport", "XHTMLValidator",
                "ReaderFuzzing", "TestFixtures", .product(name: "Yams", package: "Yams")
            ]),
        // Every doc-comment example, compiled (and most run), with a check that they stay the same.
        .testTarget(
            name: "DocumentationExampleTests",
            dependencies: [
                "Support", "ModelGraph", "ConfigFrontend", "ONNXImport", "KPUModel", "AddAnalysis", "ReportModel", "ReportRendering",
                "SitePublishing", "Pipeline", "XHTMLValidator"
            ]
        ),
        .testTarget(name: "GenerateReportTests", dependencies: ["GenerateReport", "TestFixtures"])
    ],
    swiftLanguageModes: [.v6]
)
