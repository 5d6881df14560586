/// How a BERT graph is instantiated: input sizes, precision and optional hidden-state pooling.
public struct GraphOptions: Sendable, Hashable {
    public var batch: Int
    public var sequenceLength: Int
    public var precision: Precision
    public var aggregation: HiddenStateAggregation

    public init(batch: Int = 1, sequenceLength: Int = 128, precision: Precision = .fp32, aggregation: HiddenStateAggregation = .none) {
        self.batch = batch
        self.sequenceLength = sequenceLength
        self.precision = precision
        self.aggregation = aggregation
    }
}

/// Pooling of the encoder's hidden states across layers, as feature extractors do
/// (e.g. summing the last four layers' outputs). Each pooling step is an Add of two hidden states.
///
/// ```swift
/// let lastFour = HiddenStateAggregation(argument: "last-4-sum") // .lastSum(4): 3 adds
/// let mean = HiddenStateAggregation(argument: "all-mean")      // .allMean: L adds over the L+1 hidden states, then a division
/// ```
public enum HiddenStateAggregation: Sendable, Hashable, CustomStringConvertible {
    case none
    /// Sum of the last K hidden states (the embedding output counts as hidden state 0): K−1 adds.
    case lastSum(Int)
    /// Mean over all L+1 hidden states: L adds and one division.
    case allMean

    /// Parses the command-line spelling: `none`, `last-K-sum`, `all-mean`.
    public init?(argument: String) {
        switch argument {
        case "none": self = .none
        case "all-mean": self = .allMean
        default:
            let parts = argument.split(separator: "-")
            guard parts.count == 3, parts[0] == "last", parts[2] == "sum", let k = Int(parts[1]) else { return nil }
            self = .lastSum(k)
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .lastSum(let k): "last-\(k)-sum"
        case .allMean: "all-mean"
        }
    }
}
