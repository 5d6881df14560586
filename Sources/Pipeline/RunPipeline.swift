import Support
import AddAnalysis
import Foundation
import KPUModel
import ConfigFrontend
import ModelGraph
import ONNXImport
import ReportModel
import ReportRendering
import SitePublishing

/// One configuration to report on: the model, its shape and precision, the KPU and its energy
/// table, and the fusion policy. Values are as typed on the command line or in a sweep file,
/// checked when the run is made, so every error names the option it came from.
public struct RunRequest: Sendable, Hashable {
    public enum Model: Sendable, Hashable {
        case preset(String)
        case config(String)
        case onnx(String)
    }

    public enum Hardware: Sendable, Hashable {
        case builtIn(String)
        case file(String)
    }

    public var model: Model
    public var batch: Int?
    public var seq: Int?
    /// Nil: the model's own (an ONNX export's weights), else ``defaultPrecision``.
    public var precision: Precision?

    /// bf16, the precision the KPU runs transformers in: at fp32 only the BF16-primary tiles
    /// work (51 of KPU-T256's 256).
    public static let defaultPrecision = Precision.bf16
    /// The model reported on when none is named: what `generate-report` alone writes.
    public static let defaultModel = "bert-base-uncased"
    public var aggregation: HiddenStateAggregation
    /// `NAME=VALUE` bindings of symbolic ONNX dimensions.
    public var dimensions: [String]
    public var hardware: Hardware
    public var profile: String?
    public var energyTable: String
    public var fusion: FusionPolicy
    public var residency: Residency
    /// Knobs set on top of the SKU, in the order they apply (`sweep --vary`).
    public var knobs: [HardwareKnob.Setting]

    public init(
        model: Model, batch: Int? = nil, seq: Int? = nil, precision: Precision? = nil, aggregation: HiddenStateAggregation = .none,
        dimensions: [String] = [], hardware: Hardware = .builtIn(RunDescriptor.HardwareChoice.defaultSKU), profile: String? = nil,
        energyTable: String = RunDescriptor.HardwareChoice.defaultEnergyTable, fusion: FusionPolicy = .vectorEngine,
        residency: Residency = .l3, knobs: [HardwareKnob.Setting] = []
    ) {
        self.model = model
        self.batch = batch
        self.seq = seq
        self.precision = precision
        self.aggregation = aggregation
        self.dimensions = dimensions
        self.hardware = hardware
        self.profile = profile
        self.energyTable = energyTable
        self.fusion = fusion
        self.residency = residency
        self.knobs = knobs
    }

    /// A short description for progress lines and errors.
    public var label: String {
        let model =
            switch self.model {
            case .preset(let name): name;
            case .config(let path), .onnx(let path): path
            }
        let hardware =
            switch self.hardware {
            case .builtIn(let name): name;
            case .file(let path): path
            }
        var parts = [model, hardware, fusion.rawValue]
        if residency != .l3 { parts.append("residency \(residency.rawValue)") }
        parts += knobs.map { "\($0.knob.rawValue) \(HardwareKnob.text($0.value))" }
        if let batch { parts.append("batch \(batch)") }
        if let seq { parts.append("seq \(seq)") }
        if let precision { parts.append(precision.rawValue) }
        return parts.joined(separator: ", ")
    }
}

/// A bad option value, written for the person who typed it.
public struct RunRequestError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Turns run requests into reports: hardware, graph, add analysis and the KPU model under every
/// fusion policy. Hardware descriptions are read once per SKU and profile, and graphs built once
/// per model, shape and precision, and shared, so a sweep reads each SKU and builds each model
/// once. Safe to use from several threads.
public final class RunPipeline: @unchecked Sendable {
    /// The date the pages name (from --date or SOURCE_DATE_EPOCH), or nil.
    public let date: String?
    private let lock = NSLock()
    private var hardwareCache: [String: Result<(KPUHardware, String), any Error>] = [:]
    private var modelCache: [RunRequest: Result<PreparedModel, any Error>] = [:]

    /// The largest graph a run takes: a 2,000-layer model (80,000 operators) takes about 6 s
    /// and 1 GB; beyond this, time and memory grow past what a nightly job should spend.
    public static let operatorLimit = 100_000

    public init(date: String?) {
        self.date = date
    }

