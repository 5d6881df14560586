import Foundation

/// The files `--config`, `--onnx` and `--hardware-file` name, checked for being folders before
/// they are read: reading a folder fails with a message about a file that cannot be read.
enum InputPath {
    /// The config file: `path` itself, or `config.json` inside it when `path` is a folder (the
    /// way Hugging Face and sentence-transformers checkpoints are laid out).
    static func config(_ path: String) throws -> String {
        guard isFolder(path) else { return path }
        let inside = URL(fileURLWithPath: path).appendingPathComponent("config.json").path
        guard FileManager.default.fileExists(atPath: inside), !isFolder(inside) else {
            throw RunRequestError("\(path): is a folder without a config.json; --config takes a Hugging Face config.json or the folder holding it")
        }
        return inside
    }

    /// Throws when `path` is a folder, naming the files in it that `option` would take.
    static func requireFile(_ path: String, option: String, takes what: String, extensions: Set<String>) throws {
        guard isFolder(path) else { return }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
            .filter { extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }.sorted()
        let hint =
            names.isEmpty
            ? ""
            : "; it holds " + names.prefix(3).joined(separator: ", ") + (names.count > 3 ? ", …" : "")
                + ": give \(option) " + URL(fileURLWithPath: path).appendingPathComponent(names[0]).relativePath
        throw RunRequestError("\(path): is a folder; \(option) takes \(what)\(hint)")
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
