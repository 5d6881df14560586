import Foundation
import ReportModel
import Support

/// One axis of a scatter or a small multiple: a value range mapped onto a pixel span, linear or,
/// when the values span more than a decade, logarithmic, with round ticks labelled in the
/// figure's unit.
struct ChartAxis: Sendable {
    let low: Double
    let high: Double
    let logarithmic: Bool
    /// Pixel positions of `low` and `high` (for a y axis, `from` is the bottom).
    let from: Double
    let to: Double
    /// Labels a value in the figure's unit.
    let label: @Sendable (Double) -> String

    /// `values` must be positive when the axis may become logarithmic.
    init(values: [Double], from: Double, to: Double, allowLog: Bool = true, label: @escaping @Sendable (Double) -> String) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        logarithmic = allowLog && low > 0 && high / low > 10
        if logarithmic {
            // A twentieth of the span's decades of margin on each side keeps marks off the frame.
            let margin = (log10(high) - log10(low)) * 0.05
            (low, high) = (pow(10, log10(low) - margin), pow(10, log10(high) + margin))
        } else if high > low {
            let margin = (high - low) * 0.06
            (low, high) = (max(low - margin, low >= 0 ? 0 : -Double.infinity), high + margin)
        } else {
            // One value: a band around it, so the mark sits mid-axis.
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - pad, high + pad)
        }
        (self.low, self.high, self.from, self.to, self.label) = (low, high, from, to, label)
    }

    /// The pixel position of a value.
    func position(_ value: Double) -> Double {
        let share = logarithmic ? (log10(value) - log10(low)) / (log10(high) - log10(low)) : (value - low) / (high - low)
        return from + share * (to - from)
    }

    /// Round values inside the range: 1, 2, 5 × 10ⁿ steps for a linear axis (about `count` of
    /// them), the decades and their 2 and 5 multiples for a logarithmic one (the multiples only
    /// when the range spans fewer than three decades).
    func ticks(count: Int = 5) -> [Double] {
        if logarithmic {
            let decades = Int(floor(log10(low)))...Int(ceil(log10(high)))
            let multiples: [Double] = log10(high) - log10(low) < 3 ? [1, 2, 5] : [1]
            return decades.flatMap { decade in multiples.map { $0 * pow(10, Double(decade)) } }.filter { $0 >= low && $0 <= high }
        }
        let rough = (high - low) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= rough } ?? rough
        var values: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }
}