    /// --date, else SOURCE_DATE_EPOCH, else none (so output stays reproducible).
    public static func reportDate(option: String?, environment: [String: String]) throws(RunRequestError) -> String? {
        if let option {
            guard let parsed = ReportDate.parse(option) else { throw RunRequestError("--date \(option) is not a date; write YYYY-MM-DD") }
            return parsed
        }
        if let epoch = environment["SOURCE_DATE_EPOCH"], !epoch.isEmpty {
            guard let seconds = Int64(epoch) else { throw RunRequestError("SOURCE_DATE_EPOCH=\(epoch) is not a whole number of seconds") }
            return ReportDate.fromEpoch(seconds)
        }
        return nil
    }

    /// The full report of a run: every fusion policy under both residencies (the page's what-if
    /// tables), the marginal cost of each add category and the decompositions.
    public func report(_ request: RunRequest) throws -> RunReport {
        let run = try prepare(request)
        let (graph, hardware, precision) = (run.model.graph, run.hardware, run.descriptor.options.precision)
        // Every policy under both residencies is modelled: the page compares them. MACs and
        // matmul blockings are the same under each.
        let tilings = MatMulTilings(graph: graph, hardware: hardware, precision: precision)
        let mappings = FusionPolicy.allCases.concurrentMap { policy in
            Mapper(graph: graph, hardware: hardware, precision: precision, fusion: policy, residency: request.residency, tilings: tilings)
                .map(under: Residency.allCases)
        }.flatMap { $0 }
        let evaluations = mappings.concurrentMap { mapping in
            KPUEvaluator(graph: graph, hardware: hardware, energy: run.energyTable, mapping: mapping, workload: run.model.workload).evaluate()
        }
        var report = run.report(evaluations: evaluations, marginal: true)
        let chosen = report.kpu!.chosen
        report.decompositions = DecompositionCost.all(
            analysis: run.model.analysis, graph: graph, chosen: chosen, hardware: hardware, energy: run.energyTable, precision: precision)
        return report
    }

    /// A run of a sweep that gets no page: the chosen policy and residency alone, without the
    /// what-ifs (other policies, marginal costs, decompositions) only a page shows. Its point
    /// equals the full report's.
    public func point(_ request: RunRequest) throws -> SweepPoint {
        let run = try prepare(request)
        let (graph, precision) = (run.model.graph, run.descriptor.options.precision)
        let mapping = Mapper(graph: graph, hardware: run.hardware, precision: precision, fusion: request.fusion, residency: request.residency).map()
        let evaluation = KPUEvaluator(graph: graph, hardware: run.hardware, energy: run.energyTable, mapping: mapping, workload: run.model.workload)
            .evaluate()
        let report = run.report(evaluations: [evaluation], marginal: false)
        guard let point = SweepPoint(document: report.document, page: nil) else { preconditionFailure("a run with a KPU model has a point") }
        return point
    }

    /// What a run needs before its mappings: the model's shared graph and analysis, the SKU with
    /// the run's knobs and its energy table, the run's description, all checked.
    struct PreparedRun {
        let request: RunRequest
        let model: PreparedModel
        let hardware: KPUHardware
        let energyTable: EnergyTable
        let descriptor: RunDescriptor
        let date: String?

        /// The report of the evaluations made, the request's policy and residency chosen.
        func report(evaluations: [KPUEvaluation], marginal: Bool) -> RunReport {
            let chosen = MappingStrategy(fusion: request.fusion, residency: request.residency)
            var report = RunReport(
                descriptor: descriptor, graph: model.graph, analysis: model.analysis,
                kpu: RunReport.KPURun(
                    graph: model.graph, workload: model.workload, analysis: model.analysis, evaluations: evaluations, chosen: chosen,
                    marginal: marginal))
            report.knobs = request.knobs
            report.notes = model.notes + RunPipeline.hardwareNotes(hardware, request: request) + [report.kpu?.attentionFallbackNote].compactMap { $0 }
            report.warnings = RunPipeline.assumptionWarnings(report)
            report.modelFamily = model.family
            report.date = date
            return report
        }
    }

    /// A model's graph at one shape and precision with what every run of it shares: the
    /// compulsory traffic and the add analysis.
    struct PreparedModel: Sendable {
        let built: BuiltModel
        let workload: WorkloadCost
        let analysis: AddAnalysis
        var graph: Graph { built.graph }
        var notes: [String] { built.notes }
        var family: String? { built.family }
    }

