import Support
import Foundation
import Pipeline
import ReportModel
import ReportRendering
import SitePublishing
import TestFixtures
import Testing
import XHTMLValidator
@testable import ONNXImport

/// Strings a published report may receive from files other people made. Each must come out
/// escaped for its context (HTML and SVG, CSV, JSON) and never run, break a page or a file.
let hostileStrings: [String] = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'><svg onload=alert(1)>", "</style><script>x</script>",
    "]]>", "--!>", "<!--", "-->", "javascript:alert(1)", "JaVaScRiPt:alert(document.domain)", "vbscript:msgbox",
    "data:text/html,<script>x</script>", "line\u{2028}separator", "para\u{2029}separator", "nul\u{0}byte", "\u{202E}override rtl",
    "\u{202D}override ltr", "\u{2066}isolate\u{2069}", "=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(1)", "=HYPERLINK(\"http://x\",\"y\")",
    "\ttab first", "\rcarriage first", "a,b,\"c\"", "line\nbreak", "&amp;", "&lt;b&gt;", "'single'", "\"double\"",
    "{{mustache}}", "{{{triple}}}", "{{> partial}}", "\\u0000", "%00", "../../etc/passwd", "/absolute/path", "C:\\windows\\system32",
    "<a href=\"javascript:x\">link</a>", "<iframe src=//evil.example>", "url(javascript:x)", "expression(alert(1))",
    "\u{FFFE}", "\u{FFFF}", "\u{1}\u{2}\u{1F}", "\u{7F}\u{85}\u{9F}", "😀 emoji", "𝕏 astral", "\u{FEFF}bom", "<![CDATA[x]]>",
    "<?xml version=\"1.0\"?>", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;", "</title>", "</textarea>",
    "onmouseover=alert(1)", "style=\"background:url(x)\"", "#fragment", "?query=1&b=2",
    String(repeating: "A<", count: 50_000)
]

@Suite struct HostileInputTests {
    static let fixture = Fixture.url("onnx/bert-tiny.legacy14.onnx")

