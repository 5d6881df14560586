import ArgumentParser
import Foundation
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

/// `generate-report merge`: the sites sweep shards wrote, combined into one.
struct MergeCommand: ParsableCommand, HasExamples, SingleValuedOptions {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the sites written by sweep shards into one site (runs, history, index, comparison)."
    )

    static let examples = [
        "generate-report merge shard1 shard2 shard3 shard4 --out reports",
        "generate-report merge shard1 shard2 --out reports --baseline last-night/"
    ]

    static let singleValued = SiteOptions.singleValued
    static let sweepable: Set<String> = []

    @Argument(help: ArgumentHelp("The shards' --out folders.", valueName: "dir"))
    var folders: [String]

    @OptionGroup var site: SiteOptions

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give the shards' site folders to merge") }
    }

    func run() throws {
        let options = try site.publishOptions()
        let assembly = try Publisher(root: URL(fileURLWithPath: site.out), templates: try site.loadTemplates())
        let outcome = try Sweep.merge(folders, into: assembly, options: options)
        try site.finish(outcome, runFiles: false)
    }
}