    func prepare(_ request: RunRequest) throws -> PreparedRun {
        // The hardware description and its energy table (YAML) are read beside the graph build.
        let ((hardware, hardwareLabel, table), model) = try concurrently(
            {
                var (hardware, label) = try self.hardware(request)
                var table = try EnergyTable.named(request.energyTable, for: hardware)
                // The knobs apply on top of the SKU, and the run id names them.
                for setting in request.knobs { try setting.knob.apply(setting.value, to: &hardware, energy: &table) }
                if !request.knobs.isEmpty { label += "_" + request.knobs.map(\.label).joined(separator: "_") }
                return (hardware, label, table)
            },
            { try self.model(request) })
        let choice = RunDescriptor.HardwareChoice(
            label: hardwareLabel, profile: request.profile, energyTable: request.energyTable, fusion: request.fusion, residency: request.residency)
        let descriptor = model.built.descriptor.with(hardware: choice)
        let precision = descriptor.options.precision
        try hardware.checkRates(for: precision)
        try KPUEvaluator.checkWithinRange(graph: model.graph, hardware: hardware, energy: table, precision: precision, source: descriptor.sourceDescription)
        return PreparedRun(request: request, model: model, hardware: hardware, energyTable: table, descriptor: descriptor, date: date)
    }

    /// The model of a request, built once per model, shape and precision and shared by every run
    /// of it (the SKU, knobs, policies and energy table do not change the graph).
    func model(_ request: RunRequest) throws -> PreparedModel {
        var key = request
        key.hardware = .builtIn("")
        key.profile = nil
        key.energyTable = ""
        key.fusion = .vectorEngine
        key.residency = .l3
        key.knobs = []
        if let cached = lock.withLock({ modelCache[key] }) { return try cached.get() }
        let prepared = Result<PreparedModel, any Error> {
            // The run id needs the hardware label, which only naming needs: the graph is built
            // with a placeholder.
            let built = try Self.buildGraph(
                request, hardware: RunDescriptor.HardwareChoice(label: "", profile: nil, energyTable: "", fusion: request.fusion, residency: request.residency))
            let graph = built.graph
            // Counts, energies and times are 64-bit integers: a workload too large for them is an
            // error here, before anything multiplies or sums them.
            let source = built.descriptor.sourceDescription
            if graph.ops.count > Self.operatorLimit {
                throw RunRequestError(
                    "\(source): the graph has \(graph.ops.count) operators; this tool models up to \(Self.operatorLimit) (about 2,500 BERT layers); use fewer layers"
                )
            }
            try graph.checkTotalsFit(source: source)
            let workload = WorkloadCost(graph: graph)
            return PreparedModel(built: built, workload: workload, analysis: AddAnalysis(graph: graph, cost: workload))
        }
        lock.withLock { modelCache[key] = prepared }
        return try prepared.get()
    }

    /// Where the model's assumptions do not hold for a run: average power above the profile's
    /// TDP (the model holds the clock; a real part would throttle), and tile classes whose
    /// description gives a dataflow other than the output-stationary one they are modelled in.
    static func assumptionWarnings(_ report: RunReport) -> [String] {
        guard let kpu = report.kpu else { return [] }
        let hardware = kpu.hardware, precision = kpu.chosen.precision
        var warnings: [String] = []
        let watts = kpu.chosen.totalEnergy.total.joules / max(kpu.chosen.makespan.seconds, 1e-30)
        if watts > hardware.tdpWatts {
            warnings.append(
                "average power \(Format.significant(watts, digits: 3)) W is above the \(Format.significant(hardware.tdpWatts, digits: 3)) W TDP of \(hardware.name)'s \(hardware.profileName) profile; the model holds the clock, a real part would throttle"
            )
        }
        let peak = hardware.peakMACRate(precision)
        for tile in hardware.tileClasses(running: precision) where tile.scheduleClass != "output_stationary" {
            let share = peak > 0 ? Double(tile.count) * (tile.macsPerClock(precision) ?? 0) * hardware.clockHz / peak : 0
            warnings.append(
                "\(hardware.name)'s \(tile.count) \(tile.name) tiles are described as \(tile.scheduleClass.replacingOccurrences(of: "_", with: "-")) but modelled output-stationary; they supply \(Format.percent(share)) of the peak at \(precision.rawValue)"
            )
        }
        return warnings
    }

