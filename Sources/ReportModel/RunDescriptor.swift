import Support
import KPUModel
import ModelGraph

/// What a report was generated from: the model's origin, its configuration and the options.
/// Identical descriptors give identical reports and the same ``runID``.
public struct RunDescriptor: Sendable, Hashable {
    /// Where the model came from.
    public enum ModelSource: Sendable, Hashable {
        case preset(String)
        /// A config file, with a hash of its bytes so two different files of one name differ.
        case configFile(path: String, contentHash: String)
        /// An ONNX export, with a fingerprint of its bytes and what produced it.
        case onnxFile(path: String, contentHash: String, producer: String)
    }

    /// The KPU a run is modelled on.
    public struct HardwareChoice: Sendable, Hashable {
        /// `kpu-t256`, or the file's SKU id plus a fingerprint of its bytes.
        public let label: String
        /// The profile asked for, or nil for the file's default.
        public let profile: String?
        public let energyTable: String
        public let fusion: FusionPolicy
        public let residency: Residency

        public init(label: String, profile: String?, energyTable: String, fusion: FusionPolicy, residency: Residency) {
            self.label = label
            self.profile = profile
            self.energyTable = energyTable
            self.fusion = fusion
            self.residency = residency
        }

        public static let defaultSKU = "kpu-t256"
        public static let defaultEnergyTable = "kpu-16nm"
    }

    /// The same run on other hardware.
    public func with(hardware: HardwareChoice) -> RunDescriptor {
        RunDescriptor(source: source, config: config, options: options, hardware: hardware)
    }

    public let source: ModelSource
    public let config: EncoderConfig
    public let options: GraphOptions
    public let hardware: HardwareChoice

    public init(
        source: ModelSource, config: EncoderConfig, options: GraphOptions,
        hardware: HardwareChoice = HardwareChoice(
            label: HardwareChoice.defaultSKU, profile: nil, energyTable: HardwareChoice.defaultEnergyTable, fusion: .vectorEngine,
            residency: .l3)
    ) {
        self.source = source
        self.config = config
        self.options = options
        self.hardware = hardware
    }

    /// A folder name derived from the inputs alone: the same inputs always land in the same folder.
    ///
    /// `bert-base-uncased_b1_s128_fp32_kpu-t256_vector-engine`,
    /// `my-bert-3f2a9c01_b8_s384_bf16_last-4-sum_kpu-t64-3W_none_residency-dram_horowitz-45nm`
    /// (the residency and energy table named only when not the defaults).
    public var runID: String {
        var model = Self.sanitized(config.name)
        switch source {
        case .configFile(_, let hash): model += "-" + hash.prefix(8)
        case .onnxFile(_, let hash, _): model += "-onnx-" + hash.prefix(8)
        case .preset: break
        }
        var id = "\(model)_b\(options.batch)_s\(options.sequenceLength)_\(options.precision.rawValue)"
        if options.aggregation != .none { id += "_\(options.aggregation)" }
        id += "_" + Self.sanitized(hardware.label)
        if let profile = hardware.profile { id += "-" + Self.sanitized(profile) }
        id += "_" + hardware.fusion.rawValue
        if hardware.residency != .l3 { id += "_residency-" + hardware.residency.rawValue }
        if hardware.energyTable != HardwareChoice.defaultEnergyTable { id += "_" + hardware.energyTable }
        return id
    }

    /// Keeps letters, digits, '.', '-' and '_'; anything else (slashes of hub names) becomes '-'.
    static func sanitized(_ name: String) -> String {
        let kept = name.unicodeScalars.map { scalar -> Character in
            let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
            return allowed ? Character(scalar) : "-"
        }
        let text = String(kept.prefix(80)).trimmingCharacters(in: ".-")
        return text.isEmpty ? "model" : text
    }

    public var sourceDescription: String {
        switch source {
        case .preset(let name): "built-in preset \(name)"
        case .configFile(let path, _): path
        case .onnxFile(let path, _, let producer): producer.isEmpty ? path : "\(path) (exported by \(producer))"
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars.removeFirst() }
        while let last = scalars.last, set.contains(last) { scalars.removeLast() }
        return String(scalars)
    }
}
