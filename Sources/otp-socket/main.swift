import ArgumentParser

/// The `otp-socket` command. A minimal root so that `ifs` can run; the CLI's own root
/// command (with `supports`, `constants`, ...) replaces it.
struct OTPSocketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otp-socket",
        abstract: "Erlang/OTP's socket module, in Swift.",
        subcommands: [Ifs.self])
}

OTPSocketCommand.main()
