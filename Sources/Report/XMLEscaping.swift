/// Escaping for text that Swift writes straight into a page (chart renderers), where Mustache's
/// escaping does not apply: markup characters become entities, and characters XML forbids
/// (C0 controls other than tab and newlines, C1 controls, U+FFFE, U+FFFF) become U+FFFD.
/// Works on UTF-8 bytes: a chart's thousands of tooltips are escaped in one pass each.
enum XMLEscaping {
    static func escape(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var needs = false
        for byte in bytes where byte < 0x20 || byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27 || byte == 0xC2 || byte == 0xEF {
            needs = true
            break
        }
        guard needs else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case 0x26: out += Array("&amp;".utf8)
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            case 0x22: out += Array("&quot;".utf8)
            case 0x27: out += Array("&#39;".utf8)
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
        bytes = out
        return String(decoding: bytes, as: UTF8.self)
    }
}