    /// The fixture with every node, tensor and the graph renamed to hostile strings.
    static func hostileExport() throws -> Data {
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: fixture))
        var renamed: [String: String] = [:]
        func rename(_ name: String) -> String {
            if name.isEmpty { return name }
            if let known = renamed[name] { return known }
            // A number keeps names unique, as ONNX requires.
            let new = hostileStrings[renamed.count % hostileStrings.count] + "#\(renamed.count)"
            renamed[name] = new
            return new
        }
        model.producerName = hostileStrings[0]
        model.docString = hostileStrings[1]
        model.graph.name = hostileStrings[2]
        model.graph.docString = hostileStrings[3]
        for index in model.graph.node.indices {
            model.graph.node[index].name = hostileStrings[index % hostileStrings.count]
            model.graph.node[index].docString = hostileStrings[(index + 7) % hostileStrings.count]
            model.graph.node[index].input = model.graph.node[index].input.map(rename)
            model.graph.node[index].output = model.graph.node[index].output.map(rename)
        }
        for index in model.graph.initializer.indices { model.graph.initializer[index].name = rename(model.graph.initializer[index].name) }
        for index in model.graph.input.indices { model.graph.input[index].name = rename(model.graph.input[index].name) }
        for index in model.graph.output.indices { model.graph.output[index].name = rename(model.graph.output[index].name) }
        for index in model.graph.valueInfo.indices { model.graph.valueInfo[index].name = rename(model.graph.valueInfo[index].name) }
        return try model.serializedData()
    }

    /// Publishes one run and checks every file of it in its own context.
    static func publishAndCheck(_ request: RunRequest, in folder: URL) throws {
        let site = folder.appendingPathComponent("site")
        let report = try RunPipeline(date: nil).report(request)
        let published = try Publisher.publish(report, format: .both, into: site, templates: try Templates(directory: projectTemplates))
        for url in published.files + [published.siteIndex].compactMap({ $0 }) {
            let data = try Data(contentsOf: url)
            let text = String(decoding: data, as: UTF8.self)
            switch url.pathExtension {
            case "html":
                #expect(XHTMLValidator.validate(Array(data), file: url.path) == [], "\(url.lastPathComponent) does not validate")
                for raw in ["<script", "<img", "<iframe", "<svg onload", "<a href=\"javascript", "<![CDATA[", "<!ENTITY", "\u{0}"] {
                    #expect(!text.contains(raw), "\(url.lastPathComponent) carries \(raw.debugDescription) unescaped")
                }
            case "json":
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(url.lastPathComponent) is not valid JSON")
            case "csv":
                for (row, cells) in parseCSV(text).enumerated() {
                    for cell in cells {
                        if let first = cell.unicodeScalars.first {
                            #expect(
                                !"=+-@\t\r".unicodeScalars.contains(first),
                                "\(url.lastPathComponent) row \(row): cell \(cell.prefix(40).debugDescription) would run as a formula")
                        }
                    }
                }
            default:
                break
            }
        }
    }

    @Test func hostileNamesInAnONNXExportComeOutEscaped() throws {
        #expect(hostileStrings.count >= 50)
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("hostile.onnx")
        try Self.hostileExport().write(to: file)
        try Self.publishAndCheck(RunRequest(model: .onnx(file.path)), in: folder)
        // The names are carried, not dropped: report.json has the adds under their hostile names.
        let site = folder.appendingPathComponent("site")
        let runs = try FileManager.default.contentsOfDirectory(atPath: site.path).filter { $0.hasPrefix("hostile") }
        let json = try Data(contentsOf: site.appendingPathComponent(runs[0]).appendingPathComponent("report.json"))
        let adds = try #require((try JSONSerialization.jsonObject(with: json) as? [String: Any])?["adds"] as? [[String: Any]])
        let names = adds.compactMap { $0["name"] as? String }
        #expect(names.contains { name in hostileStrings.contains { !$0.isEmpty && name.hasPrefix($0) } })
    }

    @Test func hostileNameInAConfigComesOutEscaped() throws {
        let folder = try temporaryFolder()
        for (index, name) in hostileStrings.enumerated() where index % 5 == 0 || name.count > 1000 {
            let config = folder.appendingPathComponent("config-\(index).json")
            let json: [String: Any] = [
                "_name_or_path": name, "model_type": "bert", "hidden_size": 32, "num_hidden_layers": 1,
                "num_attention_heads": 2, "intermediate_size": 64
            ]
            try JSONSerialization.data(withJSONObject: json).write(to: config)
            try Self.publishAndCheck(RunRequest(model: .config(config.path), seq: 16), in: folder.appendingPathComponent("run-\(index)"))
        }
    }

    @Test func invalidUTF8InAnExportIsAClearError() throws {
        let folder = try temporaryFolder()
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: Self.fixture))
        model.graph.node[0].name = "SURROGATE!"
        var bytes = [UInt8](try model.serializedData())
        // A lone UTF-16 surrogate written as UTF-8 (ED A0 80): not valid UTF-8; same length, so the protobuf framing holds.
        let marker = Array("SURROGATE!".utf8)
        let at = try #require((0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        bytes.replaceSubrange(at..<(at + 3), with: [0xED, 0xA0, 0x80])
        let file = folder.appendingPathComponent("surrogate.onnx")
        try Data(bytes).write(to: file)
        do {
            try Self.publishAndCheck(RunRequest(model: .onnx(file.path)), in: folder)
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix(file.path) && !message.contains("\n"), "unclear error: \(message)")
        }
    }
}

