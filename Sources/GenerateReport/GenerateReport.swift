import AddAnalysis
import ArgumentParser
import Foundation
import KPUModel
import ModelGraph
import ONNXImport
import Report

/// `generate-report`: builds a BERT graph, classifies its adds, and publishes a validated report.
///
/// The stages live in their own modules; this command only reads options, runs the stages in
/// order and maps every failure to one line on stderr and exit code 2.
@main
struct GenerateReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-report",
        abstract: "Report where a BERT model's tensor additions spend memory traffic, as a static HTML site.",
        discussion: """
        Writes <out>/<run-id>/index.html and report.json, and <out>/index.html listing every run in <out>.
        The run id is derived from the options, so the same inputs always land in the same folder.
        Presets: \(BertConfig.presetNames.joined(separator: ", ")).
        """,
        version: ToolInfo.version
    )

    @Option(name: .long, help: ArgumentHelp("A built-in model.", valueName: "preset"))
    var model: String?

    @Option(name: .long, help: ArgumentHelp("A Hugging Face BERT config.json instead of a preset.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("An ONNX export of a BERT model (torch legacy or dynamo exporter, onnxruntime-optimised).", valueName: "file"))
    var onnx: String?

    @Option(name: .customLong("dim"), help: ArgumentHelp("Binds a symbolic dimension of an ONNX input, e.g. --dim batch=8 (repeatable).", valueName: "name=value"))
    var dimensions: [String] = []

    @Option(name: .long, help: "Sequences per forward pass (default 1).")
    var batch: Int?

    @Option(name: .long, help: "Tokens per sequence, at most the model's max_position_embeddings (default 128).")
    var seq: Int?

    @Option(name: .long, help: ArgumentHelp("Element type of weights and activations: fp32, bf16, fp16 or int8.", valueName: "precision"))
    var precision: String?

    @Option(name: .customLong("aggregate-hidden-states"), help: ArgumentHelp("Pool hidden states across layers: none, last-K-sum (e.g. last-4-sum) or all-mean.", valueName: "mode"))
    var aggregateHiddenStates: String = "none"

    @Option(name: .long, help: ArgumentHelp("A built-in KPU SKU: \(KPUHardware.builtInNames.joined(separator: ", ")).", valueName: "sku"))
    var hardware: String?

    @Option(name: .customLong("hardware-file"), help: ArgumentHelp("A branes ComputeProduct YAML describing a KPU, instead of a built-in SKU.", valueName: "file"))
    var hardwareFile: String?

    @Option(name: .long, help: ArgumentHelp("Thermal profile of the SKU (default: the file's default_thermal_profile).", valueName: "name"))
    var profile: String?

    @Option(name: .customLong("energy-table"), help: ArgumentHelp("Energy per event: \(EnergyTable.names.joined(separator: ", ")).", valueName: "table"))
    var energyTable: String = "kpu-16nm"

    @Option(name: .long, help: ArgumentHelp("What rides the matmul drain: none, vector-engine or epilogue.", valueName: "policy"))
    var fusion: String = "vector-engine"

    @Option(name: .long, help: ArgumentHelp("The site folder to write into.", valueName: "dir"))
    var out: String = "reports"

    @Option(name: .long, help: ArgumentHelp("The date the pages name, YYYY-MM-DD (default: SOURCE_DATE_EPOCH if set, else no date).", valueName: "date"))
    var date: String?

    @Option(name: .long, help: ArgumentHelp("What to write: html, json or both.", valueName: "format"))
    var format: String = "both"

    @Option(name: .long, help: ArgumentHelp("Folder of Mustache templates (default: templates/ here or beside the binary, else the built-in copy).", valueName: "dir"))
    var templates: String?

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as UsageError {
            fail(error.message)
        } catch let error as GraphError {
            fail(error.description)
        } catch let error as ReportError {
            fail(error.description)
        } catch let error as HardwareError {
            fail(error.description)
        } catch {
            // Help and --version exit 0 through here; a malformed command line is a usage error.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            fail("\(message(for: error)); see 'generate-report --help'")
        }
    }

    mutating func run() throws {
        let outputFormat = try parseFormat()
        let templateFolder = try templateDirectory()
        // Parsing the templates is independent of the model: it runs beside the whole analysis.
        let command = self
        let (report, templateSet) = try concurrently({ try command.analyse() }, {
            try templateFolder.map { directory throws in try Templates(directory: directory) } ?? Templates.bundled()
        })
        let writer = SiteWriter(root: URL(fileURLWithPath: out), templates: templateSet)
        let published = try writer.publish(report, format: outputFormat)
        for file in published.files { print(relative(file)) }
        if let index = published.siteIndex { print(relative(index)) }
    }

    /// Everything up to the report's view-independent figures: hardware, graph, add analysis,
    /// the KPU model under every fusion policy.
    func analyse() throws -> RunReport {
        guard let policy = FusionPolicy(rawValue: fusion) else {
            throw UsageError("--fusion \(fusion) is not a policy; use none, vector-engine or epilogue")
        }
        // The hardware description (YAML) is read beside the graph build.
        let command = self
        let ((kpuHardware, hardwareLabel), built) = try concurrently({ try command.loadHardware() }, {
            // The run id needs the hardware label, which only naming needs: build with a placeholder.
            try command.buildGraph(hardware: RunDescriptor.HardwareChoice(label: "", profile: nil, energyTable: "", fusion: policy))
        })
        let table = try EnergyTable.named(energyTable, for: kpuHardware)
        let choice = RunDescriptor.HardwareChoice(label: hardwareLabel, profile: profile, energyTable: energyTable, fusion: policy)
        let (graph, notes) = (built.1, built.2)
        let descriptor = built.0.with(hardware: choice)
        let cost = WorkloadCost(graph: graph)
        let analysis = AddAnalysis(graph: graph, cost: cost)
        // Every policy is modelled: the page compares them. MACs are the same in all three.
        let evaluations = FusionPolicy.allCases.concurrentMap { candidate in
            KPUEvaluator(graph: graph, hardware: kpuHardware, energy: table, precision: descriptor.options.precision, fusion: candidate).evaluate()
        }
        var report = RunReport(descriptor: descriptor, graph: graph, analysis: analysis,
                               kpu: RunReport.KPURun(graph: graph, analysis: analysis, evaluations: evaluations, chosen: policy))
        report.notes = notes
        report.date = try reportDate()
        report.decompositions = Self.decompositionCosts(analysis: analysis, graph: graph, chosen: evaluations.first { $0.fusion == policy }!,
                                                        hardware: kpuHardware, energy: table, precision: descriptor.options.precision)
        return report
    }

    /// Turns the options into a run description, checking each one.
    /// Sets each kind of written-out op (summed over its instances, under the chosen policy)
    /// against as many fused ops of the same shapes, each evaluated alone.
    static func decompositionCosts(analysis: AddAnalysis, graph: Graph, chosen: KPUEvaluation, hardware: KPUHardware,
                                   energy: EnergyTable, precision: Precision) -> [DecompositionCost] {
        let found = analysis.decompositions(in: graph)
        return Decomposition.Kind.allCases.compactMap { kind in
            let instances = found.filter { $0.kind == kind }
            guard !instances.isEmpty else { return nil }
            var energyFJ: Int64 = 0, latency: Int64 = 0, dram = 0, ops = 0
            var fusedEnergy: Int64 = 0, fusedLatency: Int64 = 0, fusedDRAM = 0
            for instance in instances {
                for index in instance.ops {
                    let op = chosen.operators[index]
                    energyFJ += op.energy.total
                    latency += op.latencyPicoseconds
                    dram += op.traffic.dram.total
                }
                ops += instance.ops.count
                let tensor = graph[instance.input]
                if let estimate = FusedOpEstimate.evaluate(kind == .layerNorm ? .layerNorm : .gelu, shape: tensor.shape, dtype: tensor.dtype,
                                                           hardware: hardware, energy: energy, precision: precision) {
                    fusedEnergy += estimate.energyFemtojoules
                    fusedLatency += estimate.latencyPicoseconds
                    fusedDRAM += estimate.dramBytes
                }
            }
            return DecompositionCost(kind: kind.rawValue, instances: instances.count, primitiveOps: ops,
                                     decomposedEnergyFemtojoules: energyFJ, decomposedLatencyPicoseconds: latency, decomposedDRAMBytes: dram,
                                     fusedEnergyFemtojoules: fusedEnergy, fusedLatencyPicoseconds: fusedLatency, fusedDRAMBytes: fusedDRAM)
        }
    }

    /// The date to print: --date, else SOURCE_DATE_EPOCH, else none (so output stays reproducible).
    func reportDate() throws -> String? {
        if let date {
            guard let parsed = ReportDate.parse(date) else { throw UsageError("--date \(date) is not a date; write YYYY-MM-DD") }
            return parsed
        }
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"], !epoch.isEmpty {
            guard let seconds = Int64(epoch) else { throw UsageError("SOURCE_DATE_EPOCH=\(epoch) is not a whole number of seconds") }
            return ReportDate.fromEpoch(seconds)
        }
        return nil
    }

    /// The SKU from --hardware or --hardware-file, and the label the run id uses for it.
    func loadHardware() throws -> (KPUHardware, String) {
        switch (hardware, hardwareFile) {
        case (.some, .some):
            throw UsageError("give either --hardware or --hardware-file, not both")
        case (nil, let path?):
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw UsageError("\(path): cannot read the hardware file (\(Self.reason(error))); check the path")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw UsageError("\(path): is not UTF-8 text; a ComputeProduct file is YAML")
            }
            let loaded = try KPUHardware.load(file: path, contents: text, profile: profile)
            return (loaded, "\(loaded.id)-\(contentFingerprint(data).prefix(8))")
        case (let name, nil):
            let sku = name ?? RunDescriptor.HardwareChoice.defaultSKU
            return (try KPUHardware.builtIn(sku, profile: profile), sku)
        }
    }

    /// The graph from a preset, a config.json or an ONNX export, with its run description and
    /// notes for the reader.
    func buildGraph(hardware: RunDescriptor.HardwareChoice) throws -> (RunDescriptor, Graph, [String]) {
        let sources = [model, config, onnx].compactMap { $0 }.count
        if sources > 1 { throw UsageError("give one of --model, --config or --onnx, not several") }
        if let batch, batch < 1 { throw UsageError("--batch \(batch): the batch must be at least 1") }
        if let seq, seq < 1 { throw UsageError("--seq \(seq): the sequence length must be at least 1") }
        let parsedPrecision = try precision.map { value throws -> Precision in
            guard let parsed = Precision(rawValue: value) else {
                throw UsageError("--precision \(value) is not supported; use one of \(Precision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return parsed
        }
        guard let onnx else {
            if !dimensions.isEmpty { throw UsageError("--dim binds dimensions of an ONNX file; give --onnx FILE") }
            let descriptor = try describeRun(hardware: hardware, precision: parsedPrecision ?? .fp32)
            let graph = try BertGraphBuilder(config: descriptor.config, options: descriptor.options, source: configSourceName).build()
            return (descriptor, graph, [])
        }
        if aggregateHiddenStates != "none" {
            throw UsageError("--aggregate-hidden-states applies to presets and configs; an ONNX file already fixes its outputs")
        }
        var bindings: [String: Int] = [:]
        for binding in dimensions {
            let parts = binding.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value > 0 else {
                throw UsageError("--dim \(binding) is not NAME=VALUE with a positive VALUE")
            }
            bindings[parts[0]] = value
        }
        let imported = try ONNXImporter.read(path: onnx, options: ONNXImportOptions(batch: batch ?? 1, sequenceLength: seq ?? 128, dimensions: bindings))
        let size = imported.inputSize
        if imported.boundDimensions.isEmpty, let asked = batch ?? seq, (batch.map { $0 != size.batch } ?? false) || (seq.map { $0 != size.sequence } ?? false) {
            throw UsageError("\(onnx): its inputs have the static shape [\(size.batch), \(size.sequence)]; --batch/--seq \(asked) cannot change it (export with dynamic axes to vary them)")
        }
        if let parsedPrecision, parsedPrecision != imported.precision {
            throw UsageError("\(onnx): its weights are \(imported.precision.rawValue); --precision \(parsedPrecision.rawValue) cannot change an exported model")
        }
        let name = URL(fileURLWithPath: onnx).deletingPathExtension().lastPathComponent
        let options = BertGraphOptions(batch: size.batch, sequenceLength: size.sequence, precision: imported.precision)
        let descriptor = RunDescriptor(source: .onnxFile(path: onnx, contentHash: imported.fingerprint, producer: imported.producer),
                                       config: imported.inferredConfig(name: name), options: options, hardware: hardware)
        var notes = imported.unknownCostNodes.map { "\($0) is not modelled; it lies on no path to an add or a matmul and is counted at zero cost (unknown cost)." }
        if !imported.boundDimensions.isEmpty {
            notes.append("Symbolic dimensions bound: " + imported.boundDimensions.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") + ".")
        }
        return (descriptor, imported.graph, notes)
    }

    func describeRun(hardware: RunDescriptor.HardwareChoice, precision parsedPrecision: Precision) throws -> RunDescriptor {
        guard let aggregation = HiddenStateAggregation(argument: aggregateHiddenStates) else {
            throw UsageError("--aggregate-hidden-states \(aggregateHiddenStates) is not understood; use none, last-K-sum (e.g. last-4-sum) or all-mean")
        }
        let options = BertGraphOptions(batch: batch ?? 1, sequenceLength: seq ?? 128, precision: parsedPrecision, aggregation: aggregation)

        switch (model, config) {
        case (nil, nil):
            throw UsageError("give --model PRESET, --config FILE or --onnx FILE; presets: \(BertConfig.presetNames.joined(separator: ", "))")
        case (.some, .some):
            throw UsageError("give one of --model, --config or --onnx, not several")
        case (let name?, nil):
            guard let preset = BertConfig.preset(named: name) else {
                throw UsageError("--model \(name) is not a known preset; use one of \(BertConfig.presetNames.joined(separator: ", ")), or --config FILE")
            }
            return RunDescriptor(source: .preset(name), config: preset, options: options, hardware: hardware)
        case (nil, let path?):
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw UsageError("\(path): cannot read the config file (\(Self.reason(error))); check the path")
            }
            let parsed = try BertConfig(huggingFaceJSON: data, source: path)
            return RunDescriptor(source: .configFile(path: path, contentHash: contentFingerprint(data)), config: parsed, options: options, hardware: hardware)
        }
    }

    var configSourceName: String? { config }

    func parseFormat() throws -> OutputFormat {
        guard let parsed = OutputFormat(rawValue: format) else {
            throw UsageError("--format \(format) is not supported; use html, json or both")
        }
        return parsed
    }

    /// --templates, else a templates/ folder here or beside the binary; nil means the built-in copy.
    func templateDirectory() throws -> URL? {
        if let templates { return URL(fileURLWithPath: templates) }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0].contains("/")
            ? CommandLine.arguments[0] : "/proc/self/exe")
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return Templates.locate(executable: executable, workingDirectory: here)
    }

    func relative(_ url: URL) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return url.path.hasPrefix(here) ? String(url.path.dropFirst(here.count)) : url.path
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }

    /// One line on stderr, exit code 2: the contract for every kind of bad input.
    static func fail(_ message: String) -> Never {
        let line = "generate-report: error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        Foundation.exit(2)
    }
}

/// A bad option value, written for the person who typed it.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
