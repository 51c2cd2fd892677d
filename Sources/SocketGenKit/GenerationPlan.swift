import SocketSnapshot
import SocketSpec

public struct GeneratorError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Which snapshots the emitter uses: every committed `Generated/<triple>.snapshot`, with the
/// host's replaced by a live probe when libclang is there (and a warning when they differ).
public struct GenerationPlan: Sendable {
    public var snapshots: [Snapshot]
    public var warnings: [String]
    /// The host's live probe, when libclang could be loaded.
    public var live: Snapshot?

    public static let snapshotSuffix = ".snapshot"

    public static func committedSnapshots(in directory: String) throws -> [Snapshot] {
        try FileSystem.list(directory).filter { $0.hasSuffix(snapshotSuffix) }.map { name in
            try snapshot(at: directory + "/" + name)
        }
    }

    /// The committed snapshot of one triple: `<directory>/<triple>.snapshot`.
    public static func committedSnapshot(_ triple: String, in directory: String) throws -> Snapshot {
        try snapshot(at: directory + "/" + triple + snapshotSuffix)
    }

    static func snapshot(at path: String) throws -> Snapshot {
        do {
            return try Snapshot(parsing: FileSystem.read(path))
        } catch let error as Snapshot.ParseError {
            throw GeneratorError("\(path):\(error.line): error: \(error.message)")
        }
    }

    public static func make(spec: Spec, generatedDirectory: String, probeHost: Bool = true) throws -> GenerationPlan {
        var snapshots = try committedSnapshots(in: generatedDirectory)
        var warnings: [String] = []
        let host = Triple.host
        var live: Snapshot?
        if probeHost {
            do {
                live = try Probe(spec: spec, triple: host).run()
            } catch {
                if !snapshots.contains(where: { $0.triple == host.name }) { throw error }
                warnings.append("cannot probe the host (\(error)); using the committed \(host.name) snapshot")
            }
        }
        if let live {
            if let index = snapshots.firstIndex(where: { $0.triple == host.name }) {
                let differences = snapshots[index].differences(from: live)
                if !differences.isEmpty {
                    warnings.append("""
                        Generated/\(host.name)\(snapshotSuffix) is stale: the live probe of this machine's headers differs in \(differences.count) names (committed vs live):
                          \(differences.prefix(30).joined(separator: "\n  "))
                        regenerate it with: swift package --allow-writing-to-package-directory regenerate --triple \(host.name)
                        """)
                    snapshots[index] = live
                }
            } else {
                snapshots.append(live)
            }
        }
        let wanted = Set(spec.probedConstants.map(\.name))
        for snapshot in snapshots {
            let missing = wanted.subtracting(snapshot.constants.keys)
            if !missing.isEmpty {
                warnings.append("Generated/\(snapshot.triple)\(snapshotSuffix) predates \(missing.count) spec names (\(missing.sorted().prefix(5).joined(separator: ", "))...); they count as absent there until it is regenerated")
            }
        }
        return GenerationPlan(snapshots: snapshots.sorted { $0.triple < $1.triple }, warnings: warnings, live: live)
    }
}
