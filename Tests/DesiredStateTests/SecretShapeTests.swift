import DesiredState
import Foundation
import SafeText
import Testing

/// A value with a secret's shape is withheld wherever a line would be shown — the primary excerpt, a
/// note's ("first given here"), a hint's — not only under a secret-named key.
@Suite("Secret shapes in every excerpt")
struct SecretShapeTests {
    static let shapes: [String] = [
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzY2ltIn0.c2lnbmF0dXJlLXZhbHVl",  // a JWT
        "ghp_" + String(repeating: "aB3dE5", count: 6),  // GitHub
        "xoxb-1234567890-abcdefghijkl",  // Slack
        "AKIA" + "IOSFODNN7EXAMPLEX",  // AWS access key id
        "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0",  // GitLab
        String(repeating: "9f86d081", count: 5),  // 40 hex
        "dGhpcyBpcyBhIHNlY3JldCB0b2tlbiB2YWx1ZQ==",  // base64
    ]

    private func rendered(_ text: String) -> String {
        let loaded = DesiredStateLoader().load(texts: [("org.yaml", Array(("version: 1\n" + text).utf8))])
        var formatter = DiagnosticFormatter(sources: loaded.sources)
        return formatter.text(loaded.diagnostics) + formatter.github(loaded.diagnostics)
            + formatter.json(loaded.diagnostics)
    }

    @Test("each shape, in each place that shows a line", arguments: shapes)
    func withheld(secret: String) {
        let places = [
            // tokenEnv given twice: the note points at the first, which holds the token.
            "target:\n  url: https://scim.example/v2\n  tokenEnv: \(secret)\n  tokenEnv: SCIM_TOKEN\n",
            // A token where a name goes, under a key that is not secret-named: the primary excerpt.
            "users:\n  - {userName: \(secret)@x.io, titel: x}\n",
            // A duplicate key whose first value is the token: the note's excerpt.
            "users:\n  - userName: a@x.io\n    title: \(secret)\n    title: Lead\n",
        ]
        for place in places {
            let output = rendered(place)
            #expect(!output.contains(secret), "shown:\n\(output)")
            #expect(output.contains("not shown: this line holds a secret"), "\(output)")
        }
        // A syntax error after the token's line: whatever is quoted, the token is not.
        let broken = rendered("users:\n  - {userName: a@x.io, title: \(secret)\n")
        #expect(!broken.contains(secret), "shown:\n\(broken)")
    }

    @Test("what only looks long is still shown: names, addresses, paths, digests, words")
    func notSecrets() {
        for value in [
            "alice.nguyen@acme-qa.example", "Senior Quality Assurance Engineer and Release Manager",
            "https://app.qase.io/scim/v2/Users", "sha256:" + String(repeating: "ab12", count: 16), "E1001",
        ] {
            #expect(!SecretShape.appears(in: "  - {userName: a@x.io, note: \(value)}"), "\(value)")
        }
        #expect(SecretShape.appears(in: "Authorization: Bearer abcdefgh12345678"))
    }
}
