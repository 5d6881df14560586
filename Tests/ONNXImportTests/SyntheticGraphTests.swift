import Support
import Foundation
import Testing
import AddAnalysis
import KPUModel
import ModelGraph
@testable import ONNXImport

/// Small ModelProtos built in the test, for the cases the fixtures do not cover.
enum Synthetic {
    static func tensorInput(_ name: String, _ dims: [Int64], type: Int32 = 1) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = type
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { value in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.value = value < 0 ? .dimParam("n") : .dimValue(value)
            return dim
        }
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.value = .tensorType(tensor)
        info.type = type
        return info
    }

    static func initializer(_ name: String, _ dims: [Int64]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = 1
        return tensor
    }

    static func attribute(_ name: String, int value: Int64) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.i = value
        attribute.type = .int
        return attribute
    }

    static func attribute(_ name: String, ints values: [Int64]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.ints = values
        attribute.type = .ints
        return attribute
    }

    static func attribute(_ name: String, string value: String) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.s = Data(value.utf8)
        attribute.type = .string
        return attribute
    }

    /// An int64 initializer holding `values`.
    static func integers(_ name: String, _ values: [Int64], dims: [Int64]? = nil) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims ?? [Int64(values.count)]
        tensor.dataType = 7
        tensor.int64Data = values
        return tensor
    }

    static func node(
        _ op: String, _ inputs: [String], _ outputs: [String], domain: String = "", name: String? = nil,
        ints: [String: Int64] = [:], attributes: [Onnx_AttributeProto] = []
    ) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.output = outputs
        node.domain = domain
        node.name = name ?? "\(op)_\(outputs.first ?? "")"
        node.attribute =
            ints.map { key, value in
                var attribute = Onnx_AttributeProto()
                attribute.name = key
                attribute.i = value
                attribute.type = .int
                return attribute
            } + attributes
        return node
    }

    static func model(inputs: [Onnx_ValueInfoProto], initializers: [Onnx_TensorProto], nodes: [Onnx_NodeProto], outputs: [String]) throws -> Data {
        var graph = Onnx_GraphProto()
        graph.name = "synthetic"
        graph.input = inputs
        graph.initializer = initializers
        graph.node = nodes
        graph.output = outputs.map {
            var v = Onnx_ValueInfoProto(); v.name = $0; return v
        }
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        var microsoft = Onnx_OperatorSetIdProto()
        microsoft.domain = "com.microsoft"
        microsoft.version = 1
        model.opsetImport = [opset, microsoft]
        model.graph = graph
        return try model.serializedData()
    }

    static func read(_ data: Data) throws(InputError) -> ONNXModel {
        try ONNXImporter.read(data: data, source: "synthetic.onnx", options: ONNXImportOptions(batch: 1, sequenceLength: 8))
    }
}

