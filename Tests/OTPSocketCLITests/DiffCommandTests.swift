import Foundation
import SocketConstants
import Testing

@Suite struct DiffCommandTests {
    /// Porting from x86_64 to mips64el: SOL_SOCKET and the SO_* numbers differ.
    @Test func mips64elDiffersInTheSocketLevelConstants() throws {
        let run = try CLIRun.run("diff", "x86_64-linux-gnu", "mips64el-linux-gnuabi64")
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("SOL_SOCKET: 1 vs 65535"))
        #expect(lines.contains("SO_REUSEADDR: 2 vs 4"))
        #expect(!lines.contains { $0.hasPrefix("AF_INET:") }, "AF_INET is 2 on both")
    }

    @Test func aPlatformHasNoDifferencesFromItself() throws {
        let run = try CLIRun.run("diff", "x86_64-linux-gnu", "x86_64-linux-gnu")
        #expect(run.status == 0)
        #expect(run.stdout.split(separator: "\n").count == 1)
    }

    @Test func anUnknownTripleIsAnError() throws {
        let run = try CLIRun.run("diff", "x86_64-linux-gnu", "vax-bsd")
        #expect(run.status != 0)
        #expect(run.stderr.contains("no snapshot for vax-bsd"))
    }
}
