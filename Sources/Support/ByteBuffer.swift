/// Appending text to a byte buffer without going through String: the writers of the large
/// machine-written files (JSON, SVG) build them byte by byte, and making a String per number
/// or fragment was a measurable share of a report's time (see JSONWriter's comment).
extension Array where Element == UInt8 {
    /// Appends literal text (JSON punctuation, SVG markup) without making a String.
    @inlinable
    public mutating func appendUTF8(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends an integer's decimal digits: no String is made, which mattered for files of
    /// tens of thousands of numbers.
    @inlinable
    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }

    /// RFC 8259 string escaping on UTF-8 bytes. U+2028 and U+2029 are escaped too, so the file
    /// is also safe to paste into JavaScript.
    @inlinable
    public mutating func appendJSONString(_ text: String) {
        append(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 }) {
            append(contentsOf: text.utf8)
            append(UInt8(ascii: "\""))
            return
        }
        let utf8 = Array(text.utf8)
        var i = 0
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        while i < utf8.count {
            let byte = utf8[i]
            switch byte {
            case UInt8(ascii: "\""): self += [0x5C, 0x22]
            case UInt8(ascii: "\\"): self += [0x5C, 0x5C]
            case 0x0A: self += [0x5C, UInt8(ascii: "n")]
            case 0x0D: self += [0x5C, UInt8(ascii: "r")]
            case 0x09: self += [0x5C, UInt8(ascii: "t")]
            case 0x00..<0x20:
                self += Array("\\u00".utf8)
                append(hex[Int(byte >> 4)])
                append(hex[Int(byte & 0xF)])
            case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                self += Array((utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                i += 2
            default: append(byte)
            }
            i += 1
        }
        append(UInt8(ascii: "\""))
    }
}
