import AddAnalysis
import Foundation
import KPUModel
import ReportModel
import Support

/// `sweep.csv`: one row per run of a sweep, every configuration field and knob beside the
/// headline figures, units in the headers, so a spreadsheet or pandas can slice the design
/// space. Written from the runs' points, so a run without a page has its row; `merge` reads the
/// shards' files back, so the merged site lists every run of every shard.
public enum SweepCSV {
    public static let fileName = "sweep.csv"

    /// The columns: configuration, knobs, figures, each add category's energy, the page.
    static let configurationColumns = [
        "run_id", "model", "batch", "seq", "precision", "aggregation", "kpu", "sku", "profile", "fusion", "residency", "energy_table"
    ]
    static let figureColumns = [
        "latency_s", "energy_pj", "edp_j_s", "dram_bytes", "adds_share_energy", "adds_share_latency", "adds_marginal_edp_share", "dram_floor_s",
        "compute_floor_s"
    ]
    static func categoryColumn(_ category: AddCategory) -> String { "\(category.id)_energy_pj" }
    static var header: [String] {
        configurationColumns + HardwareKnob.allCases.map(\.rawValue) + figureColumns + AddCategory.allCases.map(categoryColumn) + ["page"]
    }

    public static func data(_ points: [SweepPoint]) -> Data {
        var rows = [header]
        rows.reserveCapacity(points.count + 1)
        for point in points {
            let configuration = [
                point.runID, point.model, String(point.batch), String(point.seq), point.precision, point.aggregation, point.kpu, point.sku,
                point.profile, point.fusion, point.residency, point.energyTable
            ]
            let knobs = HardwareKnob.allCases.map { knob in point.knobs[knob].map(HardwareKnob.text) ?? "" }
            let figures = [
                "\(point.latency.seconds)", "\(point.energy.picojoules)", "\(point.edp.jouleSeconds)", String(point.dramBytes),
                "\(point.addShareOfEnergy)", "\(point.addShareOfLatency)", point.addMarginalEDPShare.map { "\($0)" } ?? "",
                "\(point.dramFloor.seconds)", "\(point.computeFloor.seconds)"
            ]
            let categories = AddCategory.allCases.map { category in point.categoryEnergy[category.id].map { "\($0.picojoules)" } ?? "" }
            rows.append(configuration + knobs + figures + categories + [point.page ?? ""])
        }
        return CSV.encode(rows)
    }

    /// The points of a `sweep.csv` this tool wrote; a malformed file is an error naming the line
    /// and column.
    public static func points(from data: Data, file: String) throws(ReportError) -> [SweepPoint] {
        let rows: [[String]]
        do { rows = try CSV.decode(data) } catch { throw ReportError("\(file): \(error); merge reads the sweep.csv a shard wrote") }
        guard let header = rows.first else { throw ReportError("\(file): is empty; merge reads the sweep.csv a shard wrote") }
        let column = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for name in configurationColumns + figureColumns where column[name] == nil {
            throw ReportError("\(file): line 1: no \(name) column; is it a sweep.csv written by generate-report \(ToolInfo.version)?")
        }
        return try rows.dropFirst().enumerated().map { offset, row throws(ReportError) in
            let line = offset + 2
            guard row.count == header.count else {
                throw ReportError("\(file): line \(line): \(row.count) cells where the header has \(header.count); the file is cut or edited")
            }
            func text(_ name: String) -> String { column[name].map { row[$0] } ?? "" }
            func number(_ name: String) throws(ReportError) -> Double {
                guard let value = Double(text(name)), value.isFinite else {
                    throw ReportError("\(file): line \(line): \(name) \"\(text(name))\" is not a number")
                }
                return value
            }
            func optional(_ name: String) throws(ReportError) -> Double? { text(name).isEmpty ? nil : try number(name) }
            func whole(_ name: String) throws(ReportError) -> Int {
                guard let value = Int(text(name)) else { throw ReportError("\(file): line \(line): \(name) \"\(text(name))\" is not a whole number") }
                return value
            }
            var knobs: [HardwareKnob: Double] = [:]
            for knob in HardwareKnob.allCases { knobs[knob] = try optional(knob.rawValue) }
            var categories: [String: Energy] = [:]
            for category in AddCategory.allCases {
                if let picojoules = try optional(categoryColumn(category)) { categories[category.id] = Energy(picojoules: picojoules) }
            }
            return SweepPoint(
                runID: text("run_id"), model: text("model"), batch: try whole("batch"), seq: try whole("seq"), precision: text("precision"),
                aggregation: text("aggregation"), kpu: text("kpu"), sku: text("sku"), profile: text("profile"), energyTable: text("energy_table"),
                fusion: text("fusion"), residency: text("residency"), knobs: knobs, latency: TimeSpan(seconds: try number("latency_s")),
                energy: Energy(picojoules: try number("energy_pj")), edp: EnergyDelay(jouleSeconds: try number("edp_j_s")),
                dramBytes: try whole("dram_bytes"), addShareOfEnergy: try number("adds_share_energy"),
                addShareOfLatency: try number("adds_share_latency"), addMarginalEDPShare: try optional("adds_marginal_edp_share"),
                dramFloor: TimeSpan(seconds: try number("dram_floor_s")), computeFloor: TimeSpan(seconds: try number("compute_floor_s")),
                categoryEnergy: categories, page: text("page").isEmpty ? nil : text("page"))
        }
    }
}
