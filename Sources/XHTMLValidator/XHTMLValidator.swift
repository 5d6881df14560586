// Deliberately no Foundation here: importing it next to libxml2 breaks clean builds (ICU headers).
internal import CLibXML2
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Checks a page before it is published: strict XML parsing (no network, no HTML repair) and
/// the structural rules a self-contained polyglot XHTML5 report must follow.
///
/// ```swift
/// let issues = XHTMLValidator.validate(Array(page.utf8), file: "reports/run/index.html")
/// if let first = issues.first { print(first) } // file:line:col: rule: message
/// ```
public enum XHTMLValidator {
    static let xhtmlNamespace = "http://www.w3.org/1999/xhtml"
    static let svgNamespace = "http://www.w3.org/2000/svg"

    /// Every rule violation found, in document order; empty when the page may be published.
    /// A page that is not well-formed XML yields exactly one issue: where parsing stopped.
    public static func validate(_ bytes: [UInt8], file: String) -> [ValidationIssue] {
        guard bytes.count < Int(Int32.max) else {
            return [ValidationIssue(file: file, line: 1, column: 1, rule: "well-formed", message: "the page is larger than 2 GiB")]
        }
        xmlInitParser()
        // libxml2's own SAX2 handlers, except that elements go to the rule checker and text,
        // comments and processing instructions go nowhere: the rules need no tree, and building
        // and freeing one was most of the validation's time on a chart-heavy page. The
        // defaults still handle the DOCTYPE and declared entities exactly as the tree parser does.
        var handler = xmlSAXHandler()
        xmlSAXVersion(&handler, 2)
        handler.startElementNs = { context, name, _, uri, _, _, attributeCount, _, attributes in
            guard let context, let name else { return }
            let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
            let checker = Unmanaged<RuleChecker>.fromOpaque(parser.pointee._private!).takeUnretainedValue()
            checker.start(name, namespace: uri, attributes: attributes, count: Int(attributeCount), line: Int(parser.pointee.input.pointee.line))
        }
        handler.endElementNs = { context, name, _, _ in
            guard let context, let name else { return }
            let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
            Unmanaged<RuleChecker>.fromOpaque(parser.pointee._private!).takeUnretainedValue().end(name)
        }
        handler.characters = nil
        handler.ignorableWhitespace = nil
        handler.cdataBlock = nil
        handler.comment = nil
        handler.processingInstruction = nil
        handler.reference = nil
        guard let context = xmlCreatePushParserCtxt(&handler, nil, nil, 0, file) else {
            return [ValidationIssue(file: file, line: 1, column: 1, rule: "well-formed", message: "libxml2 could not allocate a parser")]
        }
        defer {
            if let document = context.pointee.myDoc { xmlFreeDoc(document) }
            xmlFreeParserCtxt(context)
        }
        // Strict XML: the HTML parser would silently repair mis-nesting. No network, no DTD
        // loading, no entity expansion; errors are collected instead of printed. XML_PARSE_HUGE
        // lifts libxml2's 10 MB lookup limit, a guard against hostile documents: these pages are
        // the tool's own, and one for a large export with long names passes 10 MB.
        xmlCtxtUseOptions(
            context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_HUGE.rawValue))
        let checker = RuleChecker(file: file)
        context.pointee._private = Unmanaged.passUnretained(checker).toOpaque()
        withExtendedLifetime(checker) {
            bytes.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
                _ = xmlParseChunk(context, base, Int32(buffer.count), 1)
            }
        }
        if context.pointee.wellFormed == 0 || !checker.sawRoot {
            let error = context.pointee.lastError
            let message = error.message.map { String(cString: $0) } ?? "not well-formed XML"
            return [
                ValidationIssue(
                    file: file, line: Int(max(error.line, 1)), column: Int(max(error.int2, 1)), rule: "well-formed",
                    message: message.trimmingTrailingNewlines)
            ]
        }
        return checker.finish()
    }
}

/// The structural rules, checked element by element as the parser streams them: names are
/// compared as C strings, and Swift strings are made only for ids and fragment links.
private final class RuleChecker {
    let file: String
    private(set) var sawRoot = false
    private var issues: [(order: Int, issue: ValidationIssue)] = []
    private var order = 0
    private var ids: [String: Int] = [:]
    private var fragmentLinks: [(line: Int, value: String)] = []
    /// Depth of open elements inside the outermost `<svg>` (0: not inside one).
    private var svgDepth = 0
    /// The outermost open `<svg>` in the SVG namespace: its line, whether it has role="img",
    /// and whether a `<title>` child was seen.
    private var chart: (line: Int, order: Int, hasRole: Bool, hasTitle: Bool)?
    /// Open tables, innermost last: where each starts and whether a `<td>` was seen in it.
    private var tables: [(line: Int, order: Int, hasCell: Bool)] = []

    init(file: String) { self.file = file }

    private func report(_ line: Int, _ rule: String, _ message: String, order: Int? = nil) {
        issues.append((order ?? self.order, ValidationIssue(file: file, line: line, column: 1, rule: rule, message: message)))
    }

