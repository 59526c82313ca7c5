import ArgumentParser
import Commands

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the version, and for a release binary the commit and build time.",
        discussion: "Exit codes: 0, 64 usage error.")

    @Flag(help: "Print JSON: {\"version\", \"commit\", \"buildDate\"} (empty strings in a development build).")
    var json = false

    func run() throws {
        let info = BuildInfo.current
        try Terminal.standardOutput((json ? info.json : info.line) + "\n")
    }
}
