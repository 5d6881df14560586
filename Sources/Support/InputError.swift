/// A problem with an input (a model description, an ONNX export, a hardware or energy file),
/// written for the person who supplied it: one shape for every reader.
///
/// `source` names the file or preset, `place` the field, node or tensor within it, and the
/// message says what is wrong and how to fix it.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let source: String
    public let place: String
    public let message: String

    public init(source: String, place: String, message: String) {
        self.source = source
        self.place = place
        self.message = message
    }

    /// One line, whatever the input held: names from files are shown with control and
    /// line-separator characters escaped, and cut short when they are very long.
    public var description: String {
        let (source, place, message) = (Self.printable(source), Self.printable(place), Self.printable(message))
        return place.isEmpty ? "\(source): \(message)" : "\(source): \(place): \(message)"
    }

    static func printable(_ text: String, limit: Int = 400) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit { out += "…"; break }
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
