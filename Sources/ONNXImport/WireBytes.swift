import Support
import Foundation
import ModelGraph

/// Where the wire walker reads an ONNX file's bytes from: memory, or a file read piecewise.
protocol WireBytes {
    var count: Int { get }
    /// The byte at `offset`, 0 ≤ offset < count.
    func byte(at offset: Int) throws(WireError) -> UInt8
    /// Appends the bytes in `range` to `out`.
    func append(_ range: Range<Int>, to out: inout [UInt8]) throws(WireError)
}

/// Bytes already in memory (a `Data` handed to the importer, the tests' synthetic models).
struct MemoryBytes: WireBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    var count: Int { bytes.count }
    func byte(at offset: Int) -> UInt8 { bytes[offset] }
    func append(_ range: Range<Int>, to out: inout [UInt8]) { out.append(contentsOf: bytes[range]) }
}

/// A file read with `pread` through a 64 KiB window, so only the ranges the walker asks for are
/// ever read: field headers, and the graph without its weights.
final class FileBytes: WireBytes {
    let count: Int
    private let descriptor: Int32
    private var window: [UInt8] = []
    private var windowStart = 0
    static let windowSize = 64 * 1024

    init(path: String) throws(InputError) {
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError(source: path, place: "", message: "cannot read the file (\(String(cString: strerror(errno)))); check the path")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw InputError(source: path, place: "", message: "cannot read the file (\(reason)); check the path")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw InputError(source: path, place: "", message: "is a folder; give the path of an .onnx file")
        }
        count = Int(status.st_size)
    }

    deinit { close(descriptor) }

    func byte(at offset: Int) throws(WireError) -> UInt8 {
        if offset < windowStart || offset >= windowStart + window.count { try load(at: offset) }
        return window[offset - windowStart]
    }

    func append(_ range: Range<Int>, to out: inout [UInt8]) throws(WireError) {
        if range.count <= Self.windowSize {
            if range.lowerBound < windowStart || range.upperBound > windowStart + window.count { try load(at: range.lowerBound) }
            out.append(contentsOf: window[(range.lowerBound - windowStart)..<(range.upperBound - windowStart)])
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: range.count))
        let failure = out.withUnsafeMutableBytes { buffer in
            readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]), at: range.lowerBound)
        }
        if let failure { throw failure }
    }

    private func load(at offset: Int) throws(WireError) {
        let length = min(Self.windowSize, count - offset)
        var loaded = [UInt8](repeating: 0, count: length)
        if let failure = loaded.withUnsafeMutableBytes({ readFully(into: $0, at: offset) }) { throw failure }
        window = loaded
        windowStart = offset
    }

    /// Fills `buffer` from the file at `offset`; the error, if the read falls short.
    private func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> WireError? {
        var done = 0
        while done < buffer.count {
            let read = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else {
                return WireError(offset: offset + done, reason: read < 0 ? "reading failed (\(String(cString: strerror(errno))))" : "the file ended early")
            }
            done += read
        }
        return nil
    }
}
