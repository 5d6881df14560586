import Support
import ReportModel
import Foundation
import KPUModel
import Mustache

/// The Mustache templates pages are rendered from, loaded from a folder of `*.mustache` files
/// (the project's top-level `templates/`). Each file is a template or partial named after it.
///
/// ```swift
/// let templates = try Templates(directory: URL(fileURLWithPath: "templates"))
/// ```
public struct Templates: Sendable {
    public let directory: URL
    let library: MustacheLibrary
    /// Every template the pages use: those built into the binary. A folder given with
    /// --templates must hold all of them, since Mustache renders a missing partial as nothing.
    static var required: [String] { BundledTemplates.files.keys.sorted() }

    public init(directory: URL) throws(ReportError) {
        self.directory = directory
        var texts: [String: String] = [:]
        for name in Self.required {
            let file = directory.appendingPathComponent("\(name).mustache")
            do {
                texts[name] = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw ReportError("\(file.path): cannot read this template; pass --templates DIR pointing at the project's templates/ folder")
            }
        }
        library = try Self.library(texts, directory: directory)
    }

    /// The copy built into the binary (the EmbedResources plugin embeds templates/), for when no templates folder is found.
    public static func bundled() throws(ReportError) -> Templates {
        let directory = URL(fileURLWithPath: "(built-in templates)")
        return Templates(directory: directory, library: try library(BundledTemplates.files, directory: directory))
    }

    private init(directory: URL, library: MustacheLibrary) {
        self.directory = directory
        self.library = library
    }

    /// Escaping for every `{{value}}` in the templates (each starts with `{{% CONTENT_TYPE: XHTML}}`):
    /// markup characters as entities, as Mustache's HTML type does, and also characters XML
    /// forbids (C0/C1 controls, U+FFFE, U+FFFF) replaced by U+FFFD, so a name from a
    /// hostile file cannot make a page unparseable.
    struct XHTMLContent: MustacheContentType {
        func escapeText(_ text: String) -> String { XMLEscaping.escape(text) }
    }

    /// Registered once, before any template is parsed (the pragma is resolved while parsing).
    private static let registerContentType: Void = MustacheContentTypes.register(XHTMLContent(), named: "XHTML")

    private static func library(_ texts: [String: String], directory: URL) throws(ReportError) -> MustacheLibrary {
        _ = registerContentType
        let names = required
        for name in names where texts[name] == nil { throw ReportError("\(directory.path)/\(name).mustache: missing") }
        // The parser's cost grows faster than the template's length (it counts characters from
        // the current position on each step), so pages are split into partials, parsed side by side.
        let parsed: [Result<MustacheTemplate, ReportError>] = names.concurrentMap { name in
            do {
                return .success(try MustacheTemplate(string: texts[name]!))
            } catch {
                return .failure(ReportError("\(directory.path)/\(name).mustache: \(describe(error)); fix the template"))
            }
        }
        var library = MustacheLibrary()
        for (name, template) in zip(names, parsed) { library.register(try template.get(), named: name) }
        return library
    }

    /// Looks for `templates/` in the working folder, then beside the executable and in the
    /// folders above it (a binary under `.build/release/` finds the project's own).
    public static func locate(executable: URL, workingDirectory: URL) -> URL? {
        var candidates = [workingDirectory.appendingPathComponent("templates")]
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("templates"))
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("run.mustache").path) }
    }

    func render(_ object: Any, template name: String) throws(ReportError) -> String {
        guard let text = library.render(object, withTemplate: name) else {
            throw ReportError("\(directory.path)/\(name).mustache: template not found")
        }
        return text
    }

    private static func describe(_ error: Error) -> String {
        if let parse = error as? MustacheTemplate.ParserError {
            return "line \(parse.context.lineNumber), column \(parse.context.columnNumber): \(parse.error)"
        }
        return "\(error)"
    }
}
