import ArgumentParser

/// A command whose help page ends with a few examples.
protocol HasExamples {
    static var examples: [String] { get }
}

/// Help pages and usage errors, each for the command the user named.
enum Help {
    static let subcommands: [any ParsableCommand.Type] = [RunCommand.self, SweepCommand.self, MergeCommand.self, ListCommand.self]

    /// The subcommand the arguments address (`sweep` in `generate-report sweep …` and in
    /// `generate-report help sweep`), or nil for the root.
    static func command(in arguments: [String]) -> (any ParsableCommand.Type)? {
        let words = arguments.first == "help" ? Array(arguments.dropFirst()) : arguments
        guard let first = words.first else { return nil }
        return subcommands.first { $0.configuration.commandName == first }
    }

    /// How to ask for that command's help, for the end of an error line.
    static func invocation(of command: (any ParsableCommand.Type)?) -> String {
        "generate-report" + (command.flatMap { $0.configuration.commandName }.map { " " + $0 } ?? "") + " --help"
    }

    /// The command's help page as swift-argument-parser writes it, then its examples. The root's
    /// page lists the options of `run`, which is what the root does without a subcommand.
    static func page(for command: (any ParsableCommand.Type)?) -> String {
        let text = command.map { GenerateReport.helpMessage(for: $0) } ?? rootPage()
        let examples = (command ?? RunCommand.self) as? any HasExamples.Type
        return text.trimmingTrailingNewlines() + "\n\nEXAMPLES:\n" + (examples?.examples ?? []).map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    /// The root's page with its OPTIONS section (only --version and --help) replaced by run's.
    private static func rootPage() -> String {
        let root = GenerateReport.helpMessage().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let run = GenerateReport.helpMessage(for: RunCommand.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let rootOptions = root.firstIndex(of: "OPTIONS:"), let subcommands = root.firstIndex(of: "SUBCOMMANDS:"),
            let runOptions = run.firstIndex(of: "OPTIONS:")
        else { return root.joined(separator: "\n") }
        let options = ["OPTIONS (of run, what the tool does without a subcommand):"] + run[(runOptions + 1)...].filter { !$0.isEmpty }
        return (root[..<rootOptions] + options + [""] + root[subcommands...]).joined(separator: "\n")
    }

    /// swift-argument-parser's message on one line: a list of allowed values it writes one per
    /// line ("Please provide one of the following:\n  - a\n  - b") becomes "…: a, b".
    static func oneLine(_ message: String) -> String {
        var text = ""
        var items: [String] = []
        for line in message.split(separator: "\n") {
            if line.hasPrefix("  - ") {
                items.append(String(line.dropFirst(4)))
            } else {
                text += (text.isEmpty ? "" : " ") + line
            }
        }
        let line = items.isEmpty ? text : text + " " + items.joined(separator: ", ")
        // The caller goes on after a semicolon.
        return line.hasSuffix(".") ? String(line.dropLast()) : line
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.last == "\n" { text.removeLast() }
        return String(text)
    }
}
