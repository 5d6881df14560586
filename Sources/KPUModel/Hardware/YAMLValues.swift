import Foundation
import Yams

/// Decodes YAML into a `Decodable` type: Yams parses and resolves every scalar's tag once, the
/// tree is turned into JSON, and Foundation's JSONDecoder builds the value.
///
/// Why not `YAMLDecoder` directly: its keyed containers look keys up by building a new node and
/// comparing it with each key of the mapping, resolving tags through regular expressions on the
/// way; a ComputeProduct file took 8–15 ms to decode, the largest single cost of a bert-base
/// report. Decoding errors keep their coding paths (`dies[0].blocks[0]…`), and scalars keep
/// YAML 1.1 core-schema meaning (`0x10`, `1_000`, `.inf` are numbers; `yes` is a boolean).
enum YAMLValues {
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        guard let node = try Yams.compose(yaml: text) else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the file is empty"))
        }
        var json: [UInt8] = []
        json.reserveCapacity(text.utf8.count * 2)
        try write(node, into: &json)
        return try JSONDecoder().decode(type, from: Data(json))
    }

    private static func write(_ node: Node, into json: inout [UInt8]) throws {
        switch node {
        case .scalar(let scalar):
            // Node.tag resolves an implicit tag once, through the core schema's rules.
            switch node.tag.description {
            case Tag.Name.null.rawValue:
                json += Array("null".utf8)
            case Tag.Name.bool.rawValue:
                json += Array(((Bool.construct(from: scalar) ?? false) ? "true" : "false").utf8)
            case Tag.Name.int.rawValue:
                if let value = Int.construct(from: scalar) { json += Array(String(value).utf8) } else { string(scalar.string, into: &json) }
            case Tag.Name.float.rawValue:
                // JSON has no infinities or NaN: those stay text, and a number field reports them.
                if let value = Double.construct(from: scalar), value.isFinite { json += Array(value.description.utf8) } else { string(scalar.string, into: &json) }
            default:
                string(scalar.string, into: &json)
            }
        case .mapping(let mapping):
            json.append(UInt8(ascii: "{"))
            for (index, pair) in mapping.enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                string(pair.key.string ?? "", into: &json)
                json.append(UInt8(ascii: ":"))
                try write(pair.value, into: &json)
            }
            json.append(UInt8(ascii: "}"))
        case .sequence(let sequence):
            json.append(UInt8(ascii: "["))
            for (index, element) in sequence.enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                try write(element, into: &json)
            }
            json.append(UInt8(ascii: "]"))
        case .alias:
            // Yams resolves aliases while composing; a leftover one has nothing to point at.
            json += Array("null".utf8)
        }
    }

    private static func string(_ text: String, into json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json += [0x5C, 0x22]
            case UInt8(ascii: "\\"): json += [0x5C, 0x5C]
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
