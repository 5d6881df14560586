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
    public func object(_ body: () -> Void) { nested(UInt8(ascii: "{"), UInt8(ascii: "}"), body) }

    @inlinable
    public func array(_ body: () -> Void) { nested(UInt8(ascii: "["), UInt8(ascii: "]"), body) }

    /// A value between `open` and `close` whose members `body` writes, comma-separated.
    @inlinable
    func nested(_ open: UInt8, _ close: UInt8, _ body: () -> Void) {
        separate()
        storage.append(open)
        needsComma.append(false)
        body()
        needsComma.removeLast()
        storage.append(close)
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
        if let exact = Int64(exactly: value) { storage.appendDecimal(exact) } else { storage.append(contentsOf: String(value).utf8) }
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
    /// `appendJSONString`, `appendDecimal` and `appendUTF8`, see ByteBuffer.swift).
    @inlinable
    public func raw(_ write: (inout [UInt8]) -> Void) {
        separate()
        write(&storage)
    }

    /// A string as a JSON literal, quotes included.
    @inlinable
    public static func quoted(_ text: String) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(text.utf8.count + 2)
        buffer.appendJSONString(text)
        return buffer
    }

    @inlinable
    func separate() {
        guard let last = needsComma.last else { return }
        if last { storage.append(UInt8(ascii: ",")) } else { needsComma[needsComma.count - 1] = true }
    }

    @inlinable
    func writeString(_ text: String) {
        storage.appendJSONString(text)
    }
}
