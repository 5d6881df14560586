import Foundation
import Testing
import Support

@Suite struct JSONWriterTests {
    @Test func escapesWhatJSONAndJavaScriptNeedAndRoundTrips() throws {
        let hostile = "a\"b\\c\nd\te\u{01}f\u{2028}g\u{2029}h</script>é"
        let json = JSONWriter()
        json.object {
            json.field("s") { json.string(hostile) }
            json.field("n") { json.array([1, -2, 3]) { json.int($0) } }
            json.field("d") { json.double(0.25) }
            json.field("inf") { json.double(.infinity) }
            json.field("none") { json.optionalString(nil) }
        }
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(text == #"{"s":"a\"b\\c\nd\te\u0001f\u2028g\u2029h</script>é","n":[1,-2,3],"d":0.25,"inf":null,"none":null}"#)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        #expect(root["s"] as? String == hostile)
    }
}
