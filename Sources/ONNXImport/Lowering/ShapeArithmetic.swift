import Support
import ModelGraph

/// Shape rules shared by several op families: numpy broadcasting and Reshape's target.
enum ShapeArithmetic {
    /// The numpy broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int], _ context: NodeContext) throws(InputError) -> [Int] {
        let rank = max(a.count, b.count)
        var out: [Int] = []
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw context.fail("cannot broadcast shapes \(a) and \(b)")
            }
            // A size-1 axis takes the other's size, even 0 (an empty tensor stays empty).
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// Reshape's target with 0 (copy the axis, unless `allowZero`) and -1 (infer) resolved.
    static func reshaped(_ shape: [Int], to target: [Int], allowZero: Bool, _ context: NodeContext) throws(InputError) -> [Int] {
        guard let total = checkedElementCount(shape) else {
            throw context.fail("reshapes a shape too large to count: \(shape)")
        }
        var out: [Int] = []
        var inferred: Int?
        for (axis, raw) in target.enumerated() {
            switch raw {
            case 0 where !allowZero:
                guard axis < shape.count else { throw context.fail("copies dimension \(axis) of a rank-\(shape.count) tensor") }
                out.append(shape[axis])
            case -1:
                guard inferred == nil else { throw context.fail("target \(target) has more than one -1") }
                inferred = axis
                out.append(1)
            case let size where size >= 0 && size <= Int(Int32.max):
                out.append(size)
            default:
                throw context.fail("target \(target) has dimension \(raw)")
            }
        }
        let known = out.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        if let axis = inferred {
            guard known > 0, total % known == 0 else {
                throw context.fail("cannot reshape \(shape) to \(target)")
            }
            out[axis] = total / known
        } else if known != total {
            throw context.fail("cannot reshape \(shape) (\(total) elements) to \(target)")
        }
        return out
    }

    /// Axes given as an attribute (older opsets) or as input `index` (newer ones), normalised;
    /// nil when neither is given.
    static func axes(_ context: NodeContext, input index: Int, lowering: Lowering, rank: Int) throws(InputError) -> [Int]? {
        var raw = context.ints("axes")
        if raw == nil, context.hasInput(index) {
            raw = try lowering.knownInts(index, context, what: "axes")
        }
        guard let raw else { return nil }
        var normalized: [Int] = []
        for axis in raw {
            let value = try context.axis(axis, rank: rank)
            guard !normalized.contains(value) else { throw context.fail("repeats axis \(axis) in \(raw)") }
            normalized.append(value)
        }
        return normalized
    }
}