    /// What a hardware file the user brought says that the model reads differently than its
    /// figure suggests.
    static func hardwareNotes(_ hardware: KPUHardware, request: RunRequest) -> [String] {
        guard case .file(let path) = request.hardware, hardware.l1BytesPerTile > hardware.l2BytesPerTile else { return [] }
        return [
            "\(path) gives L1 (\(Format.bytes(hardware.l1BytesPerTile)) per tile) larger than the L2 that feeds it (\(Format.bytes(hardware.l2BytesPerTile)) per tile); "
                + "the model reads L1 as the PEs' operand storage and does not let it bound any block: check l1_kib_per_pe, which the built-in SKUs also give per PE."
        ]
    }

    /// The SKU and the label the run id uses for it, read once per (source, profile).
    func hardware(_ request: RunRequest) throws -> (KPUHardware, String) {
        let key = "\(request.hardware)|\(request.profile ?? "")"
        lock.lock()
        if let cached = hardwareCache[key] {
            lock.unlock()
            return try cached.get()
        }
        lock.unlock()
        let loaded = Result<(KPUHardware, String), any Error> { try Self.loadHardware(request) }
        lock.lock()
        hardwareCache[key] = loaded
        lock.unlock()
        return try loaded.get()
    }

    static func loadHardware(_ request: RunRequest) throws -> (KPUHardware, String) {
        switch request.hardware {
        case .file(let path):
            try InputPath.requireFile(path, option: "--hardware-file", takes: "a ComputeProduct YAML file", extensions: ["yaml", "yml"])
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw RunRequestError("\(path): cannot read the hardware file (\(reason(error))); check the path")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw RunRequestError("\(path): is not UTF-8 text; a ComputeProduct file is YAML")
            }
            let loaded = try KPUHardware.load(file: path, contents: text, profile: request.profile)
            return (loaded, "\(loaded.id)-\(contentFingerprint(data).prefix(8))")
        case .builtIn(let sku):
            return (try KPUHardware.builtIn(sku, profile: request.profile), sku)
        }
    }

    /// A model's graph as a front end built it (a preset, a config.json or an ONNX export), with
    /// its run description and what the report says about it.
    struct BuiltModel: Sendable {
        let descriptor: RunDescriptor
        let graph: Graph
        /// Notes for the reader (unmodelled ops, bound dimensions, approximations).
        let notes: [String]
        /// The family as the source names it, when it does.
        let family: String?
    }

    static func buildGraph(_ request: RunRequest, hardware: RunDescriptor.HardwareChoice) throws -> BuiltModel {
        if let batch = request.batch, batch < 1 { throw RunRequestError("--batch \(batch): the batch must be at least 1") }
        if let seq = request.seq, seq < 1 { throw RunRequestError("--seq \(seq): the sequence length must be at least 1") }
        let parsedPrecision = request.precision
        guard case .onnx(let onnx) = request.model else {
            if !request.dimensions.isEmpty { throw RunRequestError("--dim binds dimensions of an ONNX file; give --onnx FILE") }
            let descriptor = try describeRun(request, hardware: hardware, precision: parsedPrecision ?? RunRequest.defaultPrecision)
            let configPath: String? = if case .config(let path) = request.model { path } else { nil }
            let graph = try EncoderGraphBuilder(config: descriptor.config, options: descriptor.options, source: configPath).build()
            var notes: [String] = []
            let activation = descriptor.config.hiddenActivation
            if activation.isCostedAsGELU {
                notes.append(
                    "hidden_act \(activation.rawValue) (GELU's tanh approximation) is costed as GELU: one vector-engine operation per element, the same work as the exact form in this model."
                )
            }
            return BuiltModel(descriptor: descriptor, graph: graph, notes: notes, family: descriptor.config.family.displayName)
        }
        if request.aggregation != .none {
            throw RunRequestError("--aggregate-hidden-states applies to presets and configs; an ONNX file already fixes its outputs")
        }
        var bindings: [String: Int] = [:]
        for binding in request.dimensions {
            let parts = binding.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let value = Int(parts[1]), value > 0 else {
                throw RunRequestError("--dim \(binding) is not NAME=VALUE with a positive VALUE")
            }
            bindings[parts[0]] = value
        }
        let (batch, seq) = (request.batch, request.seq)
        try InputPath.requireFile(onnx, option: "--onnx", takes: "an ONNX export (.onnx file)", extensions: ["onnx"])
        let imported = try ONNXImporter.read(path: onnx, options: ONNXImportOptions(batch: batch ?? 1, sequenceLength: seq ?? 128, dimensions: bindings))
        let size = imported.inputSize
        if let seq, !imported.hasTokenInput {
            let inputs = imported.graph.inputs.map { "\(imported.graph[$0].name) \(imported.graph[$0].shape)" }.joined(separator: ", ")
            throw RunRequestError(
                "\(onnx): its inputs (\(inputs)) have no sequence axis, so --seq \(seq) does not apply; the graph fixes \(size.sequence) tokens")
        }
        if imported.boundDimensions.isEmpty, let asked = batch ?? seq, (batch.map { $0 != size.batch } ?? false) || (seq.map { $0 != size.sequence } ?? false) {
            throw RunRequestError(
                "\(onnx): its inputs have the static shape [\(size.batch), \(size.sequence)]; --batch/--seq \(asked) cannot change it (export with dynamic axes to vary them)"
            )
        }
        if let parsedPrecision, parsedPrecision != imported.precision {
            throw RunRequestError(
                "\(onnx): its weights are \(imported.precision.rawValue); --precision \(parsedPrecision.rawValue) cannot change an exported model")
        }
        let name = URL(fileURLWithPath: onnx).deletingPathExtension().lastPathComponent
        let options = GraphOptions(batch: size.batch, sequenceLength: size.sequence, precision: imported.precision)
        let descriptor = RunDescriptor(
            source: .onnxFile(path: onnx, contentHash: imported.fingerprint, producer: imported.producer),
            config: imported.inferredConfig(name: name), options: options, hardware: hardware)
        var notes = imported.unknownCostNodes.map {
            "\($0) is not modelled; it lies on no path to an add or a matmul and is counted at zero cost (unknown cost)."
        }
        notes += imported.unmodelledNodes.map {
            "\($0) has no rule in this tool; its output shapes are taken from the file's value_info and it is costed as one streaming pass over its tensors."
        }
        if !imported.boundDimensions.isEmpty {
            notes.append(
                "Symbolic dimensions bound: " + imported.boundDimensions.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
                    + ".")
        }
        return BuiltModel(descriptor: descriptor, graph: imported.graph, notes: notes, family: imported.exportedClass)
    }

    static func describeRun(_ request: RunRequest, hardware: RunDescriptor.HardwareChoice, precision parsedPrecision: Precision) throws -> RunDescriptor {
        let aggregation = request.aggregation
        let options = GraphOptions(batch: request.batch ?? 1, sequenceLength: request.seq ?? 128, precision: parsedPrecision, aggregation: aggregation)
        switch request.model {
        case .preset(let name):
            guard let preset = EncoderConfig.preset(named: name) else {
                throw RunRequestError(
                    "--model \(name) is not a known preset; use one of \(EncoderConfig.presetNames.joined(separator: ", ")), or --config FILE")
            }
            try checkPositions(options, of: preset, given: request.seq)
            return RunDescriptor(source: .preset(name), config: preset, options: options, hardware: hardware)
        case .config(let given):
            let path = try InputPath.config(given)
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw RunRequestError("\(path): cannot read the config file (\(reason(error))); check the path")
            }
            let parsed = try EncoderConfig(huggingFaceJSON: data, source: path)
            try checkPositions(options, of: parsed, given: request.seq)
            return RunDescriptor(source: .configFile(path: path, contentHash: contentFingerprint(data)), config: parsed, options: options, hardware: hardware)
        case .onnx:
            preconditionFailure("ONNX files are described by their importer")
        }
    }

    /// A sequence longer than the model's positions, said in terms of --seq and its default.
    static func checkPositions(_ options: GraphOptions, of config: EncoderConfig, given seq: Int?) throws {
        let limit = config.maxSequenceLength, fallback = GraphOptions().sequenceLength
        guard options.sequenceLength > limit else { return }
        let why =
            config.family.positionsFromTokenIDs
            ? "max_position_embeddings \(config.maxPositionEmbeddings), less the \(config.paddingIndex + 1) positions up to the padding index"
            : "max_position_embeddings"
        throw RunRequestError(
            seq == nil
                ? "--seq defaults to \(fallback), but \(config.name) takes at most \(limit) tokens (\(why)); give --seq \(limit) or less"
                : "--seq \(options.sequenceLength): \(config.name) takes at most \(limit) tokens (\(why)); give --seq \(limit) or less (the default is \(fallback))"
        )
    }

    static func reason(_ error: Error) -> String { systemErrorReason(error) }
}
