/// Where activations live between the op that produces them and the ops that read them: the
/// residency axis of a run, independent of the fusion policy.
public enum Residency: String, Sendable, Hashable, CaseIterable, Codable {
    /// An activation stays in L3 from its producer to its last consumer while it fits beside the
    /// working set of the op running; when it does not, the live activation used furthest in the
    /// future is written to DRAM and read back from there.
    case l3
    /// Every activation goes out to DRAM and comes back (only the epilogue's skip tensor is read
    /// from L3): the pessimistic comparison.
    case dram

    /// The rule in a phrase (for help, `generate-report list` and the page's assumptions).
    public var summary: String {
        switch self {
        case .l3: "activations stay in L3 from producer to last consumer while they fit; the furthest-used are spilled to DRAM"
        case .dram: "every activation is written to DRAM and read back; only epilogue's skip tensor is read from L3"
        }
    }
}
