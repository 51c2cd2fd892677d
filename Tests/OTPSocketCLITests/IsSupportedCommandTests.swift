import SocketConstants
import Testing

@Suite struct IsSupportedCommandTests {
    @Test(arguments: [
        (["options", "tcp", "user_timeout"], true),
        (["options", "socket", "peercred"], true),
        (["options", "socket", "acceptfilter"], false),
        (["msg_flags", "peek"], true),
        (["ipv6"], true),
        (["foo"], false),
        (["options", "socket"], false),
    ])
    func printsTheAnswerAndExitsZeroOnlyForTrue(keys: [String], expected: Bool) throws {
        let run = try CLIRun.run(["is-supported", "--triple", "x86_64-linux-gnu"] + keys)
        #expect(run.stdout == "\(expected)\n", "\(keys): \(run.stderr)")
        #expect(run.status == (expected ? 0 : 1))
    }

    @Test func withoutATripleItAnswersForThisBuild() throws {
        let run = try CLIRun.run("is-supported", "options", "tcp", "user_timeout")
        let expected = Supports.isSupported("options", "tcp", "user_timeout")
        #expect(run.stdout == "\(expected)\n")
        #expect(run.status == (expected ? 0 : 1))
    }

    @Test func kernelAsksTheRunningKernel() throws {
        let run = try CLIRun.run("is-supported", "--kernel", "sctp")
        #expect(run.stdout == "\(KernelSupport.sctp().isSupported)\n")
        #expect(run.status == (KernelSupport.sctp().isSupported ? 0 : 1))
    }

    @Test func badUsageIsNeitherTrueNorFalse() throws {
        let none = try CLIRun.run("is-supported")
        #expect(none.status == 64, "usage errors exit 64 (EX_USAGE), apart from false's 1")
        let four = try CLIRun.run("is-supported", "a", "b", "c", "d")
        #expect(four.status == 64)
        let notKernel = try CLIRun.run("is-supported", "--kernel", "sendfile")
        #expect(notKernel.status == 64)
    }
}
