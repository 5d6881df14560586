import Foundation
import PackagePlugin

/// Builds the project's data files into the targets that read them, so `data/` and `templates/`
/// are the only copy and an installed binary still carries them: on each build where one of
/// the files changed, `EmbedResourcesTool` writes them into a Swift source file of raw string
/// literals (an enum with `static let files: [String: String]`) that the target compiles.
///
/// - KPUModel: `BuiltInData`, every `*.yaml` under `data/`, keyed by its path below `data/`
///   (`energy-tables.yaml`, `hardware/kpu-t256.yaml`).
/// - Report: `BundledTemplates`, every `templates/*.mustache`, keyed by its name without the extension.
///
/// Raw string literals rather than `.embedInCode` resources: those are byte-array literals,
/// which the compiler type-checks far more slowly (README, Embedded data and templates).
@main
struct EmbedResources: BuildToolPlugin {
    struct Embedding {
        let folder: String
        let pathExtension: String
        let recursive: Bool
        let enumName: String
        let documentation: String
    }

    static let embeddings: [String: Embedding] = [
        "KPUModel": Embedding(
            folder: "data", pathExtension: "yaml", recursive: true, enumName: "BuiltInData",
            documentation: "The project's data files, embedded so the binary needs nothing beside it.\nKeys are paths relative to `data/`."
        ),
        "ReportRendering": Embedding(
            folder: "templates", pathExtension: "mustache", recursive: false, enumName: "BundledTemplates",
            documentation:
                "The templates in templates/, built into the binary: the fallback when no templates folder is\nfound beside it or given with --templates. Keys are template names."
        )
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let embedding = Self.embeddings[target.name] else {
            throw PluginError("EmbedResources: no embedding is defined for target \(target.name); add it to EmbedResources.embeddings")
        }
        let folder = context.package.directoryURL.appending(path: embedding.folder, directoryHint: .isDirectory)
        let files = try Self.files(in: folder, pathExtension: embedding.pathExtension, recursive: embedding.recursive)
        guard !files.isEmpty else {
            throw PluginError("EmbedResources: \(folder.path) holds no .\(embedding.pathExtension) file to embed")
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(embedding.enumName).swift")
        return [
            .buildCommand(
                displayName: "Embedding \(embedding.folder) in \(target.name)",
                executable: try context.tool(named: "EmbedResourcesTool").url,
                arguments: [
                    output.path, embedding.enumName, folder.path, embedding.pathExtension,
                    embedding.recursive ? "recursive" : "flat", embedding.documentation
                ],
                // The tool lists the folder itself when it runs. The folders are inputs too, so adding
                // or removing a file reruns it; SwiftPM plans these commands again only when the
                // package's structure changes, so a file added since then is embedded but its own
                // edits are noticed only after that (README, Embedded data and templates).
                inputFiles: files.map(\.url) + Self.folders(of: files.map(\.key), in: folder),
                outputFiles: [output]
            )
        ]
    }

    /// The files to embed, each with its key, sorted by key. Hidden files are skipped.
    /// (EmbedResourcesTool lists them the same way: a plugin cannot share code with a tool.)
    static func files(in folder: URL, pathExtension: String, recursive: Bool) throws -> [(key: String, url: URL)] {
        let manager = FileManager.default
        var found: [(key: String, url: URL)] = []
        func visit(_ directory: URL, prefix: String) throws {
            for name in try manager.contentsOfDirectory(atPath: directory.path) where !name.hasPrefix(".") {
                let url = directory.appending(path: name)
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

    /// The folder and each subfolder a key lies in.
    static func folders(of keys: [String], in folder: URL) -> [URL] {
        let subfolders = Set(keys.compactMap { key in key.lastIndex(of: "/").map { String(key[..<$0]) } })
        return [folder] + subfolders.sorted().map { folder.appending(path: $0, directoryHint: .isDirectory) }
    }
}

struct PluginError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