@Suite struct SyntheticGraphTests {
    /// x [1,8,16] · W [16,16] + b, then an op this tool does not model.
    static func linear(then extra: Onnx_NodeProto?, consumedByAdd: Bool) throws -> Data {
        var nodes = [
            Synthetic.node("MatMul", ["x", "W"], ["y"]),
            Synthetic.node("Add", ["y", "b"], ["z"])
        ]
        if let extra { nodes.append(extra) }
        if consumedByAdd { nodes.append(Synthetic.node("Add", ["odd", "z"], ["out"])) }
        return try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 8, 16])],
            initializers: [Synthetic.initializer("W", [16, 16]), Synthetic.initializer("b", [16])],
            nodes: nodes, outputs: [consumedByAdd ? "out" : "z"])
    }

    @Test func unsupportedOpOffTheAddPathIsAWarning() throws {
        let model = try Synthetic.read(
            try Self.linear(then: Synthetic.node("Mystery", ["z"], ["odd"], domain: "com.example", name: "mystery"), consumedByAdd: false))
        #expect(model.unknownCostNodes == ["node 'mystery' (com.example:Mystery)"])
        #expect(model.graph.macCount == 8 * 16 * 16)
    }

    @Test func unsupportedOpsOnTheAddPathAreAllNamedInOneLine() throws {
        // Two unknown op types on the way to the last add: both are named, and the first node.
        var nodes = [
            Synthetic.node("MatMul", ["x", "W"], ["y"]),
            Synthetic.node("Add", ["y", "b"], ["z"]),
            Synthetic.node("Mystery", ["z"], ["odd"], domain: "com.example", name: "mystery"),
            Synthetic.node("Loop", ["odd"], ["looped"], name: "loop"),
            Synthetic.node("Mystery", ["looped"], ["odder"], domain: "com.example", name: "again")
        ]
        nodes.append(Synthetic.node("Add", ["odder", "z"], ["out"]))
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 8, 16])],
            initializers: [Synthetic.initializer("W", [16, 16]), Synthetic.initializer("b", [16])], nodes: nodes, outputs: ["out"])
        #expect(
            throws: InputError(
                source: "synthetic.onnx", place: "node 'mystery' (com.example:Mystery)",
                message:
                    "op types com.example:Mystery, Loop are not supported by this tool and lie on paths to adds or matmuls, so their shapes cannot be inferred; export with the default ONNX domain at opset 21 or lower, or with value_info for these ops' outputs"
            )
        ) {
            try Synthetic.read(data)
        }
    }

    @Test func unknownOpWithStatedShapesIsReadFromValueInfo() throws {
        var proto = try Onnx_ModelProto(
            serializedBytes: try Self.linear(then: Synthetic.node("Mystery", ["z"], ["odd"], domain: "com.example", name: "mystery"), consumedByAdd: true))
        proto.graph.valueInfo = [Synthetic.tensorInput("odd", [1, 8, 16])]
        let model = try Synthetic.read(try proto.serializedData())
        #expect(model.unmodelledNodes == ["node 'mystery' (com.example:Mystery)"])
        let op = try #require(model.graph.ops.first { $0.path == "mystery" })
        #expect(op.kind == .unmodelled)
        #expect(model.graph[op.outputs[0]].shape == [1, 8, 16])
    }

    @Test func valueInfoThatDisagreesWithInferenceNamesTheTensor() throws {
        var proto = try Onnx_ModelProto(serializedBytes: try Self.linear(then: nil, consumedByAdd: false))
        proto.graph.valueInfo = [Synthetic.tensorInput("y", [1, 8, 32])]
        #expect(
            throws: InputError(
                source: "synthetic.onnx", place: "node 'MatMul_y' (MatMul) output 'y'",
                message: "is inferred as [1, 8, 16] but the file's value_info says [1, 8, 32]; the export is inconsistent")
        ) {
            try Synthetic.read(try proto.serializedData())
        }
    }

    @Test func cycleIsAnErrorNamingANode() throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 4])], initializers: [],
            nodes: [Synthetic.node("Add", ["x", "b"], ["a"], name: "first"), Synthetic.node("Add", ["a", "x"], ["b"], name: "second")],
            outputs: ["b"])
        #expect(throws: InputError(source: "synthetic.onnx", place: "node 'first' (Add)", message: "is part of a cycle; an ONNX graph must be acyclic")) {
            try Synthetic.read(data)
        }
    }

    @Test func danglingTensorIsAnErrorNamingIt() throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 4])], initializers: [],
            nodes: [Synthetic.node("Add", ["x", "ghost"], ["y"], name: "adder")], outputs: ["y"])
        #expect(
            throws: InputError(
                source: "synthetic.onnx", place: "node 'adder' (Add)", message: "reads 'ghost', which no node, initializer or graph input provides")
        ) {
            try Synthetic.read(data)
        }
    }

    @Test(arguments: [[Int64(0), 4], [-3, 4], [1, 1 << 40]])
    func impossibleInputDimensionsAreRejected(dims: [Int64]) throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", dims)], initializers: [],
            nodes: [Synthetic.node("Relu", ["x"], ["y"])], outputs: ["y"])
        #expect(throws: InputError.self) { try Synthetic.read(data) }
    }

    @Test func absurdInitializerIsRejectedNotMultipliedOut() throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 4])],
            initializers: [Synthetic.initializer("W", [1 << 30, 1 << 30, 1 << 30])],
            nodes: [Synthetic.node("MatMul", ["x", "W"], ["y"])], outputs: ["y"])
        #expect(throws: InputError.self) { try Synthetic.read(data) }
    }

    @Test func embedLayerNormalizationGivesTheTwoEmbeddingSums() throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("ids", [1, 8], type: 7), Synthetic.tensorInput("segments", [1, 8], type: 7)],
            initializers: [
                Synthetic.initializer("word", [100, 16]), Synthetic.initializer("position", [32, 16]),
                Synthetic.initializer("segment", [2, 16]), Synthetic.initializer("gamma", [16]), Synthetic.initializer("beta", [16])
            ],
            nodes: [
                Synthetic.node(
                    "EmbedLayerNormalization", ["ids", "segments", "word", "position", "segment", "gamma", "beta"], ["hidden", "mask_index"],
                    domain: "com.microsoft")
            ],
            outputs: ["hidden"])
        let model = try Synthetic.read(data)
        let analysis = AddAnalysis(graph: model.graph, cost: WorkloadCost(graph: model.graph))
        #expect(analysis.summary(for: .embedding)?.count == 2)
        #expect(analysis.summary(for: .embedding)?.explicit == 0)
        #expect(analysis.records.allSatisfy { $0.fusedIn == "EmbedLayerNormalization" })
    }

    @Test func fastGeluCarriesABiasAndTheGeluAdd() throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [1, 8, 16])],
            initializers: [Synthetic.initializer("W", [16, 64]), Synthetic.initializer("b", [64])],
            nodes: [Synthetic.node("MatMul", ["x", "W"], ["y"]), Synthetic.node("FastGelu", ["y", "b"], ["z"], domain: "com.microsoft")],
            outputs: ["z"])
        let analysis = AddAnalysis(graph: try Synthetic.read(data).graph, cost: WorkloadCost(graph: try Synthetic.read(data).graph))
        #expect(analysis.summary(for: .bias)?.count == 1)
        #expect(analysis.summary(for: .activation)?.count == 1)
        #expect(analysis.records.filter(\.embedded).count == 1)
    }

    @Test func symbolicDimensionBindsThroughDim() throws {
        let data = try Synthetic.model(
            inputs: [Synthetic.tensorInput("x", [-1, 4])], initializers: [],
            nodes: [Synthetic.node("Relu", ["x"], ["y"])], outputs: ["y"])
        #expect(throws: InputError.self) { try Synthetic.read(data) }
        let model = try ONNXImporter.read(data: data, source: "s.onnx", options: ONNXImportOptions(dimensions: ["n": 5]))
        #expect(model.boundDimensions == ["n": 5])
        #expect(model.graph[model.graph.inputs[0]].shape == [5, 4])
    }
}

