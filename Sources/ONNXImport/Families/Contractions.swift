import Support
import ModelGraph

/// Matrix products: MatMul, Gemm (a product plus its C input, a bias) and Einsum, all lowered to
/// the IR's batched matmul so the KPU model maps them alike.
extension OpRule {
    static let matMul = OpRule { lowering, context throws(InputError) in
        let aName = try context.input(0), bName = try context.input(1)
        let a = try lowering.entry(aName, context), b = try lowering.entry(bName, context)
        let shape = try Contraction.productShape(a.shape, b.shape, context)
        try lowering.emit(.matMul, context, inputs: [aName, bName], shape: shape, dtype: a.dtype)
    }

    /// Gemm(A, B, C?): A·B (either transposed) plus C. C is a bias: the add is recorded inside
    /// the Gemm, as onnxruntime's kernel performs it (GPT-2's Conv1D exports as Gemm).
    static let gemm = OpRule { lowering, context throws(InputError) in
        let aName = try context.input(0), bName = try context.input(1)
        let a = try lowering.entry(aName, context), b = try lowering.entry(bName, context)
        guard a.shape.count == 2, b.shape.count == 2 else {
            throw context.fail("needs 2-D inputs, got \(a.shape) and \(b.shape)")
        }
        let transA = (context.int("transA") ?? 0) != 0, transB = (context.int("transB") ?? 0) != 0
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == kb else {
            throw context.fail("multiplies \(a.shape) by \(b.shape) (transA \(transA), transB \(transB)): inner dimensions \(k) and \(kb) differ")
        }
        var left = try lowering.tensorID(aName, context)
        if transA {
            left = try lowering.emitInternal(
                .transpose, context, suffix: "transA", inputs: [left], shape: [m, k], dtype: a.dtype,
                attributes: ["perm": .ints([1, 0])], origin: "Gemm")
        }
        // The weight stays as stored: transB only changes the order it is read in.
        let weight = try lowering.tensorID(bName, context)
        if context.hasInput(2), let cName = Optional(context.node.input[2]), !(try lowering.entry(cName, context).shape.contains(0)) {
            let product = try lowering.emitInternal(.matMul, context, suffix: "matmul", inputs: [left, weight], shape: [m, n], dtype: a.dtype, origin: "Gemm")
            let c = try lowering.entry(cName, context)
            _ = try ShapeArithmetic.broadcast([m, n], c.shape, context)
            try lowering.emitOutput(.add, context, inputs: [product, try lowering.tensorID(cName, context)], shape: [m, n], dtype: a.dtype, origin: "Gemm")
        } else {
            try lowering.emitOutput(.matMul, context, inputs: [left, weight], shape: [m, n], dtype: a.dtype, origin: "Gemm")
        }
    }

    /// Einsum of one or two operands, lowered to transposes, views and one batched matmul.
    static let einsum = OpRule { lowering, context throws(InputError) in
        guard let equation = context.string("equation") else { throw context.fail("has no equation") }
        var operands: [Entry] = []
        for name in context.givenInputs { operands.append(try lowering.entry(name, context)) }
        let plan = try EinsumPlan(equation: equation, shapes: operands.map(\.shape), context)
        try lowering.lowerEinsum(plan, context, operands: operands)
    }
}

/// Shape rules of matrix products.
enum Contraction {
    /// numpy matmul: batch axes broadcast, rank-1 operands promoted and their axis dropped.
    static func productShape(_ a: [Int], _ b: [Int], _ context: NodeContext) throws(InputError) -> [Int] {
        guard a.count >= 1, b.count >= 1 else {
            throw context.fail("multiplies scalars; MatMul needs tensors of rank 1 or more")
        }
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw context.fail("multiplies \(a) by \(b): the inner dimensions \(a2[a2.count - 1]) and \(b2[b2.count - 2]) differ")
        }
        var shape = try ShapeArithmetic.broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2)), context) + [a2[a2.count - 2], b2[b2.count - 1]]
        if a.count == 1 { shape.remove(at: shape.count - 2) }
        if b.count == 1 { shape.removeLast() }
        return shape
    }
}

/// An Einsum equation as one batched matrix product: which letters are batch (in both operands
/// and the result), contracted (in both, not the result), and kept from one side only.
struct EinsumPlan {
    var inputs: [[Character]]
    var output: [Character]
    var sizes: [Character: Int]

