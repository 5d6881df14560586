/// A resource stage of an operator, in data-flow order.
public enum Stage: String, Sendable, Hashable, CaseIterable, Codable {
    case load, move, stream, compute, vector, store

    /// The stage's place in `allCases`, for arrays indexed by stage (hashing a stage in the
    /// scheduler's inner loop cost more than the rest of it).
    public var ordinal: Int {
        switch self {
        case .load: 0
        case .move: 1
        case .stream: 2
        case .compute: 3
        case .vector: 4
        case .store: 5
        }
    }

    /// The resource lane the stage occupies.
    public var lane: Lane {
        switch self {
        case .load, .store: .dma
        case .move: .blockMovers
        case .stream: .streamers
        case .compute: .compute
        case .vector: .vectorEngine
        }
    }
}

/// A resource lane of the schedule.
public enum Lane: String, Sendable, Hashable, CaseIterable, Codable {
    case dma, blockMovers = "block_movers", streamers, compute, vectorEngine = "vector_engine"
}
