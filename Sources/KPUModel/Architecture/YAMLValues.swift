import Foundation
import Support
import Yams

/// Decodes YAML into a `Decodable` type: Yams parses, every scalar's tag is resolved once, the
/// tree is written out as JSON, and JSONDecoder builds the value.
///
/// Why not `YAMLDecoder` directly: its keyed containers look keys up by building a new node and
/// comparing it with each key of the mapping, resolving tags through regular expressions on the
/// way; a ComputeProduct file took 8–15 ms to decode, the largest single cost of a bert-base
/// report. Decoding errors keep their coding paths (`dies[0].blocks[0]…`), and scalars keep
/// YAML 1.1 core-schema meaning (`0x10` and `1_000` are numbers, `yes` is a boolean; `.inf`, which JSON cannot hold, stays text).
enum YAMLValues {
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        // Composed without tag resolution: `write(_:to:)` resolves each plain scalar itself,
        // asking Yams' default resolver only where a fast path cannot decide.
        guard let node = try Yams.compose(yaml: text, .basic) else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the file is empty"))
        }
        let json = JSONWriter(capacity: text.utf8.count * 2)
        write(node, to: json)
        return try JSONDecoder().decode(type, from: Data(json.bytes))
    }

    /// The node as JSON: each scalar by its resolved tag, mappings as objects, aliases that
    /// survived composing as null. Yams rejects repeated keys, but two complex keys can still
    /// print alike: the last one is kept, as a dictionary would.
    private static func write(_ node: Node, to json: JSONWriter) {
        switch node {
        case .scalar(let scalar):
            switch resolvedTag(of: scalar) {
            case .null: json.null()
            case .bool:
                if let value = Bool.construct(from: scalar) { json.bool(value) } else { json.bool(false) }
            case .int:
                if let value = Int.construct(from: scalar) { json.int(value) } else { json.string(scalar.string) }
            // JSON has no infinities or NaN: those stay text, and a number field reports them.
            case .float:
                if let value = Double.construct(from: scalar), value.isFinite { json.double(value) } else { json.string(scalar.string) }
            default: json.string(scalar.string)
            }
        case .mapping(let mapping):
            var seen: [String: Int] = [:]
            let pairs = Array(mapping)
            for (index, pair) in pairs.enumerated() { seen[pair.key.string ?? "\(pair.key)"] = index }
            json.object {
                for (index, pair) in pairs.enumerated() {
                    let key = pair.key.string ?? "\(pair.key)"
                    guard seen[key] == index else { continue }
                    json.field(key) { write(pair.value, to: json) }
                }
            }
        case .sequence(let sequence):
            json.array { for element in sequence { write(element, to: json) } }
        case .alias:
            // Yams resolves aliases while composing; a leftover one has nothing to point at.
            json.null()
        }
    }

    /// The tag Yams' default resolver gives a scalar, without its regular expressions for the
    /// scalars most files are made of.
    ///
    /// Yams matches every plain scalar against up to seven NSRegularExpressions (bool, int,
    /// float, merge, null, timestamp, value); on Linux that took 5 ms for a 2.6 kB ComputeProduct
    /// file, the largest cost of loading a SKU, and compiling them on first use 2 ms more.
    /// Decided here instead: a plain scalar whose first character starts none of the rules'
    /// patterns; one that starts with a letter, ~, < or = (the rules that allow those match
    /// whole words); a decimal integer without leading zeros; a decimal with a fraction.
    /// Everything else (signs, dots, leading zeros, exponents without a point) goes to
    /// `Resolver.default`. A test checks the shortcut against it.
    static func resolvedTag(of scalar: Node.Scalar) -> Tag.Name {
        // Quoted, block and explicitly tagged scalars: no implicit resolution.
        guard scalar.style == .plain, scalar.tag.description == Tag.Name.implicit.rawValue else {
            return Tag.Name(rawValue: Node.scalar(scalar).tag.description)
        }
        if let fast = fastTag(scalar.string) { return fast }
        return Resolver.default.resolveTag(of: .scalar(scalar))
    }

    /// `.str`, `.int` or `.float` where the default rules' patterns decide that from the text
    /// alone; nil where a regular expression must.
    static func fastTag(_ text: String) -> Tag.Name? {
        let bytes = Array(text.utf8)
        // The empty scalar is null.
        guard let first = bytes.first else { return .null }
        // Every default rule's pattern begins with one of these characters.
        if !"-+.0123456789<=~nNyYtTfFoO".utf8.contains(first) { return .str }
        // The rules that can begin with a letter, ~, < or = match whole words only.
        if !"-+.0123456789".utf8.contains(first) {
            if Self.booleans.contains(text) { return .bool }
            if Self.nulls.contains(text) { return .null }
            if text == "<<" { return .merge }
            if text == "=" { return .value }
            return .str
        }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        var index = first == UInt8(ascii: "-") || first == UInt8(ascii: "+") ? 1 : 0
        let digitsStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > digitsStart else { return nil }
        if index == bytes.count { return bytes[digitsStart] == UInt8(ascii: "0") && index - digitsStart > 1 ? nil : .int }
        // Digits then a point: a decimal, unless what follows is more than digits and an exponent.
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            if index == bytes.count { return .float }
            if bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
                let exponentStart = index
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                return index > exponentStart && index == bytes.count ? .float : nil
            }
            // After the fraction, only digits, underscores and an exponent belong to a number.
            return bytes[index] == UInt8(ascii: "_") ? nil : .str
        }
        // A leading zero may start octal (0755), hex, binary, or a timestamp: leave it to Yams.
        if bytes[digitsStart] == UInt8(ascii: "0") { return nil }
        // Exponents, digit groups, sexagesimal and timestamps go to Yams; any other character
        // after the digits makes the scalar text (every numeric rule needs one of these there).
        return "eE_:-".utf8.contains(bytes[index]) ? nil : .str
    }

    /// The words of Yams' default bool and null rules (`Resolver.Rule.bool`, `.null`).
    static let booleans: Set<String> = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
                                        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"]
    static let nulls: Set<String> = ["~", "null", "Null", "NULL"]
}
