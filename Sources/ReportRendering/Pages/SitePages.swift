import Support
import ReportModel

extension Templates {
    /// The comparison page, rendered and validated.
    public func render(_ page: ComparisonPage, path: String) throws(ReportError) -> String {
        try renderValidated(ReflectedView(page), template: "comparison", path: path)
    }

    /// The site index, rendered and validated.
    public func render(_ page: SiteIndexPage, path: String) throws(ReportError) -> String {
        try renderValidated(ReflectedView(page), template: "site-index", path: path)
    }

    /// A page rendered from `template` and validated as strict XHTML; `path` names it in errors.
    func renderValidated(_ view: ReflectedView, template: String, path: String) throws(ReportError) -> String {
        let page = try render(view, template: template)
        try RunFiles.validate(page, file: path)
        return page
    }
}