    init(equation: String, shapes: [[Int]], _ context: NodeContext) throws(InputError) {
        let cleaned = equation.filter { !$0.isWhitespace }
        let sides = cleaned.components(separatedBy: "->")
        guard sides.count <= 2 else { throw context.fail("equation '\(equation)' has more than one ->") }
        var terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
        guard terms.count == shapes.count, (1...2).contains(terms.count) else {
            throw context.fail("equation '\(equation)' has \(terms.count) operands for \(shapes.count) inputs; one or two are supported")
        }
        // An ellipsis stands for the leading axes the letters leave: give them letters of their own.
        let spare = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ").filter { !cleaned.contains($0) }
        var ellipsisRank = 0
        for (i, term) in terms.enumerated() where String(term).contains("...") {
            let letters = term.filter { $0 != "." }
            ellipsisRank = max(ellipsisRank, shapes[i].count - letters.count)
        }
        let ellipsis = Array(spare.prefix(max(ellipsisRank, 0)))
        func expand(_ term: [Character], rank: Int) -> [Character] {
            guard String(term).contains("...") else { return term }
            let letters = term.filter { $0 != "." }
            let own = Array(ellipsis.suffix(max(rank - letters.count, 0)))
            let text = String(term).replacingOccurrences(of: "...", with: String(own))
            return Array(text)
        }
        terms = terms.enumerated().map { expand($0.element, rank: shapes[$0.offset].count) }
        var sizes: [Character: Int] = [:]
        for (term, shape) in zip(terms, shapes) {
            guard term.count == shape.count, term.allSatisfy({ $0.isLetter }) else {
                throw context.fail("term '\(String(term))' of equation '\(equation)' does not match an operand of shape \(shape)")
            }
            for (letter, size) in zip(term, shape) {
                if let known = sizes[letter], known != size, known != 1, size != 1 {
                    throw context.fail("letter \(letter) of equation '\(equation)' has sizes \(known) and \(size)")
                }
                sizes[letter] = max(sizes[letter] ?? size, size)
            }
        }
        var output: [Character]
        if sides.count == 2 {
            output = expand(Array(sides[1]), rank: ellipsis.count + sides[1].filter { $0 != "." }.count)
        } else {
            // Implicit output: the ellipsis axes, then letters that appear once, alphabetically.
            let counts = terms.flatMap { $0 }.reduce(into: [Character: Int]()) { $0[$1, default: 0] += 1 }
            output = ellipsis + counts.filter { $0.value == 1 && !ellipsis.contains($0.key) }.keys.sorted()
        }
        for letter in output where sizes[letter] == nil {
            throw context.fail("output letter \(letter) of equation '\(equation)' is in no operand")
        }
        self.inputs = terms
        self.output = output
        self.sizes = sizes
    }
}

extension Lowering {
    mutating func lowerEinsum(_ plan: EinsumPlan, _ context: NodeContext, operands: [Entry]) throws(InputError) {
        let dtype = operands[0].dtype
        let outputShape = plan.output.map { plan.sizes[$0]! }
        let names = context.givenInputs
        if plan.inputs.count == 1 {
            // One operand: a transpose, with any letters missing from the output summed away.
            let term = plan.inputs[0]
            var current = try tensorID(names[0], context)
            let summed = term.filter { !plan.output.contains($0) }
            var letters = term
            if !summed.isEmpty {
                letters = term.filter { plan.output.contains($0) }
                current = try emitInternal(
                    .reduceSum, context, suffix: "sum", inputs: [current], shape: letters.map { plan.sizes[$0]! }, dtype: dtype, origin: "Einsum")
            }
            let perm = plan.output.map { letters.firstIndex(of: $0)! }
            try emitOutput(
                perm == Array(perm.indices) ? .reshape : .transpose, context, inputs: [current], shape: outputShape, dtype: dtype,
                attributes: ["perm": .ints(perm)], origin: "Einsum")
            return
        }
        let (left, right) = (plan.inputs[0], plan.inputs[1])
        let batch = plan.output.filter { left.contains($0) && right.contains($0) }
        let contracted = left.filter { right.contains($0) && !plan.output.contains($0) }
        let leftOnly = left.filter { !right.contains($0) && plan.output.contains($0) }
        let rightOnly = right.filter { !left.contains($0) && plan.output.contains($0) }
        for term in [left, right] where term.contains(where: { !plan.output.contains($0) && !(left.contains($0) && right.contains($0)) }) {
            throw context.fail("sums a letter of one operand only ('\(String(term))'); only contractions between the two operands are supported")
        }
        func size(_ letters: [Character]) -> Int { letters.reduce(1) { $0 * plan.sizes[$1]! } }
        // Each operand permuted to [batch, free, contracted] (A) or [batch, contracted, free] (B)
        // and viewed as a rank-3 batch of matrices.
        func arrange(_ index: Int, _ order: [Character], matrix: [Int]) throws(InputError) -> TensorID {
            let term = plan.inputs[index]
            var id = try tensorID(names[index], context)
            let perm = order.map { term.firstIndex(of: $0)! }
            if perm != Array(perm.indices) {
                id = try emitInternal(
                    .transpose, context, suffix: "operand\(index)/transpose", inputs: [id], shape: order.map { plan.sizes[$0]! },
                    dtype: dtype, attributes: ["perm": .ints(perm)], origin: "Einsum")
            }
            return try emitInternal(.reshape, context, suffix: "operand\(index)/matrix", inputs: [id], shape: matrix, dtype: dtype, origin: "Einsum")
        }
        let a = try arrange(0, batch + leftOnly + contracted, matrix: [size(batch), size(leftOnly), size(contracted)])
        let b = try arrange(1, batch + contracted + rightOnly, matrix: [size(batch), size(contracted), size(rightOnly)])
        let product = try emitInternal(
            .matMul, context, suffix: "matmul", inputs: [a, b], shape: [size(batch), size(leftOnly), size(rightOnly)],
            dtype: dtype, origin: "Einsum")
        let natural = batch + leftOnly + rightOnly
        let perm = plan.output.map { natural.firstIndex(of: $0)! }
        if perm == Array(perm.indices) {
            try emitOutput(.reshape, context, inputs: [product], shape: outputShape, dtype: dtype, origin: "Einsum")
        } else {
            let unflattened = try emitInternal(
                .reshape, context, suffix: "unflatten", inputs: [product], shape: natural.map { plan.sizes[$0]! },
                dtype: dtype, origin: "Einsum")
            try emitOutput(.transpose, context, inputs: [unflattened], shape: outputShape, dtype: dtype, attributes: ["perm": .ints(perm)], origin: "Einsum")
        }
    }
}
