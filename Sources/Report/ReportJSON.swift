import AddAnalysis
import Foundation
import ModelGraph

/// The machine-readable twin of a run page (`report.json`): every figure on the page, with the
/// per-add records behind it, so readers can check any number.
struct ReportDocument: Codable, Sendable {
    var schemaVersion = 1
    var tool: Tool
    var runId: String
    var model: Model
    var adds: [Add]
    var categories: [Category]
    var groups: [Group]
    var totals: Totals

    struct Tool: Codable, Sendable { var name: String; var version: String }

    struct Model: Codable, Sendable {
        var name: String
        var source: String
        var sourceHash: String?
        var layers: Int
        var hidden: Int
        var heads: Int
        var intermediate: Int
        var vocab: Int
        var maxPositions: Int
        var typeVocab: Int
        var hiddenAct: String
        var params: Int
        var macs: Int
        var batch: Int
        var seq: Int
        var precision: String
        var aggregation: String
        var opCounts: [String: Int]
    }

    struct Add: Codable, Sendable {
        var name: String
        var category: String
        var shape: [Int]
        var dtype: String
        var elements: Int
        var flops: Int
        var bytes: Int
        var bytesRead: Int
        var bytesWritten: Int
        var fusedIn: String?

        // Written out so `fused_in` appears as null for explicit Add nodes instead of vanishing.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(category, forKey: .category)
            try c.encode(shape, forKey: .shape)
            try c.encode(dtype, forKey: .dtype)
            try c.encode(elements, forKey: .elements)
            try c.encode(flops, forKey: .flops)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(bytesRead, forKey: .bytesRead)
            try c.encode(bytesWritten, forKey: .bytesWritten)
            try c.encode(fusedIn, forKey: .fusedIn)
        }
    }

    struct Category: Codable, Sendable {
        var id: String
        var title: String
        var count: Int
        var elements: Int
        var flops: Int
        var bytes: Int
    }

    struct Group: Codable, Sendable {
        var id: String
        var title: String
        var categories: [String]
        var count: Int
        var explanation: String
    }

    struct Totals: Codable, Sendable {
        var adds: Int
        var elements: Int
        var flops: Int
        var bytes: Int
    }
}

extension RunReport {
    var document: ReportDocument {
        let hash: String? = if case .configFile(_, let digest) = descriptor.source { digest } else { nil }
        return ReportDocument(
            tool: .init(name: ToolInfo.name, version: ToolInfo.version),
            runId: runID,
            model: .init(
                name: config.name, source: descriptor.sourceDescription, sourceHash: hash,
                layers: config.layerCount, hidden: config.hiddenSize, heads: config.headCount,
                intermediate: config.intermediateSize, vocab: config.vocabSize,
                maxPositions: config.maxPositionEmbeddings, typeVocab: config.typeVocabSize,
                hiddenAct: config.hiddenActivation.rawValue, params: parameterCount, macs: macCount,
                batch: options.batch, seq: options.sequenceLength, precision: options.precision.rawValue,
                aggregation: options.aggregation.description,
                opCounts: Dictionary(uniqueKeysWithValues: opCounts.map { ($0.key.rawValue, $0.value) })
            ),
            adds: analysis.records.map {
                .init(name: $0.name, category: $0.category.id, shape: $0.shape, dtype: $0.dtype.rawValue,
                      elements: $0.elements, flops: $0.flops, bytes: $0.minimalBytes,
                      bytesRead: $0.minimalReadBytes, bytesWritten: $0.minimalWriteBytes, fusedIn: $0.fusedIn)
            },
            categories: analysis.categories.map {
                .init(id: $0.category.id, title: $0.category.title, count: $0.count, elements: $0.elements, flops: $0.flops, bytes: $0.minimalBytes)
            },
            groups: AddGroup.allCases.map {
                .init(id: $0.rawValue, title: $0.title, categories: $0.categories.map(\.id), count: analysis.count(of: $0), explanation: $0.explanation)
            },
            totals: .init(adds: analysis.totalCount, elements: analysis.records.reduce(0) { $0 + $1.elements },
                          flops: analysis.totalFLOPs, bytes: analysis.totalMinimalBytes)
        )
    }

    /// `report.json`: keys sorted and snake_case, so identical inputs give identical bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var data = try encoder.encode(document)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
