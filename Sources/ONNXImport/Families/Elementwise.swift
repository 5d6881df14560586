import Support
import ModelGraph

/// Element-wise ops: unary functions, broadcasting binary and variadic arithmetic, comparisons
/// and logic, selection, clipping and casts. Each keeps its inputs' broadcast shape and is
/// folded at import time when every input is known.
enum Elementwise {
    /// x^y for integers; nil for a negative exponent or an overflow.
    @Sendable static func integerPower(_ base: Int, _ exponent: Int) -> Int? {
        guard exponent >= 0 else { return nil }
        var result = 1
        for _ in 0..<min(exponent, 64) {
            let (product, overflow) = result.multipliedReportingOverflow(by: base)
            if overflow { return nil }
            result = product
        }
        return exponent > 64 && Swift.abs(base) > 1 ? nil : result
    }
}

extension OpRule {
    /// One input, one output of the same shape and type.
    static func unary(_ kind: OpKind, _ fold: UnaryFold) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let name = try context.input(0)
            let a = try lowering.entry(name, context)
            let value = a.value?.mapped(ints: fold.ints, floats: fold.floats)
            try lowering.emit(kind, context, inputs: [name], shape: a.shape, dtype: a.dtype, value: value)
        }
    }

    /// One input, a boolean output of the same shape (IsNaN, IsInf).
    static func predicate(_ kind: OpKind, _ test: @escaping @Sendable (Double) -> Bool) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let name = try context.input(0)
            let a = try lowering.entry(name, context)
            let value = a.value.flatMap { v in
                v.isFloat
                    ? FoldedValue.ints(v.doubles.map { test($0) ? 1 : 0 }, shape: v.shape) : .ints(Array(repeating: 0, count: v.storageCount), shape: v.shape)
            }
            try lowering.emit(kind, context, inputs: [name], shape: a.shape, dtype: .bool, value: value)
        }
    }

    /// Two inputs broadcast together; the result has the first input's type.
    static func binary(_ kind: OpKind, _ fold: BinaryFold) -> OpRule {
        OpRule { lowering, context throws(InputError) in try lowering.lowerBroadcasting(kind, context, fold: fold, resultType: nil) }
    }

    /// Mod: Python's remainder (the divisor's sign) unless `fmod` asks for C's (the dividend's).
    static let mod = OpRule { lowering, context throws(InputError) in
        let cStyle = (context.int("fmod") ?? 0) != 0
        let fold = BinaryFold(
            ints: { x, y in
                guard y != 0, !(x == Int.min && y == -1) else { return nil }
                let r = x % y
                return cStyle || r == 0 || (r < 0) == (y < 0) ? r : r + y
            },
            floats: { x, y in
                let r = x.truncatingRemainder(dividingBy: y)
                return cStyle || r == 0 || (r < 0) == (y < 0) ? r : r + y
            })
        try lowering.lowerBroadcasting(.mod, context, fold: fold, resultType: nil)
    }

    /// Two inputs broadcast together; a boolean result (comparisons, And, Or, Xor).
    static func comparison(_ kind: OpKind, ints: @escaping @Sendable (Int, Int) -> Bool, floats: @escaping @Sendable (Double, Double) -> Bool) -> OpRule {
        let fold = BinaryFold(ints: { ints($0, $1) ? 1 : 0 }, floats: { floats($0, $1) ? 1 : 0 })
        return OpRule { lowering, context throws(InputError) in try lowering.lowerBroadcasting(kind, context, fold: fold, resultType: .bool) }
    }

    /// Any number of inputs broadcast together (Sum, Max, Min), one IR op per pair so that a
    /// three-way Sum is two adds, as it is on any hardware.
    static func variadic(_ kind: OpKind, _ fold: BinaryFold) -> OpRule {
        OpRule { lowering, context throws(InputError) in try lowering.lowerVariadic(kind, context, fold: fold, divideByCount: false) }
    }

    /// Mean: the pairwise sum of every input, divided by their count.
    static let mean = OpRule { lowering, context throws(InputError) in
        try lowering.lowerVariadic(.add, context, fold: BinaryFold(ints: nil, floats: { $0 + $1 }), divideByCount: true)
    }

    static let `where` = OpRule { lowering, context throws(InputError) in
        let names = [try context.input(0), try context.input(1), try context.input(2)]
        let c = try lowering.entry(names[0], context)
        let x = try lowering.entry(names[1], context), y = try lowering.entry(names[2], context)
        let shape = try ShapeArithmetic.broadcast(try ShapeArithmetic.broadcast(c.shape, x.shape, context), y.shape, context)
        var value: FoldedValue?
        if let cv = c.value?.broadcast(to: shape)?.ints, let xv = x.value?.broadcast(to: shape), let yv = y.value?.broadcast(to: shape) {
            if let xi = xv.ints, let yi = yv.ints, !xv.isFloat, !yv.isFloat {
                value = .ints(cv.indices.map { cv[$0] != 0 ? xi[$0] : yi[$0] }, shape: shape)
            } else {
                let xd = xv.doubles, yd = yv.doubles
                value = .floats(cv.indices.map { cv[$0] != 0 ? xd[$0] : yd[$0] }, shape: shape)
            }
        }
        try lowering.emit(.where, context, inputs: names, shape: shape, dtype: x.dtype, value: value)
    }

    /// Clip(x, min?, max?); before opset 11 the bounds are attributes.
    static let clip = OpRule { lowering, context throws(InputError) in
        let name = try context.input(0)
        let x = try lowering.entry(name, context)
        var low = context.float("min"), high = context.float("max")
        if context.hasInput(1) { low = try lowering.input(1, context).value?.doubles.first }
        if context.hasInput(2) { high = try lowering.input(2, context).value?.doubles.first }
        let bounds = (low, high)
        let value = x.value?.mapped(
            ints: { v in
                var r = v
                if let l = bounds.0 { r = Swift.max(r, Int(l.rounded(.up))) }
                if let h = bounds.1 { r = Swift.min(r, Int(h.rounded(.down))) }
                return r
            },
            floats: { v in Swift.min(Swift.max(v, bounds.0 ?? -.infinity), bounds.1 ?? .infinity) })
        let knownBounds = (context.hasInput(1) ? 1 : 0) + (context.hasInput(2) ? 1 : 0) == 0 || (low != nil || high != nil)
        try lowering.emit(.clip, context, inputs: context.givenInputs, shape: x.shape, dtype: x.dtype, value: knownBounds ? value : nil)
    }

    static let cast = OpRule { lowering, context throws(InputError) in
        guard let to = context.int("to") else { throw context.fail("has no 'to' attribute") }
        let dtype = try ElementType.dtype(Int32(truncatingIfNeeded: to), place: context.place, source: context.source)
        try lowering.lowerCast(context, to: dtype)
    }

    /// CastLike(x, target): the element type of its second input.
    static let castLike = OpRule { lowering, context throws(InputError) in
        try lowering.lowerCast(context, to: try lowering.input(1, context).dtype)
    }
}

