import Foundation

/// The test fixtures committed under `Tests/Fixtures/`: the one place tests find them, so a
/// clone with nothing beside it runs every test.
///
/// ```swift
/// let path = Fixture.path("onnx/bert-tiny.legacy14.onnx")
/// ```
public enum Fixture {
    /// `Tests/Fixtures`, found from this file's own location in the source tree.
    public static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestFixtures
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    /// The fixture at `relativePath` below `Tests/Fixtures`.
    public static func url(_ relativePath: String) -> URL { folder.appendingPathComponent(relativePath) }

    public static func path(_ relativePath: String) -> String { url(relativePath).path }

    public static func data(_ relativePath: String) throws -> Data { try Data(contentsOf: url(relativePath)) }

    /// The repository's root (the folder holding Package.swift).
    public static let repositoryRoot = folder.deletingLastPathComponent().deletingLastPathComponent()
}
