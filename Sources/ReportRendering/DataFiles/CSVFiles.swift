import AddAnalysis
import Support
import ReportModel
import Foundation
import KPUModel

/// `adds.csv` (a row per add) and `ops.csv` (a row per operator): the page's numbers in a form a
/// spreadsheet or a notebook reads directly.
extension RunReport {
    public func addsCSV() -> Data {
        var rows = [
            [
                "name", "category", "fused_in", "shape", "dtype", "elements", "flops", "least_bytes",
                "dram_bytes", "l3_bytes", "l2_bytes", "l1_bytes", "energy_pj", "latency_s"
            ]
        ]
        for record in analysis.records {
            var row = [
                record.name, record.category.id, record.fusedIn ?? "", CSV.shape(record.shape), record.dtype.rawValue,
                String(record.elements), String(record.flops), String(record.minimalBytes)
            ]
            if let kpu, !record.embedded {
                let op = kpu.chosen.operators[record.opIndex]
                row += [
                    String(op.traffic.dram.total), String(op.traffic.l3.total), String(op.traffic.l2.total), String(op.traffic.l1.total),
                    CSV.picojoules(op.energy.total), CSV.seconds(op.latency)
                ]
            } else {
                // Inside another op: costed with it.
                row += ["", "", "", "", "", ""]
            }
            rows.append(row)
        }
        return CSV.encode(rows)
    }

    public func opsCSV() -> Data? {
        guard let kpu else { return nil }
        var rows = [
            [
                "index", "name", "kind", "add_category", "fused_in", "group_head", "shape", "macs", "dram_bytes", "l3_bytes", "l2_bytes", "l1_bytes",
                "compute_cycles", "utilization", "energy_compute_pj", "energy_memory_pj", "energy_engines_pj", "energy_static_pj",
                "energy_pj", "latency_s", "tiles_used"
            ] + ["a", "b", "c"].flatMap { operand in ["dram", "l3", "l2", "l1"].map { "\(operand)_\($0)_bytes" } }
                // The op's fused group against the roofs (the op alone when not fused).
                + ["roof", "intensity_dram", "intensity_l3", "bound", "mapping"]
        ]
        let roofline = kpu.roofline
        for op in kpu.chosen.operators {
            let index = op.opIndex
            let point = roofline.point(ofOp: index)
            let intensities = Roofline.Memory.allCases.map { memory in
                point?.demand.intensity(at: memory).map { Format.significant($0, digits: 6) } ?? ""
            }
            rows.append(
                [
                    String(index), kpu.opPaths[index], kpu.opKinds[index].rawValue, kpu.categoryOfOp[index]?.id ?? "", kpu.opOrigins[index] ?? "",
                    kpu.opPaths[op.groupHead], CSV.shape(kpu.opShapes[index]), String(op.macs),
                    String(op.traffic.dram.total), String(op.traffic.l3.total), String(op.traffic.l2.total), String(op.traffic.l1.total),
                    String(op.computeCycles), Format.fixed(op.utilization, decimals: 4),
                    CSV.picojoules(op.energy.compute), CSV.picojoules(op.energy.memory), CSV.picojoules(op.energy.engines),
                    CSV.picojoules(op.energy.staticEnergy), CSV.picojoules(op.energy.total), CSV.seconds(op.latency),
                    kpu.chosen.mapping[index].tiling.map { String($0.tilesUsed) } ?? ""
                ]
                    + ["A", "B", "C"].flatMap { operand -> [String] in
                        // Matmuls only: each operand's bytes at each level (read + written).
                        guard let traffic = op.trafficByTensor[operand] else { return ["", "", "", ""] }
                        return MemoryLevel.allCases.map { String(traffic[$0].total) }
                    } + [point?.demand.roof.rawValue ?? ""] + intensities + [point?.bound.rawValue ?? ""]
                    + [MappingText.sentence(for: kpu.graph.ops[index], of: kpu)])
        }
        return CSV.encode(rows)
    }
}

