import Foundation
import Yams

/// Decodes YAML into a `Decodable` type: Yams parses and resolves every scalar's tag once, the
/// tree is turned into JSON by JSONSerialization, and JSONDecoder builds the value.
///
/// Why not `YAMLDecoder` directly: its keyed containers look keys up by building a new node and
/// comparing it with each key of the mapping, resolving tags through regular expressions on the
/// way; a ComputeProduct file took 8–15 ms to decode, the largest single cost of a bert-base
/// report. Decoding errors keep their coding paths (`dies[0].blocks[0]…`), and scalars keep
/// YAML 1.1 core-schema meaning (`0x10` and `1_000` are numbers, `yes` is a boolean; `.inf`, which JSON cannot hold, stays text).
enum YAMLValues {
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        guard let node = try Yams.compose(yaml: text) else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the file is empty"))
        }
        let json = try JSONSerialization.data(withJSONObject: value(of: node), options: [.fragmentsAllowed])
        return try JSONDecoder().decode(type, from: json)
    }

    /// The node as Foundation values JSONSerialization writes: each scalar by its resolved tag.
    private static func value(of node: Node) -> Any {
        switch node {
        case .scalar(let scalar):
            // Node.tag resolves an implicit tag once, through the core schema's rules.
            switch node.tag.description {
            case Tag.Name.null.rawValue: return NSNull()
            case Tag.Name.bool.rawValue: return Bool.construct(from: scalar) ?? false
            case Tag.Name.int.rawValue: return Int.construct(from: scalar).map { $0 as Any } ?? scalar.string
            // JSON has no infinities or NaN: those stay text, and a number field reports them.
            case Tag.Name.float.rawValue: return Double.construct(from: scalar).flatMap { $0.isFinite ? $0 as Any : nil } ?? scalar.string
            default: return scalar.string
            }
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for pair in mapping { object[pair.key.string ?? "\(pair.key)"] = value(of: pair.value) }
            return object
        case .sequence(let sequence):
            return sequence.map(value(of:))
        case .alias:
            // Yams resolves aliases while composing; a leftover one has nothing to point at.
            return NSNull()
        }
    }
}
