/// A failure to render, validate or publish a report, in one line for the person running the
/// tool: the file or folder, what went wrong and what to do.
public struct ReportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
