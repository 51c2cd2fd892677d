import Foundation
import SocketGenKit
import XCTest

/// Every committed snapshot's `#if` branch of the generated module type-checks together with
/// the hand-written part of `SocketConstants`.
///
/// A build type-checks only the host's branch; the others are merely parsed, so a name the
/// hand-written code uses but another platform lacks (`@available(*, unavailable)` there)
/// would break only someone cross-compiling. This compiles each branch as if it were the
/// host's, on this machine (64-bit: 32-bit literal ranges are `EmitterTests`' concern).
final class GeneratedBranchTests: XCTestCase {
    /// What `swiftc` needs to type-check `SocketConstants` outside SwiftPM: the modules this
    /// test was built with, and swift-system's C module map.
    struct Toolchain {
        var swiftc: String
        var modules: String
        var systemModuleMap: String

        static func find() throws -> Toolchain {
            guard let swiftc = Command.find("swiftc") else { throw Unavailable(description: "swiftc is not on PATH") }
            // The test executable lives in <scratch>/<triple>/debug/, next to Modules/.
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let build = executable.deletingLastPathComponent()
            let modules = build.appendingPathComponent("Modules").path
            var scratch = build
            while scratch.path != "/", !FileManager.default.fileExists(atPath: scratch.appendingPathComponent("checkouts").path) {
                scratch.deleteLastPathComponent()
            }
            let map = scratch.appendingPathComponent("checkouts/swift-system/Sources/CSystem/include/module.modulemap").path
            guard FileManager.default.fileExists(atPath: modules + "/SystemPackage.swiftmodule") else {
                throw Unavailable(description: "no SystemPackage.swiftmodule in \(modules)")
            }
            guard FileManager.default.fileExists(atPath: map) else {
                throw Unavailable(description: "no swift-system module map above \(build.path)")
            }
            return Toolchain(swiftc: swiftc, modules: modules, systemModuleMap: map)
        }
    }

    /// `source` with every platform condition false except `triple`'s.
    static func selecting(_ triple: Triple, in source: String) -> String {
        source.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            for keyword in ["#if ", "#elseif "] where line.hasPrefix(keyword) {
                return keyword + (line.dropFirst(keyword.count) == triple.swiftCondition ? "true" : "false")
            }
            return String(line)
        }.joined(separator: "\n")
    }

    func testEveryCommittedBranchTypeChecks() throws {
        let toolchain: Toolchain
        do {
            toolchain = try Toolchain.find()
        } catch let missing as Unavailable {
            missing.report()
            throw XCTSkip(missing.description)
        }
        let spec = try Package.spec()
        let plan = try GenerationPlan.make(spec: spec, generatedDirectory: Package.generated, probeHost: false)
        let source = Emitter(spec: spec, plan: plan).emit()
        let handWritten = try FileManager.default.contentsOfDirectory(atPath: Package.root + "/Sources/SocketConstants")
            .filter { $0.hasSuffix(".swift") }.sorted().map { Package.root + "/Sources/SocketConstants/" + $0 }
        let directory = try TemporaryDirectory()
        // The host's branch is the one `swift build` checks already.
        let triples = try plan.snapshots.map { try XCTUnwrap(Triple.named($0.triple)) }.filter { $0 != Triple.host }
        let files = try triples.map { triple in
            let selected = GeneratedBranchTests.selecting(triple, in: source)
            XCTAssertEqual(selected.split(separator: "\n").filter { $0 == "#if true" || $0 == "#elseif true" }.count, 1)
            return try directory.write("\(triple.name).swift", selected)
        }
        // One swiftc per core; the assertions stay on this thread.
        let results = Results(count: triples.count)
        DispatchQueue.concurrentPerform(iterations: triples.count) { index in
            results.set(index, Result {
                try Command.run(toolchain.swiftc, [
                    "-typecheck", "-swift-version", "6", "-module-name", "SocketConstants",
                    "-I", toolchain.modules, "-Xcc", "-fmodule-map-file=" + toolchain.systemModuleMap,
                ] + handWritten + [files[index]])
            })
        }
        for (triple, result) in zip(triples, results.all) {
            let run = try result.get()
            XCTAssertEqual(run.status, 0, "\(triple.name)'s branch does not type-check:\n\(run.errors.prefix(4000))")
            XCTAssertFalse(run.errors.contains("warning:"), "\(triple.name)'s branch warns:\n\(run.errors.prefix(4000))")
        }
        print("type-checked the branches of \(triples.map(\.name).joined(separator: ", "))")
    }
}

/// The outcomes of concurrent runs, each written once by its own iteration.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Run, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Run, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var all: [Result<Run, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
