/// A resource stage of an operator, in data-flow order.
public enum Stage: String, Sendable, Hashable, CaseIterable, Codable {
    case load, move, stream, compute, vector, store

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
