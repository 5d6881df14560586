import Support
import ModelGraph

/// Convolutions and pooling over spatial axes ([N, C, D1, D2, …] layout). A convolution is
/// lowered the way a matrix engine runs it: patches rearranged into rows (im2col), one matmul
/// against the weight viewed as a matrix, its bias added inside the op, the result put back in
/// channel-first layout. ViT's patch embedding is one such convolution.
extension OpRule {
    static let conv = OpRule { lowering, context throws(InputError) in
        let x = try lowering.input(0, context), w = try lowering.input(1, context)
        let spatial = x.shape.count - 2
        guard spatial >= 1, w.shape.count == x.shape.count else {
            throw context.fail("convolves an input of shape \(x.shape) with weights of shape \(w.shape); both need the same rank, at least 3")
        }
        let groups = context.int("group") ?? 1
        let (batch, channels, filters) = (x.shape[0], x.shape[1], w.shape[0])
        guard groups >= 1, channels % groups == 0, filters % groups == 0, w.shape[1] * groups == channels else {
            throw context.fail("has \(channels) input channels, \(groups) groups and weights of shape \(w.shape); they do not fit together")
        }
        let window = Window(context, spatialShape: Array(x.shape.dropFirst(2)), kernel: Array(w.shape.dropFirst(2)))
        let outputSpatial = try window.outputShape(context)
        let positions = outputSpatial.reduce(1, *)
        let patch = w.shape.dropFirst().reduce(1, *)  // channels per group × kernel elements
        let dtype = x.dtype
        let xID = try lowering.tensorID(try context.input(0), context), wID = try lowering.tensorID(try context.input(1), context)
        // Rows of patches per group: [N, groups, positions, patch]; the weight as [groups, patch, filters per group].
        let rows = try lowering.emitInternal(
            .im2col, context, suffix: "im2col", inputs: [xID], shape: groups == 1 ? [batch, positions, patch] : [batch, groups, positions, patch],
            dtype: dtype, attributes: ["kernel": .ints(window.kernel), "strides": .ints(window.strides)], origin: "Conv")
        let matrix = try lowering.emitInternal(
            .reshape, context, suffix: "weight_matrix", inputs: [wID],
            shape: groups == 1 ? [patch, filters] : [groups, patch, filters / groups], dtype: w.dtype, origin: "Conv")
        var result = try lowering.emitInternal(
            .matMul, context, suffix: "matmul", inputs: [rows, matrix],
            shape: groups == 1 ? [batch, positions, filters] : [batch, groups, positions, filters / groups], dtype: dtype, origin: "Conv")
        if groups > 1 {
            result = try lowering.emitInternal(
                .reshape, context, suffix: "merge_groups", inputs: [result], shape: [batch, positions, filters], dtype: dtype, origin: "Conv")
        }
        if context.hasInput(2) {
            let bias = try lowering.tensorID(context.node.input[2], context)
            result = try lowering.emitInternal(
                .add, context, suffix: "bias", inputs: [result, bias], shape: [batch, positions, filters], dtype: dtype, origin: "Conv")
        }
        let channelFirst = try lowering.emitInternal(
            .transpose, context, suffix: "channel_first", inputs: [result], shape: [batch, filters, positions],
            dtype: dtype, attributes: ["perm": .ints([0, 2, 1])], origin: "Conv")
        try lowering.emitOutput(.reshape, context, inputs: [channelFirst], shape: [batch, filters] + outputSpatial, dtype: dtype, origin: "Conv")
    }

    /// MaxPool and AveragePool over a window.
    static func pool(_ kind: OpKind) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let x = try lowering.input(0, context)
            guard x.shape.count >= 3 else { throw context.fail("pools an input of shape \(x.shape); it needs [N, C, spatial…]") }
            guard let kernel = context.ints("kernel_shape"), kernel.count == x.shape.count - 2 else {
                throw context.fail("has no kernel_shape matching its \(x.shape.count - 2) spatial axes")
            }
            let window = Window(context, spatialShape: Array(x.shape.dropFirst(2)), kernel: kernel)
            let shape = Array(x.shape.prefix(2)) + (try window.outputShape(context))
            try lowering.emit(kind, context, inputs: [try context.input(0)], shape: shape, dtype: x.dtype)
        }
    }

    /// GlobalAveragePool, GlobalMaxPool: every spatial axis reduced to 1.
    static func globalPool(_ kind: OpKind) -> OpRule {
        OpRule { lowering, context throws(InputError) in
            let x = try lowering.input(0, context)
            guard x.shape.count >= 3 else { throw context.fail("pools an input of shape \(x.shape); it needs [N, C, spatial…]") }
            try lowering.emit(
                kind, context, inputs: [try context.input(0)], shape: Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.shape.count - 2), dtype: x.dtype)
        }
    }
}

/// A sliding window: kernel, strides, dilations and padding along each spatial axis.
struct Window {
    let spatialShape: [Int]
    let kernel: [Int]
    let strides: [Int]
    let dilations: [Int]
    let pads: [Int]
    let autoPad: String
    let ceilMode: Bool

    init(_ context: NodeContext, spatialShape: [Int], kernel: [Int]) {
        let n = spatialShape.count
        self.spatialShape = spatialShape
        self.kernel = kernel
        strides = context.ints("strides") ?? Array(repeating: 1, count: n)
        dilations = context.ints("dilations") ?? Array(repeating: 1, count: n)
        pads = context.ints("pads") ?? Array(repeating: 0, count: 2 * n)
        autoPad = context.string("auto_pad") ?? "NOTSET"
        ceilMode = (context.int("ceil_mode") ?? 0) != 0
    }

    func outputShape(_ context: NodeContext) throws(InputError) -> [Int] {
        let n = spatialShape.count
        guard kernel.count == n, strides.count == n, dilations.count == n, pads.count == 2 * n,
            strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), kernel.allSatisfy({ $0 > 0 })
        else {
            throw context.fail("has kernel \(kernel), strides \(strides), dilations \(dilations) and pads \(pads) that do not fit \(n) spatial axes")
        }
        var out: [Int] = []
        for axis in 0..<n {
            let size = spatialShape[axis], stride = strides[axis]
            let extent = dilations[axis] * (kernel[axis] - 1) + 1
            let length: Int
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER": length = (size + stride - 1) / stride
            case "VALID": length = (size - extent) / stride + 1
            default:
                let padded = size + pads[axis] + pads[axis + n] - extent
                length = (ceilMode ? (padded + stride - 1) / stride : padded / stride) + 1
            }
            guard length >= 1 else { throw context.fail("a window of \(extent) does not fit an axis of \(size)") }
            out.append(length)
        }
        return out
    }
}
