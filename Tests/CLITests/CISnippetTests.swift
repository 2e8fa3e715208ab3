import Foundation
import Testing

/// The CI snippets under examples/ci call bulkhead with options it has: each `bulkhead` command line in
/// them (after `$BULKHEAD`) is run with `--help` appended, which fails on an unknown subcommand or option.
@Suite struct CISnippetTests {
    static let snippets = ["examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"]

    @Test(arguments: snippets) func everyCommandInTheSnippetExists(snippet: String) throws {
        let text = try String(contentsOfFile: CLI.packageDirectory + "/" + snippet, encoding: .utf8)
        var commands: [[String]] = []
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: "\"$BULKHEAD\"") ?? line.range(of: "$BULKHEAD") else { continue }
            let words = line[range.upperBound...].split(separator: " ").map(String.init)
            // Subcommands and options only: stop at the first file name or redirection.
            var command: [String] = []
            for word in words {
                if word.hasPrefix(">") || word == "\"" { break }
                command.append(word.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
            commands.append(command)
        }
        #expect(commands.contains { $0.first == "audit" }, "\(snippet) runs no audit")
        for command in commands {
            let subcommand = command.prefix { !$0.hasPrefix("-") && !$0.contains(".") }
            let options = command.filter { $0.hasPrefix("--") }
            let help = try CLI.bulkhead(Array(subcommand) + ["--help"])
            #expect(help.status == 0, "\(snippet): bulkhead \(subcommand.joined(separator: " ")): \(help.stderr)")
            for option in options {
                #expect(help.stdout.contains(option), "\(snippet): bulkhead \(subcommand.joined(separator: " ")) has no \(option)")
            }
        }
    }
}
