import Yams

/// A problem with a hardware or energy description, naming the file and the field.
public struct HardwareError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let place: String
    public let message: String

    public init(file: String, place: String, message: String) {
        self.file = file
        self.place = place
        self.message = message
    }

    public var description: String {
        place.isEmpty ? "\(file): \(message)" : "\(file): \(place): \(message)"
    }

    /// Translates a YAML or decoding failure into the field path a person can find in the file.
    static func from(_ error: Error, file: String) -> HardwareError {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return HardwareError(file: file, place: path(context.codingPath + [key]), message: "is missing; add this field")
        case DecodingError.typeMismatch(let type, let context):
            return HardwareError(file: file, place: path(context.codingPath), message: "has the wrong type; expected \(describe(type))")
        case DecodingError.valueNotFound(let type, let context):
            return HardwareError(file: file, place: path(context.codingPath), message: "is empty; expected \(describe(type))")
        case DecodingError.dataCorrupted(let context) where context.underlyingError is YamlError:
            return from(context.underlyingError!, file: file)
        case DecodingError.dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return HardwareError(file: file, place: path(context.codingPath), message: "cannot be read\(underlying); fix the value")
        case let yaml as YamlError:
            return HardwareError(file: file, place: yamlPlace(yaml), message: "is not valid YAML; fix the syntax there")
        default:
            return HardwareError(file: file, place: "", message: "cannot be read: \(error)")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "top level" : text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is String.Type: "text"
        default: "\(type)".lowercased().contains("array") ? "a list" : "a mapping"
        }
    }

    private static func yamlPlace(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return "line \(mark.line), column \(mark.column)"
        default:
            return "top level"
        }
    }
}
