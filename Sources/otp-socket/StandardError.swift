import Foundation

/// Writes a line to standard error, for notes that must not mix with the answer on
/// standard output.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
