import Support
/// Number formatting for pages: fixed, locale-independent, so output is byte-identical everywhere.
public enum Format {
    /// `109482240` → `109,482,240`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// Decimal SI units, three significant figures: `786432` → `786 kB`, `1572864` → `1.57 MB`.
    package static func bytes(_ value: Int) -> String { scaled(Double(value), unit: "B") }

    /// `11174215680` → `11.2 G`.
    /// With `trimZeros`, `25.0 MB` reads `25 MB` (axis ticks).
    package static func scaled(_ value: Double, unit: String, trimZeros: Bool = false) -> String {
        let prefixes = ["", "k", "M", "G", "T", "P", "E"]
        var scaled = value, index = 0
        while abs(scaled) >= 999.5 && index < prefixes.count - 1 {
            scaled /= 1000
            index += 1
        }
        let separator = unit.isEmpty && prefixes[index].isEmpty ? "" : " "
        var number = significant(scaled, digits: 3)
        if trimZeros && number.contains(".") {
            while number.hasSuffix("0") { number.removeLast() }
            if number.hasSuffix(".") { number.removeLast() }
        }
        return number + separator + prefixes[index] + unit
    }

    /// A number with the given significant digits, no exponent, trailing zeros kept only as needed.
    package static func significant(_ value: Double, digits: Int) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value).log10Floor
        var decimals = max(0, digits - 1 - magnitude)
        var text = fixed(value, decimals: decimals)
        // Rounding can carry into a new digit (0.9996 → 1.000): drop the extra decimal.
        if decimals > 0, let rounded = Double(text), abs(rounded).log10Floor > magnitude {
            decimals -= 1
            text = fixed(value, decimals: decimals)
        }
        return text
    }

    /// Rounds half away from zero to `decimals` places, printed without locale.
    package static func fixed(_ value: Double, decimals: Int) -> String {
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        let rounded = (abs(value) * factor).rounded(.toNearestOrAwayFromZero)
        let whole = Int(rounded / factor)
        let fraction = Int(rounded - Double(whole) * factor)
        var text = String(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return value < 0 && rounded != 0 ? "-" + text : text
    }

    /// An axis label: values below one of a unit (joules, seconds) take m, µ, n, p; others k, M, G.
    package static func axis(_ value: Double, unit: String) -> String {
        guard unit == "J" || unit == "s", value != 0, abs(value) < 1 else { return scaled(value, unit: unit, trimZeros: true) }
        let text = submultiple(value, unit: unit)
        guard let space = text.firstIndex(of: " "), text[..<space].contains(".") else { return text }
        var number = String(text[..<space])
        while number.hasSuffix("0") { number.removeLast() }
        if number.hasSuffix(".") { number.removeLast() }
        return number + text[space...]
    }

    /// `0.0031446` → `3.14 ms`.
    package static func seconds(_ value: Double, trimZeros: Bool = false) -> String {
        let text = submultiple(value, unit: "s")
        guard trimZeros, let space = text.firstIndex(of: " "), text[..<space].contains(".") else { return text }
        var number = String(text[..<space])
        while number.hasSuffix("0") { number.removeLast() }
        if number.hasSuffix(".") { number.removeLast() }
        return number + text[space...]
    }

    /// `0.0327` → `32.7 mJ`.
    /// An energy in joules with an SI prefix (`3.52 mJ`).
    public static func energy(_ value: Energy) -> String { joules(value.joules) }
    /// A time in seconds with an SI prefix (`2.67 ms`).
    public static func time(_ value: TimeSpan, trimZeros: Bool = false) -> String { seconds(value.seconds, trimZeros: trimZeros) }
    /// Energy × delay in scientific notation (`9.41e-6 J·s`).
    public static func energyDelay(_ value: EnergyDelay) -> String { scientific(value.jouleSeconds, unit: "J·s") }

    package static func joules(_ value: Double) -> String { submultiple(value, unit: "J") }

    /// A value below about a thousand, scaled down to m, µ, n or p with three significant figures.
    static func submultiple(_ value: Double, unit: String) -> String {
        let prefixes: [(Double, String)] = [(1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")]
        guard value != 0 else { return "0 " + unit }
        for (scale, prefix) in prefixes where abs(value) >= scale * 0.9995 {
            return significant(value / scale, digits: 3) + " " + prefix + unit
        }
        return significant(value / 1e-12, digits: 3) + " p" + unit
    }

    /// `0.0001028` → `1.03e-4 J·s`: EDP spans too many decades for a prefix.
    package static func scientific(_ value: Double, unit: String) -> String {
        guard value != 0 else { return "0 " + unit }
        let exponent = abs(value).log10Floor
        var mantissa = value
        var e = exponent
        while e > 0 { mantissa /= 10; e -= 1 }
        while e < 0 { mantissa *= 10; e += 1 }
        var text = fixed(mantissa, decimals: 2)
        var shown = exponent
        if text.hasPrefix("10.") || text.hasPrefix("-10.") { text = fixed(mantissa / 10, decimals: 2); shown += 1 }
        return text + "e" + String(shown) + " " + unit
    }

    /// `0.4567` → `45.7 %`.
    package static func percent(_ fraction: Double) -> String {
        fixed(fraction * 100, decimals: 1) + " %"
    }

    /// `[1, 128, 768]` → `1×128×768`.
    /// A name cut to `limit` characters with an ellipsis: chart tooltips repeat an op's name on
    /// every bar, and an export's names can be arbitrarily long. Tables and data files keep it whole.
    package static func clipped(_ name: String, limit: Int = 160) -> String {
        name.count <= limit ? name : String(name.prefix(limit - 1)) + "…"
    }

    package static func shape(_ dims: [Int]) -> String {
        dims.isEmpty ? "scalar" : dims.map(String.init).joined(separator: "×")
    }
}

extension Double {
    /// ⌊log10(x)⌋ for x > 0, without Foundation.
    var log10Floor: Int {
        var x = self, exponent = 0
        while x >= 10 { x /= 10; exponent += 1 }
        while x < 1 { x *= 10; exponent -= 1 }
        return exponent
    }
}
