import Mustache

// Direct field lookups for the chart view models: swift-mustache otherwise reflects on each value
// with Mirror for every tag. (The long tables and the charts' SVG are written as markup by their
// view models.) Names match the templates' tags.

extension GanttChart: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "legend": legend
        case "svg": svg
        default: nil
        }
    }
}

extension GanttChart.LegendItem: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "color": color
        default: nil
        }
    }
}

extension StackedBarChart: MustacheParent {
    func child(named key: String) -> Any? {
        switch key {
        case "svg": svg
        case "legend": legend.map { ["label": $0.label, "color": $0.color] }
        default: nil
        }
    }
}

/// A view model's fields, reflected once and then looked up by name.
///
/// swift-mustache resolves a tag by reflecting (Mirror) on each context on the stack, from the
/// innermost out. Inside a table row, a name the row lacks is looked up in the section around it
/// and then in the page, and each of those lookups reflected the whole page model again: 12 ms
/// of a bert-base report. Wrapping the page reflects every struct once, on first use.
final class ReflectedView: MustacheParent, @unchecked Sendable {
    private let value: Any
    private lazy var fields: [String: Any] = {
        var fields: [String: Any] = [:]
        for child in Mirror(reflecting: value).children {
            guard let label = child.label, let wrapped = Self.wrap(child.value) else { continue }
            fields[label] = wrapped
        }
        return fields
    }()

    init(_ value: Any) { self.value = value }

    func child(named name: String) -> Any? { fields[name] }

    /// The view models that answer lookups themselves. Compared by type identity rather than
    /// with `is MustacheParent`: the first protocol check on each type scans every conformance
    /// record of every loaded library, which cost several milliseconds per page.
    private static let ownLookups: Set<ObjectIdentifier> = [
        ObjectIdentifier(GanttChart.self), ObjectIdentifier(GanttChart.LegendItem.self), ObjectIdentifier(StackedBarChart.self),
    ]

    private static func isPlainStruct(_ value: Any, _ mirror: Mirror) -> Bool {
        mirror.displayStyle == .struct && !ownLookups.contains(ObjectIdentifier(type(of: value)))
    }

    /// Optionals unwrapped (nil left out, so the lookup goes on outward as before), plain structs
    /// and arrays of them wrapped; strings, numbers, booleans and types with their own lookup kept.
    private static func wrap(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let payload = mirror.children.first?.value else { return nil }
            return wrap(payload)
        case .struct where isPlainStruct(value, mirror):
            return ReflectedView(value)
        case .collection:
            return mirror.children.map { child -> Any in
                isPlainStruct(child.value, Mirror(reflecting: child.value)) ? ReflectedView(child.value) : child.value
            }
        default:
            return value
        }
    }
}
