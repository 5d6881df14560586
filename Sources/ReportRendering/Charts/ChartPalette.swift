import ModelGraph
import Support
import ReportModel

/// How the charts draw what is not an add category: operators other than adds in the Gantt
/// charts, and the memory levels and energy sinks in the stacked bars. Kept apart from
/// ``CategoryPalette`` (Paul Tol's "muted" hues) so that no colour here can be read as a category:
/// operators are slate greys told apart by texture, memory levels an orange-brown ramp from DRAM
/// (darkest, farthest) to L1 (palest, nearest), the other energy sinks greys of clearly different
/// lightness.
enum ChartPalette {
    /// A texture drawn over a pale ground, for operator kinds that share the neutral grey.
    enum Pattern: String, Sendable, CaseIterable {
        /// Stripes at 45°.
        case diagonal
        /// Horizontal bands.
        case bands

        static let ink = "#5f6b7a"
        static let ground = "#e3e6ea"

        /// The SVG `<pattern>` element, with the id the chart's fills refer to.
        func svgDefinition(id: String) -> String {
            switch self {
            case .diagonal:
                "<pattern id=\"\(id)\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                    + "<rect width=\"5\" height=\"5\" fill=\"\(Self.ground)\"/><rect width=\"2\" height=\"5\" fill=\"\(Self.ink)\"/></pattern>"
            case .bands:
                "<pattern id=\"\(id)\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\">"
                    + "<rect width=\"4\" height=\"4\" fill=\"\(Self.ground)\"/><rect width=\"4\" height=\"1.5\" fill=\"\(Self.ink)\"/></pattern>"
            }
        }

        /// The same texture as a CSS background, for the legend's swatches.
        var css: String {
            switch self {
            case .diagonal: "repeating-linear-gradient(45deg, \(Self.ink) 0, \(Self.ink) 1.5px, \(Self.ground) 1.5px, \(Self.ground) 4px)"
            case .bands: "repeating-linear-gradient(180deg, \(Self.ink) 0, \(Self.ink) 1.5px, \(Self.ground) 1.5px, \(Self.ground) 4px)"
            }
        }
    }

    /// What a bar looks like and what the legend calls it.
    struct Look: Sendable, Hashable {
        var legend: String
        /// The fill, or the ground under the pattern.
        var color: String
        var pattern: Pattern?

        /// The CSS `background` of the legend's swatch.
        var swatch: String { pattern?.css ?? color }
    }

    static let matmul = Look(legend: "Matmul (and what rides its drain)", color: Pattern.ink)
    /// Mid grey: darker than the "other" add category's pale grey, lighter than the matmuls.
    static let otherOps = Look(legend: "Other ops", color: "#9aa3ae")

    /// The look of an operator that is not an add, by kind.
    static func neutral(for kind: OpKind) -> Look {
        switch kind {
        case .matMul: matmul
        case .softmax: Look(legend: "Softmax", color: Pattern.ground, pattern: .diagonal)
        case .layerNorm: Look(legend: "LayerNorm", color: Pattern.ground, pattern: .bands)
        default: otherOps
        }
    }

    /// Memory levels, farthest first: DRAM, L3, L2, L1.
    static let levels = ["#7f2704", "#d94801", "#fd8d3c", "#fdd0a2"]
    /// Energy that is not memory traffic: the compute arrays (the matmul grey), the data-movement
    /// engines and static power.
    static let compute = Pattern.ink
    static let engines = "#9aa3ae"
    static let staticPower = "#d5d9df"
}
