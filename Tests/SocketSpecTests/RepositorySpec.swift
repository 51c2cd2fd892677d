import Foundation
import SocketSpec

/// The package's own `Spec/` directory, found from this file's path.
enum RepositorySpec {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Spec")

    static func load() throws -> Spec {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tbl") }
        return try SpecParser.parse(files: names.map { name in
            (name: name, text: try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
        })
    }
}
