import Support
import ModelGraph

/// A node being lowered, with checked access to its inputs, outputs and attributes.
struct NodeContext {
    let node: Onnx_NodeProto
    let position: Int
    let place: String
    let source: String
    /// The default domain's opset of the file.
    let opset: Int

    var path: String { node.name.isEmpty ? "\(node.opType)_\(position)" : node.name }
    var opType: String { node.opType }

    func input(_ index: Int) throws(InputError) -> String {
        guard index < node.input.count, !node.input[index].isEmpty else {
            throw InputError(source: source, place: place, message: "needs input \(index), which is missing")
        }
        return node.input[index]
    }

    /// True when input `index` is given (optional inputs may be absent or named "").
    func hasInput(_ index: Int) -> Bool { index < node.input.count && !node.input[index].isEmpty }

    /// The names of the inputs that are given.
    var givenInputs: [String] { node.input.filter { !$0.isEmpty } }

    func output(_ index: Int) throws(InputError) -> String {
        guard index < node.output.count, !node.output[index].isEmpty else {
            throw InputError(source: source, place: place, message: "needs output \(index), which is missing")
        }
        return node.output[index]
    }

    func attribute(_ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }
    func int(_ name: String) -> Int? { attribute(name).map { Int($0.i) } }
    func float(_ name: String) -> Double? { attribute(name).map { Double($0.f) } }
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }
    func string(_ name: String) -> String? { attribute(name).map { String(decoding: $0.s, as: UTF8.self) } }

    func fail(_ message: String) -> InputError { InputError(source: source, place: place, message: message) }

    /// A possibly negative axis, checked against the rank.
    func axis(_ axis: Int, rank: Int) throws(InputError) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard normalized >= 0 && normalized < max(rank, 1) else {
            throw fail("axis \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }
}
