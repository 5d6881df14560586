import Foundation
import Testing

/// Every ```swift block in a doc comment under Sources/ must appear, word for word (comments and
/// spacing aside), in DocumentationExamples.swift, where the compiler checks it: an example that
/// no longer compiles fails the build, and one changed in only one place fails here.
@Suite struct ExamplesStayInSyncTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Code without `//` comments or whitespace: wrapping and indentation may differ (the
    /// formatter wraps the copy), the tokens may not.
    static func normalized(_ lines: [String]) -> String {
        lines.map { line -> String in
            var text = line
            if let comment = text.range(of: "//") { text = String(text[..<comment.lowerBound]) }
            return text.trimmingCharacters(in: .whitespaces)
        }.joined().filter { !$0.isWhitespace }
    }

    /// Each example in the sources: where it is and its code.
    static func examples() throws -> [(place: String, code: String)] {
        let sources = root.appendingPathComponent("Sources")
        var found: [(String, String)] = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted() ?? []
        for file in files where !file.hasSuffix(".pb.swift") {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8).components(separatedBy: "\n")
            var index = 0
            while index < lines.count {
                if lines[index].trimmingCharacters(in: .whitespaces) == "/// ```swift" {
                    var block: [String] = []
                    var end = index + 1
                    while end < lines.count, lines[end].trimmingCharacters(in: .whitespaces) != "/// ```" {
                        block.append(String(lines[end].trimmingCharacters(in: .whitespaces).dropFirst(3)))
                        end += 1
                    }
                    found.append(("\(file):\(index + 1)", normalized(block)))
                    index = end
                }
                index += 1
            }
        }
        return found
    }

    @Test func everyDocExampleIsCompiledInTheExamplesTarget() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 25, "found only \(examples.count) examples: is the scan still finding them?")
        let compiled = try String(contentsOf: Self.root.appendingPathComponent("Tests/DocumentationExampleTests/DocumentationExamples.swift"), encoding: .utf8)
        let haystack = Self.normalized(compiled.components(separatedBy: "\n"))
        let missing = examples.filter { !haystack.contains($0.code) }.map(\.place)
        #expect(missing.isEmpty, "not in DocumentationExamples.swift word for word (copy them there so they are compiled): \(missing.joined(separator: ", "))")
    }
}