/// RFC 4180 cells, enough to check what a spreadsheet would see first in each.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
    var scalars = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    while let scalar = pending ?? scalars.next() {
        pending = nil
        if quoted {
            if scalar == "\"" {
                if let next = scalars.next() {
                    if next == "\"" { cell.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else {
                    quoted = false
                }
            } else {
                cell.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" && cell.isEmpty {
            quoted = true
        } else if scalar == "," {
            row.append(cell); cell = ""
        } else if scalar == "\r" {
            continue
        } else if scalar == "\n" {
            row.append(cell); rows.append(row); row = []; cell = ""
        } else {
            cell.unicodeScalars.append(scalar)
        }
    }
    if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
    return rows
}

@Suite struct LimitTests {
    static func config(layers: Int, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("deep-\(layers).json")
        let json: [String: Any] = ["model_type": "bert", "hidden_size": 8, "num_hidden_layers": layers, "num_attention_heads": 2, "intermediate_size": 16]
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return url
    }

    @Test func deepGraphsAreCappedOnThePageAndRefusedPastTheLimit() throws {
        let folder = try temporaryFolder()
        // 120 layers: about 4,000 operators, more than a page table shows.
        let report = try RunPipeline(date: nil).report(RunRequest(model: .config(try Self.config(layers: 120, in: folder).path), seq: 8))
        let published = try Publisher.publish(
            report, format: .both, into: folder.appendingPathComponent("site"), templates: try Templates(directory: projectTemplates))
        let page = try String(contentsOf: try #require(published.files.first { $0.lastPathComponent == "index.html" }), encoding: .utf8)
        #expect(page.contains("The first 3,000 of"))
        #expect(page.components(separatedBy: "<td class=\"mapping\">").count - 1 == 3_000)
        let csv = try String(contentsOf: try #require(published.files.first { $0.lastPathComponent == "ops.csv" }), encoding: .utf8)
        #expect(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count - 1 == report.kpu!.chosen.operators.count)
        // 4,000 layers: about 120,000 operators, past the limit: a clear error.
        do {
            _ = try RunPipeline(date: nil).report(RunRequest(model: .config(try Self.config(layers: 4_000, in: folder).path), seq: 8))
            Issue.record("a graph past the operator limit was modelled")
        } catch let error as RunRequestError {
            #expect(error.description.contains("operators; this tool models up to 100000"))
        }
    }

    @Test func aTwoGigabyteFieldIsRefusedWithoutReadingIt() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("huge.onnx")
        var bytes = [UInt8](try Data(contentsOf: HostileInputTests.fixture))
        // An unknown field (21) claiming 2.1 GB, written sparse: the file is 2.1 GB on paper only.
        let length = 2_100_000_000
        func varint(_ number: Int) {
            var value = number
            while value >= 0x80 { bytes.append(UInt8(value & 0x7F) | 0x80); value >>= 7 }
            bytes.append(UInt8(value))
        }
        varint((21 << 3) | 2)
        varint(length)
        try Data(bytes).write(to: file)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seek(toOffset: UInt64(bytes.count + length - 1))
        try handle.write(contentsOf: [0])
        try handle.close()
        do {
            _ = try RunPipeline(date: nil).report(RunRequest(model: .onnx(file.path)))
            Issue.record("a 2 GB field was accepted")
        } catch {
            #expect("\(error)".contains("field 21 holds 2100000007 bytes, more than the 256 MiB"))
        }
    }
}

@Suite struct HostileHardwareTests {
    /// Names from a ComputeProduct file and a profile label from the command line reach the
    /// pages, the CSVs and the JSON files escaped.
    @Test func hostileSKUAndProfileNamesComeOutEscaped() throws {
        let folder = try temporaryFolder()
        let original = try String(contentsOf: projectRoot.appendingPathComponent("data/hardware/kpu-t64.yaml"), encoding: .utf8)
        for (index, hostile) in hostileStrings.enumerated() where index % 6 == 1 && hostile.count < 1_000 {
            // YAML double-quoted scalars: escape backslash and quote, and write controls as \u escapes.
            var quoted = "\""
            for scalar in hostile.unicodeScalars {
                switch scalar {
                case "\\": quoted += "\\\\"
                case "\"": quoted += "\\\""
                case _
                where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                    quoted += String(format: "\\u%04X", scalar.value)
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            quoted += "\""
            let text =
                original
                .replacingOccurrences(of: "name: Stillwater KPU-T64", with: "name: \(quoted)")
                .replacingOccurrences(of: "  - name: 6W", with: "  - name: \(quoted)")
                .replacingOccurrences(of: "default_thermal_profile: 6W", with: "default_thermal_profile: \(quoted)")
            let file = folder.appendingPathComponent("sku-\(index).yaml")
            try text.write(to: file, atomically: true, encoding: .utf8)
            do {
                try HostileInputTests.publishAndCheck(
                    RunRequest(model: .preset("bert-tiny"), hardware: .file(file.path), profile: hostile),
                    in: folder.appendingPathComponent("run-\(index)"))
            } catch {
                // YAML forbids some characters (U+FFFE even escaped) and libyaml drops a BOM: then a
                // clear one-line error naming the file, never a broken page.
                #expect("\(error)".hasPrefix(file.path) && !"\(error)".contains("\n"), "\(error)")
            }
        }
    }
}