/// RFC 4180 CSV, with cells that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, tab or carriage return) prefixed with a quote so they stay text. Numbers written by
/// the tool never start with those characters except negative ones, which it does not produce.
enum CSV {
    static func encode(_ rows: [[String]]) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 160)
        for row in rows {
            for (column, text) in row.enumerated() {
                if column > 0 { out.append(UInt8(ascii: ",")) }
                appendCell(text, to: &out)
            }
            out += [0x0D, 0x0A]
        }
        return Data(out)
    }

    static func cell(_ raw: String) -> String {
        var out: [UInt8] = []
        appendCell(raw, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Works on UTF-8 bytes: ops.csv has thousands of cells.
    static func appendCell(_ raw: String, to out: inout [UInt8]) {
        let utf8 = raw.utf8
        let formula = utf8.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains($0) } ?? false
        let quoted = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        if quoted { out.append(UInt8(ascii: "\"")) }
        if formula { out.append(UInt8(ascii: "'")) }
        if quoted {
            for byte in utf8 {
                out.append(byte)
                if byte == UInt8(ascii: "\"") { out.append(byte) }
            }
            out.append(UInt8(ascii: "\""))
        } else {
            out += utf8
        }
    }

    /// A malformed file: the line where reading stopped, and why.
    struct DecodingError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    /// Reads what ``encode(_:)`` writes: quoted cells with doubled quotes, CRLF or LF line ends,
    /// and the quote that keeps a formula-like cell text taken off again.
    static func decode(_ data: Data) throws(DecodingError) -> [[String]] {
        let bytes = [UInt8](data)
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), apostrophe = UInt8(ascii: "'")
        let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]
        var rows: [[String]] = [], row: [String] = [], cell: [UInt8] = []
        var index = 0, line = 1, quoted = false, cellStarted = false
        func endCell() {
            if cell.count > 1, cell[0] == apostrophe, formulaStarts.contains(cell[1]) { cell.removeFirst() }
            row.append(String(decoding: cell, as: UTF8.self))
            cell = []
            cellStarted = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == quote {
                    if index < bytes.count, bytes[index] == quote {
                        cell.append(quote)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    cell.append(byte)
                }
                continue
            }
            switch byte {
            case quote where !cellStarted:
                quoted = true
                cellStarted = true
            case quote:
                throw DecodingError(line: line, reason: "a quote inside an unquoted cell")
            case comma:
                endCell()
            case 0x0D where index < bytes.count && bytes[index] == 0x0A:
                continue
            case 0x0A:
                endCell()
                rows.append(row)
                row = []
                line += 1
            default:
                cell.append(byte)
                cellStarted = true
            }
        }
        if quoted { throw DecodingError(line: line, reason: "a quoted cell is not closed; the file is cut") }
        if cellStarted || !row.isEmpty {
            endCell()
            rows.append(row)
        }
        return rows
    }

    /// `1x128x768`: plain ASCII, no comma to quote.
    static func shape(_ dims: [Int]) -> String { dims.map(String.init).joined(separator: "x") }

    /// Femtojoules as picojoules with three decimals, exactly.
    static func picojoules(_ energy: Energy) -> String {
        let femtojoules = energy.femtojoules
        let whole = femtojoules / 1000, fraction = abs(femtojoules % 1000)
        let digits = String(fraction)
        return "\(whole).\(String(repeating: "0", count: 3 - digits.count))\(digits)"
    }

    /// Picoseconds as seconds, exactly (12 decimals).
    static func seconds(_ time: TimeSpan) -> String {
        let picoseconds = time.picoseconds
        let whole = picoseconds / 1_000_000_000_000, fraction = picoseconds % 1_000_000_000_000
        let digits = String(fraction)
        return "\(whole).\(String(repeating: "0", count: 12 - digits.count))\(digits)"
    }
}
