import ReportModel
import Support

/// Escaping for text that Swift writes straight into a page (chart renderers), where Mustache's
/// escaping does not apply: markup characters become entities, and characters XML forbids
/// (C0 controls other than tab and newlines, C1 controls, U+FFFE, U+FFFF) become U+FFFD.
/// Works on UTF-8 bytes: a chart's thousands of tooltips are escaped in one pass each.
enum XMLEscaping {
    static func escape(_ text: String) -> String {
        // Most values need nothing: check the bytes in place before copying any.
        guard needsEscaping(text) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether anything in `text` is escaped or replaced: markup characters, C0 controls other
    /// than tab and newlines, C1 controls (C2 80–9F), U+FFFE and U+FFFF (EF BF BE/BF). Text
    /// with other non-ASCII characters, such as the µ of every time, passes unchanged.
    static func needsEscaping(_ text: String) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable(needsEscaping) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(needsEscaping)
    }

    private static func needsEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case 0x26, 0x3C, 0x3E, 0x22, 0x27: return true
            case 0x09, 0x0A, 0x0D: continue
            case 0x00..<0x20: return true
            case 0x80...0x9F where index > 0 && bytes[index - 1] == 0xC2: return true
            case 0xBE...0xBF where index > 1 && bytes[index - 1] == 0xBF && bytes[index - 2] == 0xEF: return true
            default: continue
            }
        }
        return false
    }

    /// Appends `text` escaped: for markup written straight into a byte buffer.
    static func append(_ text: String, to out: inout [UInt8]) {
        guard needsEscaping(text) else {
            out.append(contentsOf: text.utf8)
            return
        }
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case 0x26: out += [0x26, 0x61, 0x6D, 0x70, 0x3B]  // &amp;
            case 0x3C: out += [0x26, 0x6C, 0x74, 0x3B]  // &lt;
            case 0x3E: out += [0x26, 0x67, 0x74, 0x3B]  // &gt;
            case 0x22: out += [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B]  // &quot;
            case 0x27: out += [0x26, 0x23, 0x33, 0x39, 0x3B]  // &#39;
            case 0x09, 0x0A, 0x0D: out.append(byte)
            case 0x00..<0x20: out += replacement
            case 0xC2 where i + 1 < bytes.count && (0x80...0x9F).contains(bytes[i + 1]):
                out += replacement
                i += 1
            case 0xEF where i + 2 < bytes.count && bytes[i + 1] == 0xBF && (bytes[i + 2] == 0xBE || bytes[i + 2] == 0xBF):
                out += replacement
                i += 2
            default: out.append(byte)
            }
            i += 1
        }
    }

    /// U+FFFD, for characters XML forbids.
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
}
