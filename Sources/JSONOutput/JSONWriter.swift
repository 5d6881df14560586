/// A streaming JSON writer for the large machine-written files (`schedule.json`, `trace.json`).
///
/// Why not JSONEncoder: those files hold thousands of events, and Foundation's encoder boxes every
/// value through a generic container, which took 15–25 ms per file for bert-base, a third of the
/// whole report's budget. This writes UTF-8 bytes straight into one buffer. The caller writes
/// keys in a fixed order, so output is byte-identical for identical inputs.
///
/// A class, so the closures that write nested values can write into the same buffer. The static
/// `append…` functions build fragments to repeat, such as one trace slice per DMA channel.
///
/// ```swift
/// let json = JSONWriter()
/// json.object {
///     json.field("time_unit") { json.string("ps") }
///     json.field("op") { json.array([3, 4], json.int) }
/// }
/// ```
public final class JSONWriter {
    // Unchecked: every value is an append to these two, and dynamic exclusivity checks on a
    // class's properties cost more than the appends (they were most of trace.json's time).
    // Nothing here runs concurrently or re-enters while an append is in progress.
    @exclusivity(unchecked) @usableFromInline var storage: [UInt8] = []
    /// What has been written.
    public var bytes: [UInt8] { storage }
    /// Whether the next value in the current object or array needs a comma before it.
    @exclusivity(unchecked) @usableFromInline var needsComma: [Bool] = []

    @inlinable
    public init(capacity: Int = 1 << 16) {
        storage.reserveCapacity(capacity)
    }

    @inlinable
    public func object(_ body: () -> Void) {
        separate()
        storage.append(UInt8(ascii: "{"))
        needsComma.append(false)
        body()
        needsComma.removeLast()
        storage.append(UInt8(ascii: "}"))
    }

    @inlinable
    public func array(_ body: () -> Void) {
        separate()
        storage.append(UInt8(ascii: "["))
        needsComma.append(false)
        body()
        needsComma.removeLast()
        storage.append(UInt8(ascii: "]"))
    }

    /// An array of values written by `element`.
    @inlinable
    public func array<S: Sequence>(_ values: S, _ element: (S.Element) -> Void) {
        array {
            for value in values { element(value) }
        }
    }

    /// `"name":` then the value `body` writes.
    @inlinable
    public func field(_ name: String, _ body: () -> Void) {
        separate()
        writeString(name)
        storage.append(UInt8(ascii: ":"))
        // The value that follows belongs to this key: no comma before it.
        needsComma[needsComma.count - 1] = false
        body()
        needsComma[needsComma.count - 1] = true
    }

    @inlinable
    public func string(_ text: String) {
        separate()
        writeString(text)
    }

    @inlinable
    public func int<T: BinaryInteger>(_ value: T) {
        separate()
        if let exact = Int64(exactly: value) { Self.appendInt(exact, to: &storage) } else { storage.append(contentsOf: String(value).utf8) }
    }

    /// A finite double in Swift's shortest round-trip form; NaN and infinities (which JSON
    /// cannot hold) become null.
    @inlinable
    public func double(_ value: Double) {
        separate()
        if value.isFinite {
            storage.append(contentsOf: value.description.utf8)
        } else {
            storage.append(contentsOf: "null".utf8)
        }
    }

    @inlinable
    public func bool(_ value: Bool) {
        separate()
        storage.append(contentsOf: (value ? "true" : "false").utf8)
    }

    @inlinable
    public func null() {
        separate()
        storage.append(contentsOf: "null".utf8)
    }

    @inlinable
    public func optionalString(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// Pre-serialised JSON (a fragment built with ``quoted(_:)`` and numbers), written as the
    /// next value. For repeated objects that differ in a field or two, such as one trace slice
    /// per DMA channel.
    @inlinable
    public func raw(_ json: [UInt8]) {
        separate()
        storage.append(contentsOf: json)
    }

    /// The next value, appended by `write` straight into the buffer (pieces made with
    /// ``appendQuoted(_:to:)``, ``appendInt(_:to:)`` and ``append(_:to:)``).
    @inlinable
    public func raw(_ write: (inout [UInt8]) -> Void) {
        separate()
        write(&storage)
    }

    /// Appends literal JSON text.
    @inlinable
    public static func append(_ text: StaticString, to buffer: inout [UInt8]) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// A string as a JSON literal, quotes included.
    @inlinable
    public static func quoted(_ text: String) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text, to: &buffer)
        return buffer
    }

    /// Appends an integer's decimal digits: no String is made, which mattered for files of
    /// tens of thousands of numbers.
    @inlinable
    public static func appendInt(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }

    @inlinable
    func separate() {
        guard let last = needsComma.last else { return }
        if last { storage.append(UInt8(ascii: ",")) } else { needsComma[needsComma.count - 1] = true }
    }

    @inlinable
    func writeString(_ text: String) {
        Self.appendQuoted(text, to: &storage)
    }

    /// RFC 8259 string escaping on UTF-8 bytes. U+2028 and U+2029 are escaped too, so the file
    /// is also safe to paste into JavaScript.
    @inlinable
    public static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        let utf8 = Array(text.utf8)
        var i = 0
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        while i < utf8.count {
            let byte = utf8[i]
            switch byte {
            case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0x00..<0x20:
                bytes += Array("\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            case 0xE2 where i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9):
                bytes += Array((utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                i += 2
            default: bytes.append(byte)
            }
            i += 1
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
