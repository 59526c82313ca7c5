import DesiredState
import Foundation
import Report
import Testing

/// The access report's renderers, in memory: CSV escaping by RFC 4180 and against formula injection.
@Suite("Access report")
struct ReportTests {
    private func report(_ yaml: String) throws -> AccessReport {
        let loaded = DesiredStateLoader().load(texts: [("org.yaml", Array(("version: 1\n" + yaml).utf8))])
        let org = try #require(loaded.state, "\(loaded.diagnostics)")
        return AccessReport(org, day: CalendarDay("2026-12-07")!, within: 30)
    }

    @Test("a formula, a quote, a comma and a line break in any cell", arguments: ["=1+1", "+1", "-1", "@SUM(A1)"])
    func formulas(start: String) throws {
        let csv = try report(
            """
            target: {url: "sandbox:x.sqlite"}
            users:
              - {userName: a@x.io, displayName: "\(start), \\"quoted\\"\\nnext line", expires: 2026-12-20}
            """
        ).csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0].hasPrefix("person,name,target,userName,status"))
        // The cell is quoted (comma, quote, line break), its quotes doubled, and it starts with '.
        #expect(csv.contains("a@x.io,\"'\(start), \"\"quoted\"\"\nnext line\","), "\(csv)")
        #expect(csv.contains(",ends 2026-12-20,"))
    }

    @Test("what ends within the window, and who awaits deletion")
    func sections() throws {
        let report = try report(
            """
            target: {url: "sandbox:x.sqlite"}
            users:
              - {userName: a@x.io, expires: 2026-12-20}
              - {userName: b@x.io, expires: 2027-06-01}
              - {userName: c@x.io, active: false, deleteAfter: 2027-01-31}
            """)
        #expect(report.endingSoon.map(\.person) == ["a@x.io"])
        #expect(report.endingSoon.first?.days == 13)
        #expect(report.awaitingDeletion.map(\.person) == ["c@x.io"])
        #expect(report.people.map { $0.accounts[0].status } == ["ends 2026-12-20", "ends 2027-06-01", "offboarded"])
        #expect(report.markdown().contains("- **a@x.io** on 2026-12-20 (in 13 days)"))
    }
}
