import Testing
import Support

@Suite struct ByteBufferTests {
    @Test func decimalsMatchSwiftsOwnFormattingAtTheEdges() {
        for value: Int64 in [0, 7, -7, 10, 99, 1_000_000, -1_234_567_890, .max, .min] {
            var bytes: [UInt8] = []
            bytes.appendDecimal(value)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test func literalTextAndQuotedStringsAppendInPlace() {
        var bytes: [UInt8] = []
        bytes.appendUTF8("<rect x=\"")
        bytes.appendDecimal(12)
        bytes.appendUTF8("\"/>")
        bytes.appendJSONString("a\"b")
        #expect(String(decoding: bytes, as: UTF8.self) == #"<rect x="12"/>"a\"b""#)
    }
}