/// The file reader: only the graph's bytes are read, and a bad path or file gets one line.
@Suite struct ONNXFileReadingTests {
    @Test func aFolderIsNamedAsOne() throws {
        let folder = FileManager.default.temporaryDirectory.path
        #expect(throws: InputError(source: folder, place: "", message: "is a folder; give the path of an .onnx file")) {
            try ONNXImporter.read(path: folder, options: ONNXImportOptions())
        }
    }

    @Test func aTruncatedFileIsRefusedWhereItEnds() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("bert-tiny.legacy14.onnx")))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(getpid()).onnx")
        defer { try? FileManager.default.removeItem(at: file) }
        try bytes.prefix(bytes.count / 2).write(to: file)
        do {
            _ = try ONNXImporter.read(path: file.path, options: ONNXImportOptions(batch: 1, sequenceLength: 128))
            Issue.record("a truncated file was read")
        } catch {
            #expect(error.place.hasPrefix("byte "))
            #expect(error.message.hasSuffix("the file is truncated or not an ONNX model"))
        }
    }

    @Test func readingFromAFileAndFromMemoryAgree() throws {
        // The piecewise file reader and the in-memory one walk the same bytes to the same model.
        for name in Fixtures.graphOnly {
            let path = Fixtures.path(name)
            let fromFile = try ONNXFile.read(path: path)
            let fromMemory = try ONNXFile.decodeWithFingerprint(try Data(contentsOf: URL(fileURLWithPath: path)), source: path)
            #expect(fromFile.fingerprint == fromMemory.fingerprint)
            #expect(fromFile.model == fromMemory.model)
        }
    }
}
