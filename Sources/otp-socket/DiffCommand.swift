import ArgumentParser
import SocketConstants
import SocketSnapshot

/// `otp-socket diff T1 T2`: the names whose value, support or layout differ between two
/// committed platforms, one line each: what a person porting a program needs to look at.
/// No Erlang counterpart.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "The constants and layouts that differ between two committed platforms."
    )

    @Argument(help: "A committed triple, e.g. x86_64-linux-gnu.")
    var first: String

    @Argument(help: "Another committed triple, e.g. mips64el-linux-gnuabi64.")
    var second: String

    func run() throws {
        guard let a = SpecTables.snapshot(for: first) else {
            throw ValidationError("no snapshot for \(first); known: \(SpecTables.snapshots.keys.sorted().joined(separator: " "))")
        }
        guard let b = SpecTables.snapshot(for: second) else {
            throw ValidationError("no snapshot for \(second); known: \(SpecTables.snapshots.keys.sorted().joined(separator: " "))")
        }
        let lines = a.differences(from: b)
        print("\(first) vs \(second): \(lines.count) differences")
        for line in lines { print(line) }
    }
}