    func start(
        _ name: UnsafePointer<xmlChar>, namespace: UnsafePointer<xmlChar>?, attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        count: Int, line: Int
    ) {
        order += 1
        if !sawRoot {
            sawRoot = true
            if !Self.equal(name, "html") || !Self.equal(namespace, "http://www.w3.org/1999/xhtml") {
                report(line, "xhtml-root", "the root element must be <html> in the XHTML namespace \(XHTMLValidator.xhtmlNamespace)")
            }
        }
        let inSVGNamespace = Self.equal(namespace, "http://www.w3.org/2000/svg")
        let isSVGRoot = svgDepth == 0 && Self.equal(name, "svg")
        if svgDepth > 0 || isSVGRoot {
            if !inSVGNamespace && Self.svgElements.contains(where: { Self.equal(name, $0) }) {
                report(line, "svg-namespace", "<\(String(cString: name))> is not in the SVG namespace \(XHTMLValidator.svgNamespace)")
            }
            // A direct child of the chart's root.
            if svgDepth == 1 && Self.equal(name, "title") { chart?.hasTitle = true }
            svgDepth += 1
        }
        if Self.equal(name, "script") {
            report(line, "no-script", "reports carry no scripts; everything must be readable without JavaScript")
        }
        var hasAlt = false, hasRole = false
        for index in 0..<count {
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            guard let attribute = attributes?.advanced(by: index * 5), let rawName = attribute[0] else { continue }
            func value() -> String {
                guard let start = attribute[3], let end = attribute[4] else { return "" }
                return String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
            }
            if Self.equal(rawName, "id") {
                let id = value()
                if let first = ids[id] {
                    report(line, "unique-ids", "id \"\(id)\" is already used on line \(first)")
                } else {
                    ids[id] = line
                }
            } else if Self.equal(rawName, "href") {
                let target = value()
                if target.hasPrefix("#") { fragmentLinks.append((line, target)) }
                if Self.equal(name, "link") { checkNetwork(line, "href", target) }
            } else if Self.equal(rawName, "alt") {
                hasAlt = true
            } else if Self.equal(rawName, "role") {
                hasRole = value() == "img"
            } else if Self.equal(rawName, "src") || (Self.equal(rawName, "data") && Self.equal(name, "object")) {
                checkNetwork(line, String(cString: rawName), value())
            } else if (rawName[0] | 0x20) == UInt8(ascii: "o") && (rawName[1] | 0x20) == UInt8(ascii: "n") {
                report(line, "no-script", "event handler attribute \(String(cString: rawName)) is not allowed")
            }
        }
        if isSVGRoot && inSVGNamespace { chart = (line, order, hasRole, false) }
        if Self.equal(name, "table") { tables.append((line, order, false)) }
        if Self.equal(name, "td"), !tables.isEmpty { tables[tables.count - 1].hasCell = true }
        if Self.equal(name, "img") && !hasAlt {
            report(line, "img-alt", "<img> needs an alt attribute")
        }
    }

    func end(_ name: UnsafePointer<xmlChar>) {
        if svgDepth > 0 {
            svgDepth -= 1
            if svgDepth == 0, let chart {
                if !chart.hasRole || !chart.hasTitle {
                    report(chart.line, "chart-accessibility", "a chart needs role=\"img\" and a <title> as its first child", order: chart.order)
                }
                self.chart = nil
            }
        }
        if Self.equal(name, "table"), let table = tables.popLast() {
            if table.hasCell {
                // A cell inside a nested table is inside the enclosing one too.
                if !tables.isEmpty { tables[tables.count - 1].hasCell = true }
            } else {
                report(table.line, "empty-table", "a table without data cells; leave the table out or say why it is empty", order: table.order)
            }
        }
    }

    /// The issues in document order (by the element they are about), then dangling links.
    func finish() -> [ValidationIssue] {
        order += 1
        for (line, value) in fragmentLinks {
            let target = String(value.dropFirst())
            if !target.isEmpty && ids[target] == nil {
                report(line, "fragment-links", "link \"\(value)\" points to no element with id \"\(target)\"")
            }
        }
        return issues.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element.issue)
    }

    private func checkNetwork(_ line: Int, _ attribute: String, _ raw: String) {
        let value = raw.lowercased()
        if value.hasPrefix("//") || (value.contains(":") && !value.hasPrefix("data:")) {
            report(line, "no-network", "\(attribute)=\"\(value.prefix(80))\" would fetch from the network; inline it")
        }
    }

    static let svgElements: [StaticString] = [
        "svg", "g", "rect", "line", "path", "circle", "polyline", "polygon", "text", "tspan", "title", "desc", "defs", "use"
    ]

    /// Compares a libxml2 name with a literal, byte for byte.
    static func equal(_ raw: UnsafePointer<xmlChar>?, _ literal: StaticString) -> Bool {
        guard let raw else { return false }
        return literal.withUTF8Buffer { expected in
            for (offset, byte) in expected.enumerated() where raw[offset] != byte { return false }
            return raw[expected.count] == 0
        }
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
