import Support
import Yams

/// Reads the project's YAML files (ComputeProduct SKUs, energy tables, engine tables, sweep
/// grids) with Yams' `YAMLDecoder`; every failure becomes one `InputError` line naming the
/// file, the place in it and what to do.
///
/// ```swift
/// let product = try YAMLFile.decode(ComputeProductFile.self, from: text, file: "my-sku.yaml")
/// ```
public enum YAMLFile {
    /// The document's root node, nil for an empty document. Mappings keep their keys in file
    /// order, and every node its line and column. No tag is resolved while composing: each
    /// scalar is read as the type its field asks for.
    public static func compose(_ text: String, file: String) throws(InputError) -> Node? {
        do {
            return try Yams.compose(yaml: text, resolver)
        } catch {
            throw InputError.fromYAML(error, file: file)
        }
    }

    /// Decodes a composed node, with `YAMLDecoder`'s meaning of each scalar: YAML 1.1 numbers
    /// (`0x10`, `1_000`, `0o17`, and `017`, which is octal), quoted scalars only as text.
    public static func decode<T: Decodable>(_ type: T.Type, from node: Node, file: String) throws(InputError) -> T {
        do {
            return try YAMLDecoder().decode(type, from: node)
        } catch {
            throw InputError.fromYAML(error, file: file)
        }
    }

    /// Composes and decodes a file of figures. An empty file, and a number that is not finite
    /// (`.inf`, `.nan`, `1e999`: nothing the model can compute with), are errors.
    static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws(InputError) -> T {
        guard let node = try compose(text, file: file) else {
            throw InputError(source: file, place: "top level", message: "is empty; expected \(InputError.describe(type))")
        }
        try checkFinite(node, file: file)
        return try decode(type, from: node, file: file)
    }

    /// No rules. `YAMLDecoder` on its own text resolves `<<` merge keys, which no file here uses
    /// (nor did the reader before it), at the cost of a regular expression on each key looked up;
    /// the default resolver would try up to seven.
    static let resolver = Resolver.basic

    /// Throws at the first plain scalar a number field would read as an infinity or NaN.
    /// Yams reads `.inf`, `nan` and out-of-range exponents as such; before this tool decoded
    /// through JSON, which has neither, so they were refused, and the model still assumes finite figures.
    static func checkFinite(_ node: Node, file: String, path: [String] = []) throws(InputError) {
        switch node {
        case .scalar(let scalar):
            if let value = Double.construct(from: scalar), !value.isFinite {
                throw InputError(
                    source: file, place: path.isEmpty ? "top level" : path.joined(),
                    message: "is \(scalar.string), not a finite number; give a number (or quote it, if it is text)")
            }
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? "?"
                try checkFinite(value, file: file, path: path + [path.isEmpty ? name : "." + name])
            }
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                try checkFinite(element, file: file, path: path + ["[\(index)]"])
            }
        case .alias:
            break
        }
    }
}