extension Lowering {
    mutating func lowerBroadcasting(_ kind: OpKind, _ context: NodeContext, fold: BinaryFold, resultType: DType?) throws(InputError) {
        let aName = try context.input(0), bName = try context.input(1)
        let a = try entry(aName, context), b = try entry(bName, context)
        let shape = try ShapeArithmetic.broadcast(a.shape, b.shape, context)
        var value: FoldedValue?
        if let av = a.value, let bv = b.value {
            value = FoldedValue.broadcast(av, bv, shape: shape, ints: fold.ints, floats: fold.floats)
            // Comparisons of floats give booleans, held as integers.
            if resultType == .bool, let folded = value, let ints = folded.ints { value = .ints(ints, shape: shape) }
        }
        try emit(kind, context, inputs: [aName, bName], shape: shape, dtype: resultType ?? a.dtype, value: value)
    }

    mutating func lowerVariadic(_ kind: OpKind, _ context: NodeContext, fold: BinaryFold, divideByCount: Bool) throws(InputError) {
        let names = context.givenInputs
        guard let firstName = names.first else { throw context.fail("has no inputs") }
        var current = try entry(firstName, context)
        if names.count == 1 && !divideByCount {
            try define(try context.output(0), current, context)
            return
        }
        var currentID = try tensorID(firstName, context)
        var value = current.value
        for (step, name) in names.dropFirst().enumerated() {
            let next = try entry(name, context)
            let shape = try ShapeArithmetic.broadcast(current.shape, next.shape, context)
            value = value.flatMap { v in next.value.flatMap { FoldedValue.broadcast(v, $0, shape: shape, ints: fold.ints, floats: fold.floats) } }
            let inputs = [currentID, try tensorID(name, context)]
            if step == names.count - 2 && !divideByCount {
                try emitOutput(kind, context, inputs: inputs, shape: shape, dtype: current.dtype, value: value, origin: context.opType)
                return
            }
            currentID = try emitInternal(
                kind, context, suffix: "\(kind.rawValue)_\(step)", inputs: inputs, shape: shape, dtype: current.dtype,
                origin: context.opType)
            current = Entry(id: currentID, shape: shape, dtype: current.dtype, value: value)
        }
        let count = try builder.constant("\(context.path)/count", shape: [], dtype: current.dtype)
        try emitOutput(.div, context, inputs: [currentID, count], shape: current.shape, dtype: current.dtype, origin: context.opType)
    }

    mutating func lowerCast(_ context: NodeContext, to dtype: DType) throws(InputError) {
        let name = try context.input(0)
        let a = try entry(name, context)
        var value = a.value
        if let v = value {
            if dtype == .bool {
                value = v.mapped(ints: { $0 != 0 ? 1 : 0 }, floats: nil) ?? .ints(v.doubles.map { $0 != 0 ? 1 : 0 }, shape: v.shape)
            }
            // Floats become integers by truncation toward zero, as C++ casts do.
            else if !dtype.isFloatingPoint {
                value = v.isFloat ? .ints(v.doubles.map { $0.isFinite && Swift.abs($0) < 9e15 ? Int($0) : 0 }, shape: v.shape) : v
            } else {
                value = .floats(v.doubles, shape: v.shape)
            }
        }
        try emit(.cast, context, inputs: [name], shape: a.shape, dtype: dtype, value: value)
    }
}
