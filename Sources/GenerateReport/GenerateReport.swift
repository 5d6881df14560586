import Support
import ArgumentParser
import Foundation
import KPUModel
import ModelGraph
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing

/// `generate-report`: builds or reads a transformer's graph, classifies its adds, and publishes a validated report.
///
/// The stages live in their own modules (run through `Pipeline`); this command only reads
/// options and maps every failure to one line on stderr: exit 2 for bad input, 3 for a
/// regression beyond --fail-on-regression.
@main
struct GenerateReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-report",
        abstract: "Report where a transformer's tensor additions spend memory traffic, energy and time on a KPU, as a static HTML site.",
        usage: """
            generate-report                  (the default report: \(RunRequest.defaultModel), \(RunRequest.defaultPrecision.rawValue), \(RunDescriptor.HardwareChoice.defaultSKU), into reports/)
            generate-report [run] [--model <preset> | --config <file> | --onnx <file>] [<options>]
            generate-report sweep (--grid <file> | --model <preset> ...) [<options>]
            generate-report merge <dir> ... [<options>]
            generate-report list
            """,
        discussion: """
            Without a subcommand, reports one configuration: the options below are run's. \
            'generate-report list' prints the presets, SKUs and their thermal profiles, energy tables and fusion policies.
            """,
        version: ToolInfo.version,
        subcommands: [RunCommand.self, SweepCommand.self, MergeCommand.self, ListCommand.self],
        defaultSubcommand: RunCommand.self
    )

    static func main() {
        DefaultTemplates.startLoading()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if let options = (Help.command(in: arguments) ?? RunCommand.self) as? any SingleValuedOptions.Type {
                try RepeatedOptions.check(arguments, singleValued: options.singleValued, sweepable: options.sweepable)
            }
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let error as RegressionFound {
            FileHandle.standardError.write(
                Data("generate-report: \(error.gate ? "regression gate" : "regression"): \(error.lines.joined(separator: "; "))\n".utf8))
            Foundation.exit(3)
        } catch let error as RunRequestError {
            fail(error.description)
        } catch let error as SweepError {
            fail(error.description)
        } catch let error as InputError {
            fail(error.description)
        } catch let error as ReportError {
            fail(error.description)
        } catch let error as InputError {
            fail(error.description)
        } catch {
            // Help and --version exit 0 through here; a malformed command line is a usage error,
            // pointing to the help of the command it was meant for.
            let command = Help.command(in: arguments)
            if exitCode(for: error) == .success {
                let message = fullMessage(for: error)
                print(message == ToolInfo.version ? message : Help.page(for: command), terminator: message == ToolInfo.version ? "\n" : "")
                Foundation.exit(0)
            }
            fail("\(Help.oneLine(message(for: error))); see '\(Help.invocation(of: command))'")
        }
    }

    /// One line on stderr, exit code 2: the contract for every kind of bad input.
    static func fail(_ message: String) -> Never {
        let line = "generate-report: error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
        Foundation.exit(2)
    }
}
