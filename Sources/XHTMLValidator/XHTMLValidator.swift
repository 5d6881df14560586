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

    /// Every rule violation found, in document order per rule; empty when the page may be published.
    /// A page that is not well-formed XML yields exactly one issue: where parsing stopped.
    public static func validate(_ bytes: [UInt8], file: String) -> [ValidationIssue] {
        guard bytes.count < Int(Int32.max) else {
            return [ValidationIssue(file: file, line: 1, column: 1, rule: "well-formed", message: "the page is larger than 2 GiB")]
        }
        xmlInitParser()
        guard let context = xmlNewParserCtxt() else {
            return [ValidationIssue(file: file, line: 1, column: 1, rule: "well-formed", message: "libxml2 could not allocate a parser")]
        }
        defer { xmlFreeParserCtxt(context) }
        // Strict XML: the HTML parser would silently repair mis-nesting. No network, no DTD
        // loading, no entity expansion; errors are collected instead of printed.
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { pointer in
                xmlCtxtReadMemory(context, pointer, Int32(buffer.count), file, "UTF-8", options)
            }
        }
        if context.pointee.wellFormed == 0 || document == nil {
            defer { if let document { xmlFreeDoc(document) } }
            let error = context.pointee.lastError
            let message = error.message.map { String(cString: $0) } ?? "not well-formed XML"
            return [ValidationIssue(file: file, line: Int(max(error.line, 1)), column: Int(max(error.int2, 1)), rule: "well-formed",
                                    message: message.trimmingTrailingNewlines)]
        }
        guard let document else { return [] }
        defer { xmlFreeDoc(document) }
        return RuleChecker(document: document, file: file).run()
    }
}

/// Runs the structural rules over a parsed document.
private struct RuleChecker {
    let document: xmlDocPtr
    let file: String

    func run() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        func report(_ node: xmlNodePtr, _ rule: String, _ message: String) {
            issues.append(ValidationIssue(file: file, line: Self.line(of: node), column: 1, rule: rule, message: message))
        }

        if let root = xmlDocGetRootElement(document) {
            if Self.name(of: root) != "html" || Self.namespace(of: root) != XHTMLValidator.xhtmlNamespace {
                report(root, "xhtml-root", "the root element must be <html> in the XHTML namespace \(XHTMLValidator.xhtmlNamespace)")
            }
        }

