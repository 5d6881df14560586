import Mustache
import Support
import ReportModel

// What the templates see. Every value reaches swift-mustache as one of four types: ReflectedView,
// String, Bool or [Any]. Mustache asks each value's type whether it conforms to half a dozen of
// its protocols, and the first such question for a type scans every conformance record of the
// process (tens of microseconds each); with a dozen view-model, number and collection types that
// was about 3 ms of every page.

extension GanttChart {
    /// The chart's SVG is written by the view model; the template adds the legend.
    var templateFields: [String: Any] { ["legend": legend as [Any], "svg": svg] }
}

extension RooflineChart {
    var templateFields: [String: Any] { ["svg": svg, "legend": legend.map { ["label": $0.label, "color": $0.color] }] }
}

extension StackedBarChart {
    var templateFields: [String: Any] { ["svg": svg, "legend": legend.map { ["label": $0.label, "color": $0.color] }] }
}

/// A view model's fields, reflected once and then looked up by name.
///
/// swift-mustache resolves a tag by reflecting (Mirror) on each context on the stack, from the
/// innermost out. Inside a table row, a name the row lacks is looked up in the section around it
/// and then in the page, and each of those lookups reflected the whole page model again: 12 ms
/// of a bert-base report. Wrapping the page reflects every struct once, on first use.
final class ReflectedView: MustacheParent, @unchecked Sendable {
    private enum Source {
        case reflected(Any)
        case fields([String: Any])
    }

    private let source: Source
    /// Field values as reflected, wrapped only when a template asks for them: a page model
    /// also holds data the templates never read (row arrays whose markup is prebuilt).
    private lazy var raw: [String: Any] = {
        switch source {
        case .reflected(let value):
            var fields: [String: Any] = [:]
            for child in Mirror(reflecting: value).children {
                if let label = child.label { fields[label] = child.value }
            }
            return fields
        case .fields(let given):
            return given
        }
    }()
    private var wrapped: [String: Any?] = [:]

    init(_ value: Any) { source = .reflected(value) }
    init(fields: [String: Any]) { source = .fields(fields) }

    func child(named name: String) -> Any? {
        if let known = wrapped[name] { return known }
        let value = raw[name].flatMap(Self.wrap)
        wrapped[name] = value
        return value
    }

    /// Optionals unwrapped (nil left out, so the lookup goes on outward as before); structs,
    /// dictionaries and charts wrapped; collections as [Any]; numbers as the text Mustache
    /// would print for them. Concrete types are matched by identity, never by protocol.
    private static func wrap(_ value: Any) -> Any? {
        switch value {
        case let text as String: return text
        case let flag as Bool: return flag
        case let number as Int: return String(number)
        case let number as Double: return String(describing: number)
        case let chart as GanttChart: return ReflectedView(fields: chart.templateFields)
        case let chart as StackedBarChart: return ReflectedView(fields: chart.templateFields)
        case let chart as RooflineChart: return ReflectedView(fields: chart.templateFields)
        case let dictionary as [String: Any]: return ReflectedView(fields: dictionary)
        case let dictionary as [String: String]: return ReflectedView(fields: dictionary)
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let payload = mirror.children.first?.value else { return nil }
            return wrap(payload)
        case .struct, .tuple:
            return ReflectedView(value)
        case .collection:
            return mirror.children.compactMap { wrap($0.value) } as [Any]
        case .enum:
            return String(describing: value)
        default:
            return value
        }
    }
}
