import AddAnalysis
import KPUModel
import ReportModel
import Foundation

/// `sweep.csv`: one row per run of a sweep, every configuration field and knob beside the
/// headline figures, units in the headers, so a spreadsheet or pandas can slice the design
/// space. Written from the runs' report.json documents, so a merged sweep gets the same table.
public enum SweepCSV {
    public static let fileName = "sweep.csv"

    public static func data(_ runs: [RunSummary]) -> Data {
        let categories = AddCategory.allCases
        let header =
            [
                "run_id", "model", "batch", "seq", "precision", "aggregation", "sku", "profile", "fusion", "residency", "energy_table"
            ]
            + HardwareKnob.allCases.map { "\($0.rawValue)" }
            + [
                "latency_s", "energy_pj", "edp_j_s", "dram_bytes", "adds_share_energy", "adds_share_latency", "adds_marginal_edp_share",
                "dram_floor_s", "compute_floor_s"
            ]
            + categories.map { "\($0.id)_energy_pj" }
        var rows = [header]
        for run in runs {
            let d = run.document
            let energyByCategory = Dictionary(uniqueKeysWithValues: d.categories.map { ($0.id, $0.energyPj?.total) })
            func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
            rows.append(
                [
                    d.runId, d.model.name, String(d.model.batch), String(d.model.seq), d.model.precision, d.model.aggregation,
                    d.hardware?.id ?? "", d.hardware?.profile ?? "", d.fusion ?? "", d.residency ?? "", d.hardware?.energyTable ?? ""
                ]
                    + HardwareKnob.allCases.map { knob in d.knobs?[knob.rawValue].map(HardwareKnob.text) ?? "" }
                    + [
                        number(d.totals?.latencyS), number(d.totals?.energyPj.total), number(d.totals?.edp), d.totals.map { String($0.bytes.dram) } ?? "",
                        number(d.addTotals.shareEnergy), number(d.addTotals.shareLatency), number(d.addTotals.marginal?.edpShare),
                        number(d.schedule?.dramFloorS), number(d.schedule?.computeFloorS)
                    ]
                    + categories.map { number(energyByCategory[$0.id] ?? nil) })
        }
        return CSV.encode(rows)
    }
}
