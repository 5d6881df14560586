import ReportModel
import Support

extension ReportDocument {
    /// The headline figures as the site index and the comparison page print them.
    var cells: (latency: String, energy: String, edp: String, addShare: String) {
        (
            latency: totals.map { Format.seconds($0.latencyS) } ?? "—",
            energy: totals.map { Format.joules($0.energyPj.joules) } ?? "—",
            edp: totals.map { Format.scientific($0.edp, unit: "J·s") } ?? "—",
            addShare: addTotals.shareEnergy.map { Format.percent($0) } ?? "—"
        )
    }
}
