import Foundation

// Run by the EmbedResources build-tool plugin (Plugins/EmbedResources):
//
//     EmbedResourcesTool OUTPUT.swift ENUM FOLDER EXTENSION recursive|flat DOCUMENTATION
//
// writes OUTPUT.swift declaring `enum ENUM { static let files: [String: String] }` with the text
// of every FOLDER/*.EXTENSION file as a raw string literal: keyed by its path below FOLDER when
// recursive (subfolders included), by its name without the extension when flat.

/// The files to embed, each with its key, sorted by key. Hidden files are skipped.
/// (The plugin lists them the same way, to declare them as the command's inputs.)
func files(in folder: URL, pathExtension: String, recursive: Bool) throws -> [(key: String, url: URL)] {
    let manager = FileManager.default
    var found: [(key: String, url: URL)] = []
    func visit(_ directory: URL, prefix: String) throws {
        for name in try manager.contentsOfDirectory(atPath: directory.path) where !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if recursive { try visit(url, prefix: prefix + name + "/") }
            } else if url.pathExtension == pathExtension {
                let key = recursive ? prefix + name : String(name.dropLast(pathExtension.count + 1))
                found.append((key, url))
            }
        }
    }
    try visit(folder, prefix: "")
    return found.sorted { $0.key < $1.key }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// The text as an escaped one-line string literal.
func quoted(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": escaped += "\\\\"
        case "\"": escaped += "\\\""
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: escaped += "\\u{\(String(scalar.value, radix: 16))}"
        default: escaped.unicodeScalars.append(scalar)
        }
    }
    return escaped + "\""
}

/// The text as a Swift string literal that evaluates to exactly that text: a multi-line raw
/// literal, with enough `#`s that nothing in the text closes it or starts an escape; an
/// escaped one-line literal for text a multi-line literal would change (carriage returns,
/// which the compiler turns into line feeds, and other control characters).
func literal(_ text: String) -> String {
    if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }) {
        return quoted(text)
    }
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    // The line break before the closing delimiter is not part of the string, so the text keeps its own last one.
    return hashes + "\"\"\"\n" + text + "\n\"\"\"" + hashes
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 6, ["recursive", "flat"].contains(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: EmbedResourcesTool OUTPUT.swift ENUM FOLDER EXTENSION recursive|flat DOCUMENTATION\n".utf8))
    exit(2)
}
let (output, enumName, folder, pathExtension, documentation) = (arguments[0], arguments[1], URL(fileURLWithPath: arguments[2]), arguments[3], arguments[5])
let found: [(key: String, url: URL)]
do {
    found = try files(in: folder, pathExtension: pathExtension, recursive: arguments[4] == "recursive")
} catch {
    fail("\(folder.path): cannot list the files to embed (\(error))")
}
var entries: [String] = []
for (key, url) in found {
    guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
        fail("\(url.path): cannot read this file as UTF-8 text to embed it")
    }
    entries.append("        \(quoted(key)): \(literal(text)),")
}
let source = """
    // Generated on each build by the EmbedResources plugin from \(folder.lastPathComponent)/; edit the files there.

    \(documentation.split(separator: "\n", omittingEmptySubsequences: false).map { "/// \($0)" }.joined(separator: "\n"))
    enum \(enumName) {
        static let files: [String: String] = [
    \(entries.joined(separator: "\n"))
        ]
    }

    """
// Written only when it changed, so an unchanged file does not recompile the target.
if FileManager.default.contents(atPath: output) != Data(source.utf8) {
    do {
        try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    } catch {
        fail("\(output): cannot write the embedded files (\(error))")
    }
}

#if FUZZING
    // scripts/fuzz passes -sanitize=fuzzer to every target SwiftPM builds, this build-time tool
    // included; libFuzzer's runtime then needs this entry point to link. It is never called: the
    // tool's own code stays its entry point (SwiftPM links it as main).
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32 { 0 }
#endif
