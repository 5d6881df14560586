/// A problem with a model description, written for the person who supplied it.
///
/// `source` names the file or preset, `place` the field, node or tensor within it, and the
/// message says what is wrong and how to fix it.
public struct GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    public let source: String
    public let place: String
    public let message: String

    public init(source: String, place: String, message: String) {
        self.source = source
        self.place = place
        self.message = message
    }

    public var description: String {
        place.isEmpty ? "\(source): \(message)" : "\(source): \(place): \(message)"
    }
}
