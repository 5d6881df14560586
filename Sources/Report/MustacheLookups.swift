import Mustache

// Direct field lookups for the view models rendered thousands of times per page (Gantt bars,
// per-add rows): swift-mustache otherwise reflects on each value with Mirror for every tag,
// which made a bert-base page take hundreds of milliseconds. Names match the templates' tags.

extension GanttChart.Bar: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "y": y
        case "width": width
        case "color": color
        case "tooltip": tooltip
        default: nil
        }
    }
}

extension GanttChart.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "y": y
        case "textY": textY
        default: nil
        }
    }
}

extension GanttChart.Tick: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "time": time
        case "cycles": cycles
        default: nil
        }
    }
}

extension GanttChart: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "description": description
        case "width": width
        case "height": height
        case "plotLeft": plotLeft
        case "plotRight": plotRight
        case "axisY": axisY
        case "rows": rows
        case "bars": bars
        case "ticks": ticks
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

extension RunPage.AddRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": name_
        case "category": category
        case "shape": shape
        case "dtype": dtype
        case "elements": elements
        case "bytes": bytes
        case "fusedIn": fusedIn
        default: nil
        }
    }

    private var name_: String { self.name }
}

extension RunPage.OperatorRow: MustacheParent {
    func child(named key: String) -> Any? {
        switch key {
        case "name": name
        case "kind": kind
        case "category": category
        case "shape": shape
        case "macs": macs
        case "dram": dram
        case "l3": l3
        case "l2": l2
        case "l1": l1
        case "cycles": cycles
        case "energy": energy
        case "latency": latency
        case "mapping": mapping
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
