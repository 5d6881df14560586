import AddAnalysis
import Support
import ReportModel

/// Colours of the add categories: Paul Tol's "muted" scheme, designed to stay distinguishable
/// under the common colour-vision deficiencies and readable on light and dark backgrounds.
enum CategoryPalette {
    static func color(_ category: AddCategory) -> String {
        switch category {
        case .embedding: "#CC6677"
        case .attentionResidual: "#332288"
        case .ffnResidual: "#117733"
        case .hiddenStateAggregation: "#DDCC77"
        case .bias: "#88CCEE"
        case .attentionMask: "#882255"
        case .maskPrep: "#AA4499"
        case .layernorm: "#44AA99"
        case .activation: "#999933"
        // Two more from Tol's "light" scheme, apart from the muted nine.
        case .rotary: "#EE8866"
        case .relativePosition: "#BBCC33"
        case .other: "#DDDDDD"
        }
    }
}
