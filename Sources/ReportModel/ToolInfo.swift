/// The tool's name and version, written into every report's provenance.
public enum ToolInfo {
    public static let name = "generate-report"
    public static let version = "0.2.0"
}
