import ArgumentParser

/// `otp-socket`: what this platform's socket interface offers, as Erlang's `socket` module
/// reports it, from the constants the generator probed.
@main
struct OTPSocketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otp-socket",
        abstract: "Erlang/OTP's socket module in Swift: what a platform supports, and its probed constants.",
        subcommands: [SupportsCommand.self, IsSupportedCommand.self, ConstantsCommand.self, DiffCommand.self, Ifs.self]
    )
}
