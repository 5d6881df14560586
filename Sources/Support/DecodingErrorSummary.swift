/// A JSON decoding failure in a few words, for a one-line error (`energy_pj is missing`).
public func decodingErrorSummary(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
    case DecodingError.typeMismatch(_, let context): "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
    case DecodingError.dataCorrupted: "not JSON"
    default: "\(error)"
    }
}
