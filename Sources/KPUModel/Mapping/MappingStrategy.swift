/// The two choices a run makes about how the model maps, beside the hardware: which ops fuse,
/// and where activations live between ops. The report compares every combination.
public struct MappingStrategy: Sendable, Hashable {
    public let fusion: FusionPolicy
    public let residency: Residency

    public init(fusion: FusionPolicy, residency: Residency) {
        (self.fusion, self.residency) = (fusion, residency)
    }

    /// Every policy under every residency, policies outermost, in declaration order.
    public static let all: [MappingStrategy] = FusionPolicy.allCases.flatMap { fusion in
        Residency.allCases.map { MappingStrategy(fusion: fusion, residency: $0) }
    }
}
