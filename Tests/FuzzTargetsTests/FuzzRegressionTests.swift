import FuzzTargets
import Foundation
import SocketConstants
import Testing

/// The fuzz targets on their committed inputs, without libFuzzer: every seed of
/// `Fuzz/Corpus/<target>/` and every input that once broke a target, kept in
/// `Fuzz/Regressions/<target>/` (Docs/Reliability.md). Each input sits at the end of a page
/// followed by an inaccessible one, so a decoder that reads one byte past it crashes.
@Suite struct FuzzRegressionTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized

    static func inputs(_ kind: String, _ target: FuzzTarget) -> [URL] {
        let directory = fuzz.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { directory.appendingPathComponent($0) }
    }

    func replay(_ kind: String, _ target: FuzzTarget) throws {
        for url in Self.inputs(kind, target) {
            let bytes = try [UInt8](Data(contentsOf: url))
            do throws(FuzzViolation) {
                try target.runGuarded(bytes)
            } catch {
                Issue.record("\(kind)/\(target.rawValue)/\(url.lastPathComponent): \(error)")
            }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyRegressionInputPasses(_ target: FuzzTarget) throws {
        try replay("Regressions", target)
    }

    @Test(arguments: FuzzTarget.allCases)
    func everySeedPassesAndThereAreSeeds(_ target: FuzzTarget) throws {
        #expect(Self.inputs("Corpus", target).count >= 3, "Fuzz/Corpus/\(target.rawValue) holds the seeds libFuzzer starts from")
        try replay("Corpus", target)
    }

    /// Every option key's value type is one the option-values target decodes.
    @Test func theOptionValueTargetCoversEveryKeysValueType() {
        let covered = Set(OptionValueTarget.types.map { ObjectIdentifier($0.type) })
        for key in SpecTables.optionKeys {
            #expect(covered.contains(ObjectIdentifier(key.valueType)), "\(key) carries a \(key.valueType), which the option-values target does not decode")
        }
        #expect(Set(OptionValueTarget.types.map(\.name)).count == OptionValueTarget.types.count)
    }
}
