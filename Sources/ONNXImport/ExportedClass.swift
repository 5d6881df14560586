import Foundation

/// The model class an exporter recorded in the file, such as `LlamaModel`: torch's dynamo
/// exporter writes each node's module class hierarchy into its metadata. The legacy exporter
/// records no classes, only module paths, which say nothing reliable about the family.
enum ExportedClass {
    static func find(in model: Onnx_ModelProto) -> String? {
        for node in model.graph.node.prefix(64) {
            guard let hierarchy = node.metadataProps.first(where: { $0.key == "pkg.torch.onnx.class_hierarchy" })?.value else { continue }
            // "['__main__.W', 'transformers.models.llama.modeling_llama.LlamaModel', …]"
            for item in hierarchy.split(separator: ",") {
                let path = item.trimmingCharacters(in: CharacterSet(charactersIn: "[]' "))
                if path.hasPrefix("transformers.models."), let name = path.split(separator: ".").last {
                    return String(name)
                }
            }
        }
        return nil
    }
}