        // Every rule runs in one walk of the tree: a chart-heavy page has
        // tens of thousands of elements and attributes, and one XPath query per rule would visit
        // each of them several times. Names are compared as C strings, without making Swift
        // strings, for the same reason.
        var ids: [String: Int] = [:]
        var fragmentLinks: [(xmlNodePtr, String)] = []
        // Each node with whether it sits inside an <svg> (whatever that svg's namespace).
        var stack: [(node: xmlNodePtr, insideSVG: Bool)] = []
        if let root = xmlDocGetRootElement(document) { stack.append((root, false)) }
        var children: [xmlNodePtr] = []
        while let (node, insideSVG) = stack.popLast() {
            let isSVGRoot = !insideSVG && Self.named(node, "svg")
            // Children go on the stack last-first, so the walk is in document order.
            children.removeAll(keepingCapacity: true)
            var child = node.pointee.children
            while let current = child {
                if current.pointee.type == XML_ELEMENT_NODE { children.append(current) }
                child = current.pointee.next
            }
            for current in children.reversed() { stack.append((current, insideSVG || isSVGRoot)) }

            let inSVGNamespace = Self.inNamespace(node, Self.svgNamespaceC)
            if (insideSVG || isSVGRoot) && !inSVGNamespace && Self.svgElements.contains(where: { Self.named(node, $0) }) {
                report(node, "svg-namespace", "<\(Self.name(of: node))> is not in the SVG namespace \(XHTMLValidator.svgNamespace)")
            }
            if isSVGRoot && inSVGNamespace {
                let hasTitle = children.contains { Self.named($0, "title") }
                if Self.attribute("role", of: node) != "img" || !hasTitle {
                    report(node, "chart-accessibility", "a chart needs role=\"img\" and a <title> as its first child")
                }
            }
            if Self.named(node, "script") {
                report(node, "no-script", "reports carry no scripts; everything must be readable without JavaScript")
            }
            var hasAlt = false
            var attribute = node.pointee.properties
            while let current = attribute {
                defer { attribute = current.pointee.next }
                guard let rawName = current.pointee.name else { continue }
                let asNode = UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self)
                if Self.equal(rawName, "id") {
                    let value = Self.content(of: asNode)
                    if let first = ids[value] {
                        report(node, "unique-ids", "id \"\(value)\" is already used on line \(first)")
                    } else {
                        ids[value] = Self.line(of: node)
                    }
                } else if Self.equal(rawName, "href") {
                    let value = Self.content(of: asNode)
                    if value.hasPrefix("#") { fragmentLinks.append((node, value)) }
                    if Self.named(node, "link") { checkNetwork(node, "href", value) }
                } else if Self.equal(rawName, "alt") {
                    hasAlt = true
                } else if Self.equal(rawName, "src") || (Self.equal(rawName, "data") && Self.named(node, "object")) {
                    checkNetwork(node, String(cString: rawName), Self.content(of: asNode))
                } else if (rawName[0] | 0x20) == UInt8(ascii: "o") && (rawName[1] | 0x20) == UInt8(ascii: "n") {
                    report(node, "no-script", "event handler attribute \(String(cString: rawName)) is not allowed")
                }
            }
            if Self.named(node, "table") && !Self.hasDataCell(node) {
                report(node, "empty-table", "a table without data cells; leave the table out or say why it is empty")
            }
            if Self.named(node, "img") && !hasAlt {
                report(node, "img-alt", "<img> needs an alt attribute")
            }
        }
        for (node, value) in fragmentLinks {
            let target = String(value.dropFirst())
            if !target.isEmpty && ids[target] == nil {
                report(node, "fragment-links", "link \"\(value)\" points to no element with id \"\(target)\"")
            }
        }
        func checkNetwork(_ node: xmlNodePtr, _ attribute: String, _ raw: String) {
            let value = raw.lowercased()
            if value.hasPrefix("//") || (value.contains(":") && !value.hasPrefix("data:")) {
                report(node, "no-network", "\(attribute)=\"\(value.prefix(80))\" would fetch from the network; inline it")
            }
        }
        return issues
    }

    static let svgElements: [StaticString] = ["svg", "g", "rect", "line", "path", "circle", "polyline", "polygon", "text", "tspan", "title", "desc", "defs", "use"]
    static let svgNamespaceC: StaticString = "http://www.w3.org/2000/svg"

    /// Compares a libxml2 name with a literal, byte for byte.
    static func equal(_ raw: UnsafePointer<xmlChar>, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { expected in
            for (offset, byte) in expected.enumerated() where raw[offset] != byte { return false }
            return raw[expected.count] == 0
        }
    }

    /// Whether a `<td>` sits anywhere below `node`; stops at the first one.
    static func hasDataCell(_ node: xmlNodePtr) -> Bool {
        var stack: [xmlNodePtr] = [node]
        while let current = stack.popLast() {
            var child = current.pointee.children
            while let element = child {
                if element.pointee.type == XML_ELEMENT_NODE {
                    if named(element, "td") { return true }
                    stack.append(element)
                }
                child = element.pointee.next
            }
        }
        return false
    }

    static func named(_ node: xmlNodePtr, _ literal: StaticString) -> Bool {
        guard let name = node.pointee.name else { return false }
        return equal(name, literal)
    }

    static func inNamespace(_ node: xmlNodePtr, _ uri: StaticString) -> Bool {
        guard let href = node.pointee.ns?.pointee.href else { return false }
        return equal(href, uri)
    }

    static func name(of node: xmlNodePtr) -> String {
        node.pointee.name.map { String(cString: $0) } ?? ""
    }

    static func namespace(of node: xmlNodePtr) -> String? {
        node.pointee.ns?.pointee.href.map { String(cString: $0) }
    }

    static func line(of node: xmlNodePtr) -> Int {
        Int(max(xmlGetLineNo(node), 1))
    }

    static func children(of node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let value = xmlGetProp(node, name) else { return nil }
        defer { free(value) }
        return String(cString: value)
    }

    /// The text of an attribute or element node.
    static func content(of node: xmlNodePtr) -> String {
        guard let value = xmlNodeGetContent(node) else { return "" }
        defer { free(value) }
        return String(cString: value)
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
