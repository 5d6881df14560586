import Testing
@testable import XHTMLValidator

/// Each rule is shown a page that breaks it, and a valid page passes all of them.
@Suite struct XHTMLValidatorTests {
    static func page(_ body: String, head: String = "") -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
        <head><meta charset="utf-8"/><title>t</title>\(head)</head>
        <body>
        \(body)
        </body>
        </html>
        """
    }

    static let chart = """
        <svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 10 10"><title>bars</title><desc>d</desc><rect width="1" height="1"><title>tip</title></rect></svg>
        """

    static func rules(_ text: String) -> [String] {
        XHTMLValidator.validate(Array(text.utf8), file: "p.html").map(\.rule)
    }

    @Test func aPageLargerThanTenMegabytesIsStillChecked() {
        // 12 MB of rows, past libxml2's default 10 MB lookup limit: a large export's page.
        let rows = String(repeating: "<tr><td>\(String(repeating: "x", count: 200))</td></tr>\n", count: 55_000)
        #expect(Self.rules(Self.page("<table>\(rows)</table>")) == [])
        // …and a broken one that large is still caught.
        #expect(Self.rules(Self.page("<table>\(rows)</table><p>")).contains("well-formed"))
    }

    @Test func validPagePasses() {
        let body = """
            <nav><a href="#s">s</a></nav><section id="s"><img src="data:image/png;base64,AA==" alt="x"/>\(Self.chart)
            <table><tr><th>a</th></tr><tr><td>1</td></tr></table><a href="https://example.org/doc">external link is fine</a></section>
            """
        #expect(XHTMLValidator.validate(Array(Self.page(body).utf8), file: "p.html") == [])
    }

    @Test func misNestingIsAnErrorWithLineAndColumn() throws {
        // The HTML parser would repair this silently; strict XML must not.
        let issues = XHTMLValidator.validate(Array(Self.page("<p><b>bold</p></b>").utf8), file: "p.html")
        let issue = try #require(issues.first)
        #expect(issues.count == 1)
        #expect(issue.rule == "well-formed")
        #expect(issue.line == 5)
        #expect(issue.column > 1)
        #expect(issue.description.hasPrefix("p.html:5:"))
    }

    @Test func htmlEntitiesAreNotXML() {
        #expect(Self.rules(Self.page("<p>a&nbsp;b</p>")) == ["well-formed"])
    }

    @Test func rootMustBeXHTML() {
        #expect(Self.rules("<html><body/></html>") == ["xhtml-root"])
    }

    @Test func svgOutsideItsNamespaceIsReported() {
        let body = #"<svg role="img"><title>x</title><rect width="1" height="1"/></svg>"#
        #expect(Self.rules(Self.page(body)).contains("svg-namespace"))
    }

    @Test func chartWithoutRoleOrTitleIsReported() {
        let body = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>"#
        #expect(Self.rules(Self.page(body)) == ["chart-accessibility"])
    }

    @Test func duplicateIdsAreReportedOnTheSecondUse() throws {
        let text = Self.page("<p id=\"a\">1</p>\n<p id=\"a\">2</p>")
        let issue = try #require(XHTMLValidator.validate(Array(text.utf8), file: "p.html").first)
        #expect(issue.rule == "unique-ids")
        #expect(issue.line == 6)
        #expect(issue.message == "id \"a\" is already used on line 5")
    }

    @Test func danglingFragmentLinkIsReported() {
        #expect(Self.rules(Self.page(##"<a href="#nowhere">x</a>"##)) == ["fragment-links"])
    }

    @Test func imageWithoutAltIsReported() {
        #expect(Self.rules(Self.page(#"<img src="a.png"/>"#)) == ["img-alt"])
    }

    @Test func scriptsAndHandlersAreReported() {
        #expect(Self.rules(Self.page("<script>alert(1)</script>")) == ["no-script"])
        #expect(Self.rules(Self.page(#"<p onclick="x()">x</p>"#)) == ["no-script"])
    }

    @Test func networkFetchesAreReported() {
        #expect(Self.rules(Self.page(#"<img src="https://example.org/a.png" alt="a"/>"#)) == ["no-network"])
        #expect(Self.rules(Self.page("", head: #"<link rel="stylesheet" href="//cdn.example.org/a.css"/>"#)) == ["no-network"])
    }

    @Test func emptyTableIsReported() {
        #expect(Self.rules(Self.page("<table><tr><th>only a header</th></tr></table>")) == ["empty-table"])
    }

    @Test func aCellInANestedTableFillsTheOuterOneToo() {
        #expect(Self.rules(Self.page("<table><tr><td><table><tr><td>1</td></tr></table></td></tr></table>")) == [])
        #expect(Self.rules(Self.page("<table><tr><th><table><tr><th>h</th></tr></table></th></tr></table>")) == ["empty-table", "empty-table"])
    }

    @Test func aChartTitleMustBeADirectChild() {
        let body = #"<svg xmlns="http://www.w3.org/2000/svg" role="img"><g><title>nested</title></g></svg>"#
        #expect(Self.rules(Self.page(body)) == ["chart-accessibility"])
    }

    @Test func issuesComeInDocumentOrder() {
        // The chart's issue is about its opening tag (line 5), though found at its end.
        let body = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"1\" height=\"1\"/>\n</svg><img src=\"a.png\"/>"
        let issues = XHTMLValidator.validate(Array(Self.page(body).utf8), file: "p.html")
        #expect(issues.map(\.rule) == ["chart-accessibility", "img-alt"])
        #expect(issues.map(\.line) == [5, 6])
    }

    @Test func externalEntitiesAreNotFetched() {
        // With XML_PARSE_NONET and no entity substitution, a SYSTEM entity stays unexpanded.
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE html [<!ENTITY x SYSTEM "http://example.org/x">]>
            <html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><p>&x;</p></body></html>
            """
        let issues = XHTMLValidator.validate(Array(text.utf8), file: "p.html")
        #expect(!issues.contains { $0.rule == "well-formed" && $0.message.contains("http") })
    }

    @Test func emptyInputIsAnError() {
        #expect(Self.rules("") == ["well-formed"])
    }
}
