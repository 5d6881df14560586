/// Which files a run produces.
public enum OutputFormat: String, Sendable, CaseIterable {
    case html, json, both

    public var writesHTML: Bool { self != .json }
    public var writesJSON: Bool { self != .html }
}
