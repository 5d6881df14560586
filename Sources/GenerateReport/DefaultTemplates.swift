import Support
import ArgumentParser
import Foundation
import KPUModel
import ModelGraph
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

/// The templates used without --templates (a templates/ folder here or beside the binary, else
/// the built-in copy), parsed on another thread from the moment the process starts: parsing
/// them and parsing the command line take a few milliseconds each, and neither needs the other.
enum DefaultTemplates {
    /// Started by the first use: `startLoading()` at start-up, else the first `loaded()`.
    private static let loading = BackgroundJob { try load() }

    static func startLoading() { _ = loading }

    /// The templates parsed since start-up, waiting for them if need be.
    static func loaded() throws -> Templates { try loading.result() }

    private static func load() throws -> Templates {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : "/proc/self/exe")
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return try Templates.locate(executable: executable, workingDirectory: here).map { directory throws in try Templates(directory: directory) }
            ?? Templates.bundled()
    }
}
