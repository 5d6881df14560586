import Support
import Yams

extension InputError {
    /// Translates a failure of Yams or of decoding into the place a person can find in the file,
    /// on one line: `sku.yaml: power.idle_power_watts: is missing; add this field`. The one
    /// translator for every YAML file the project reads (sweep grids too).
    public static func fromYAML(_ error: Error, file: String) -> InputError {
        switch error {
        case let error as InputError:
            return error
        case DecodingError.keyNotFound(let key, let context):
            return InputError(source: file, place: path(context.codingPath + [key]), message: "is missing; add this field")
        case DecodingError.typeMismatch(let type, let context):
            return InputError(source: file, place: path(context.codingPath), message: "has the wrong type; expected \(describe(type))")
        case DecodingError.valueNotFound(let type, let context):
            return InputError(source: file, place: path(context.codingPath), message: "is empty; expected \(describe(type))")
        case DecodingError.dataCorrupted(let context) where context.underlyingError is YamlError:
            return fromYAML(context.underlyingError!, file: file)
        case DecodingError.dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\(oneLine("\($0)")))" } ?? ""
            return InputError(source: file, place: path(context.codingPath), message: "cannot be read\(underlying); fix the value")
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            return InputError(
                source: file, place: "line \(context.mark.line), column \(context.mark.column)",
                message: "repeats the key \(duplicates.map(oneLine).joined(separator: ", ")); keep one of each")
        case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _), YamlError.composer(_, let problem, let mark, _):
            return InputError(
                source: file, place: "line \(mark.line), column \(mark.column)", message: "is not valid YAML (\(oneLine(problem))); fix the syntax there")
        case YamlError.reader(let problem, let offset, _, _):
            return InputError(
                source: file, place: offset.map { "byte \($0)" } ?? "top level", message: "is not YAML text (\(oneLine(problem))); save the file as UTF-8")
        case is YamlError:
            return InputError(source: file, place: "top level", message: "is not valid YAML; fix the file")
        default:
            return InputError(source: file, place: "", message: "cannot be read: \(oneLine("\(error)"))")
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "top level" : text
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is String.Type: "text"
        // What YAMLDecoder names when a node has the wrong shape for the field.
        case is Node.Sequence.Type: "a list"
        case is Node.Mapping.Type: "a mapping"
        case is Node.Scalar.Type: "a single value, not a list or mapping"
        default: "\(type)".lowercased().contains("array") ? "a list" : "a mapping"
        }
    }

    /// Line breaks in a library's description would split the one-line message.
    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
