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
