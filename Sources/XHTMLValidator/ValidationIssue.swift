/// One reason a page may not be published, located in the file.
///
/// ```swift
/// let issue = ValidationIssue(file: "index.html", line: 12, column: 5, rule: "unique-ids", message: "id \"x\" is used twice")
/// let line = issue.description // index.html:12:5: unique-ids: id "x" is used twice
/// ```
public struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    /// Which rule failed: `well-formed`, `xhtml-root`, `svg-namespace`, `unique-ids`,
    /// `fragment-links`, `img-alt`, `no-script`, `no-network`, `chart-accessibility`, `empty-table`.
    public let rule: String
    public let message: String

    public init(file: String, line: Int, column: Int, rule: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(rule): \(message)" }
}
