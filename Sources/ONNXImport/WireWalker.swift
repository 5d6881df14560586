import Foundation

struct WireError: Error {
    let offset: Int
    let reason: String
}

/// A minimal protobuf wire-format walker: enough to copy a ModelProto while dropping the data
/// fields of large initializers. It decodes no message itself; SwiftProtobuf does that on the result.
struct WireWalker<Bytes: WireBytes> {
    let bytes: Bytes

    func model() throws(WireError) -> [UInt8] {
        var out: [UInt8] = []
        try copyFields(0..<bytes.count, into: &out) { field, range, out throws(WireError) in
            // ModelProto.training_info: training-only graphs and their initializers, not needed here.
            if field == WireFields.modelTrainingInfo { return true }
            guard field == WireFields.modelGraph else { return false }
            var graph: [UInt8] = []
            try copyFields(range, into: &graph) { field, range, out throws(WireError) in
                guard field == WireFields.graphInitializer else { return false }
                try appendTrimmedTensor(range, field: field, into: &out)
                return true
            }
            WireFields.appendLengthDelimited(field: field, graph, into: &out)
            return true
        }
        return out
    }

    /// Copies a TensorProto, leaving its payload out when that payload is large.
    private func appendTrimmedTensor(_ range: Range<Int>, field: Int, into out: inout [UInt8]) throws(WireError) {
        var payload = 0
        try forEachField(range) { number, _, fieldRange throws(WireError) in
            if WireFields.tensorPayloadFields.contains(number) { payload += fieldRange.count }
        }
        var tensor: [UInt8] = []
        let keep = payload <= ONNXFile.keptPayloadBytes
        try forEachField(range) { number, fullRange, _ throws(WireError) in
            if keep || !WireFields.tensorPayloadFields.contains(number) { try bytes.append(fullRange, to: &tensor) }
        }
        WireFields.appendLengthDelimited(field: field, tensor, into: &out)
    }

    /// Copies every field of the message in `range`, except those `replace` handles itself.
    private func copyFields(
        _ range: Range<Int>, into out: inout [UInt8],
        replace: (Int, Range<Int>, inout [UInt8]) throws(WireError) -> Bool
    ) throws(WireError) {
        try forEachField(range) { number, fullRange, payloadRange throws(WireError) in
            let isMessage = fullRange.count > payloadRange.count ? try wireType(at: fullRange.lowerBound) == 2 : false
            var replaced = false
            if isMessage { replaced = try replace(number, payloadRange, &out) }
            if !replaced {
                guard out.count + fullRange.count <= ONNXFile.maxTrimmedBytes else {
                    throw WireError(
                        offset: fullRange.lowerBound,
                        reason:
                            "field \(number) holds \(fullRange.count) bytes, more than the \(ONNXFile.maxTrimmedBytes >> 20) MiB a model may have besides its weights"
                    )
                }
                try bytes.append(fullRange, to: &out)
            }
        }
    }

    private func wireType(at offset: Int) throws(WireError) -> Int { Int(try bytes.byte(at: offset) & 7) }

    /// Calls `body(fieldNumber, wholeFieldRange, payloadRange)` for each field of a message.
    private func forEachField(_ range: Range<Int>, _ body: (Int, Range<Int>, Range<Int>) throws(WireError) -> Void) throws(WireError) {
        var cursor = range.lowerBound
        while cursor < range.upperBound {
            let start = cursor
            let tag = try varint(&cursor, limit: range.upperBound)
            let number = Int(tag >> 3)
            guard number > 0 else { throw WireError(offset: start, reason: "field number 0 is not valid protobuf") }
            let payloadStart: Int
            switch tag & 7 {
            case 0:
                payloadStart = cursor
                _ = try varint(&cursor, limit: range.upperBound)
            case 1:
                payloadStart = cursor
                cursor += 8
            case 2:
                let length = try varint(&cursor, limit: range.upperBound)
                guard length <= UInt64(range.upperBound - cursor) else {
                    throw WireError(offset: start, reason: "a field claims \(length) bytes but only \(range.upperBound - cursor) remain")
                }
                payloadStart = cursor
                cursor += Int(length)
            case 5:
                payloadStart = cursor
                cursor += 4
            default:
                throw WireError(offset: start, reason: "wire type \(tag & 7) is not used by ONNX")
            }
            guard cursor <= range.upperBound else {
                throw WireError(offset: start, reason: "a field runs past the end of its message")
            }
            try body(number, start..<cursor, payloadStart..<cursor)
        }
    }

    private func varint(_ cursor: inout Int, limit: Int) throws(WireError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = cursor
        while true {
            guard cursor < limit else { throw WireError(offset: start, reason: "a number runs past the end of the data") }
            let byte = try bytes.byte(at: cursor)
            cursor += 1
            guard shift < 64 else { throw WireError(offset: start, reason: "a number is longer than 10 bytes") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }
}

/// Field numbers the walker looks for, and the encoding of what it writes back.
enum WireFields {
    // ModelProto.graph, GraphProto.initializer, and TensorProto's data-bearing fields.
    static let modelGraph = 7, graphInitializer = 5, modelTrainingInfo = 20
    static let tensorPayloadFields: Set<Int> = [4, 5, 6, 7, 9, 10, 11]

    static func appendLengthDelimited(field: Int, _ payload: [UInt8], into out: inout [UInt8]) {
        appendVarint(UInt64(field << 3 | 2), into: &out)
        appendVarint(UInt64(payload.count), into: &out)
        out.append(contentsOf: payload)
    }

    static func appendVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
