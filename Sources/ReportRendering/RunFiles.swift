import Support
import ReportModel
import Foundation
import KPUModel
import XHTMLValidator

/// A run's files (its page, report.json, schedule.json, trace.json and the CSVs), rendered and
/// validated in memory: what the publisher writes into a site.
public enum RunFiles {
    /// A run's files, rendered and validated in memory, each handed to `write`, when given, as
    /// soon as it is ready.
    ///
    /// Two lanes run side by side. The page (model, Mustache, validation) is the longer job, so
    /// the other lane lays out its Gantt charts first, then writes the data files.
    public static func render(
        _ report: RunReport, format: OutputFormat, templates: Templates, pagePath: String,
        write: (@Sendable (String, Data) throws(ReportError) -> Void)? = nil
    ) throws(ReportError) -> [(name: String, data: Data)] {
        typealias Part = Result<[(name: String, data: Data)], ReportError>
        let charts = Handoff<RunPage.GanttCharts?>()
        @Sendable func produce(_ name: String, _ make: () throws -> Data?) -> Part {
            do {
                guard let data = try make() else { return .success([]) }
                if let write { try write(name, data) }
                return .success([(name, data)])
            } catch let error as ReportError {
                return .failure(error)
            } catch {
                return .failure(ReportError("\(report.runID)/\(name): could not encode it: \(error)"))
            }
        }
        // Neither lane throws: failures come back as results.
        let (page, data): (Part, [Part]) = try! concurrently(
            {
                guard format.writesHTML else { return .success([]) }
                return produce("index.html") {
                    let model = RunPage(report: report, hasJSON: format.writesJSON, charts: charts.take())
                    let page = try templates.render(ReflectedView(model), template: "run")
                    try Self.validate(page, file: pagePath)
                    return Data(page.utf8)
                }
            },
            {
                if format.writesHTML { charts.put(RunPage.ganttCharts(for: report)) }
                guard format.writesJSON else { return [] }
                return [
                    produce("report.json") { try report.jsonData() },
                    produce("schedule.json") { try report.scheduleData() },
                    produce("trace.json") { try report.perfettoTraceData() },
                    produce("adds.csv") { report.addsCSV() },
                    produce("ops.csv") { report.opsCSV() }
                ]
            })
        var files: [(name: String, data: Data)] = []
        for part in [page] + data { files += try part.get() }
        return files
    }

    public static func validate(_ page: String, file: String) throws(ReportError) {
        let issues = XHTMLValidator.validate(Array(page.utf8), file: file)
        if let first = issues.first {
            let more = issues.count > 1 ? " (and \(issues.count - 1) more)" : ""
            throw ReportError("\(first)\(more); the page was not published")
        }
    }
}
