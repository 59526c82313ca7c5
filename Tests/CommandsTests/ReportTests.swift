import DesiredState
import Foundation
import Plot
import Testing

@testable import Report

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

/// The report's hand-written writers against the references they replace: the HTML rows against Plot
/// rendering the same nodes, the JSON against Foundation's parser reading it back.
@Suite("Access report writers")
struct ReportWriterTests {
    /// Values a person's fields may hold: markup, entities (which Plot keeps as written), quotes,
    /// backslashes, control characters, other scripts, emoji, an empty string.
    static let values = [
        "plain@x.io", "<script>alert(1)</script>", "a & b", "R&amp;D", "&#60;", "&;", "AT&T", "x > y < z",
        "\"quoted\" 'single'", "back\\slash", "tab\there", "line\nbreak", "\u{7}bell", "Ölçü İlker ıvan",
        "名前", "👩🏽‍💻", "", "&unfinished", "&#x3c;b&#x3e;", "</td></tr>",
    ]

    static func report(live: Bool) -> AccessReport {
        var report = AccessReport(
            DeclaredOrg(), day: CalendarDay("2026-12-07")!, within: 30, scopes: [], live: live ? [] : nil)
        report.targets = [
            AccessReport.Target(name: "qase", provider: "qase", licences: ["regular": 2], groups: []),
            AccessReport.Target(name: "aws&<co>", provider: "aws", licences: [:], groups: []),
        ]
        for (index, value) in values.enumerated() {
            let account = AccessReport.Account(
                target: index % 3 == 0 ? "aws&<co>" : "qase", userName: value,
                groups: index % 2 == 0 ? [value, "qa-team"] : [], userType: index % 4 == 0 ? nil : value,
                status: ["active", "offboarded", "expired", "ends 2027-01-02"][index % 4], expires: nil,
                deleteAfter: nil,
                live: live
                    ? AccessReport.Live(exists: index % 2 == 0, drift: index % 3 == 0 ? [] : ["title", value]) : nil)
            report.people.append(
                AccessReport.Person(
                    userName: "p\(index)-\(value)", displayName: index % 5 == 0 ? nil : value,
                    manager: index % 2 == 0 ? value : nil, accounts: [account]))
        }
        return report
    }

    /// The row as Plot renders it: the reference `RowWriter` must match.
    static func plotRow(_ person: AccessReport.Person, _ report: AccessReport) -> String {
        func cell(_ account: AccessReport.Account?) -> Node<HTML.TableRowContext> {
            guard let account else { return .td(.class("none"), .text("—")) }
            var classes = ["account", account.status.hasPrefix("ends") ? "ends" : account.status]
            if let live = account.live {
                if !live.exists { classes.append("missing") }
                if !live.drift.isEmpty { classes.append("drift") }
            }
            return .td(
                .class(classes.joined(separator: " ")),
                .span(.class("user"), .text(account.userName)),
                .span(.class("status"), .text(account.status)),
                .if(account.userType != nil, .span(.class("licence"), .text(account.userType ?? ""))),
                .if(!account.groups.isEmpty, .span(.class("groups"), .text(account.groups.joined(separator: ", ")))),
                .if(account.live.map { !$0.exists } ?? false, .span(.class("live"), .text("not on the provider"))),
                .if(
                    !(account.live?.drift.isEmpty ?? true),
                    .span(.class("live"), .text("differs: \(account.live?.drift.joined(separator: ", ") ?? "")"))))
        }
        let row: Node<HTML.TableContext> = .tr(
            .class("person"),
            .td(.text(person.userName)),
            .td(.text(person.displayName ?? "")),
            .forEach(report.targets) { target in cell(person.accounts.first { $0.target == target.name }) },
            .td(.text(person.manager ?? "")))
        return row.render() + "\n"
    }

    @Test("every row is byte for byte what Plot renders for it, hostile values included", arguments: [false, true])
    func rowsAsPlot(live: Bool) {
        let report = Self.report(live: live)
        let written = report.rows(report.people[...])
        let expected = report.people.map { Self.plotRow($0, report) }.joined()
        #expect(written == expected)
        #expect(!written.contains("<script>") && written.contains("&lt;script&gt;"))
        // The whole page carries the rows once, whatever the slicing.
        #expect(report.html().contains(expected))
    }

    @Test("the JSON reads back to the values written, keys sorted, hostile strings exact")
    func jsonRoundTrip() throws {
        let report = Self.report(live: true)
        let data = report.jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Array(object.keys).sorted() == [
                "awaiting_deletion", "day", "ending_soon", "format_version", "live", "people", "targets", "within",
            ])
        let people = try #require(object["people"] as? [[String: Any]])
        #expect(people.count == Self.values.count)
        for (person, value) in zip(people, Self.values) {
            let account = try #require((person["accounts"] as? [[String: Any]])?.first)
            #expect(account["userName"] as? String == value)
            #expect((person["displayName"] as? String).map { $0 == value } ?? true)
            #expect(
                ((account["live"] as? [String: Any])?["drift"] as? [String]).map {
                    $0.isEmpty || $0 == ["title", value]
                } ?? false)
        }
        let targets = try #require(object["targets"] as? [[String: Any]])
        #expect(targets.map { $0["name"] as? String } == ["qase", "aws&<co>"])
        #expect((targets[0]["licences"] as? [String: Int]) == ["regular": 2])
        // Keys in each object are written sorted, as the schema's examples and diffs expect.
        let text = String(decoding: data, as: UTF8.self)
        let accountKeys = text.components(separatedBy: "\n").compactMap { line -> String? in
            guard line.hasPrefix(String(repeating: " ", count: 10) + "\""),
                let end = line.dropFirst(11).firstIndex(of: "\"")
            else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 11)..<end])
        }
        #expect(accountKeys.prefix(4) == ["groups", "live", "status", "target"])
        #expect(text.contains(#""userName" : "back\\slash""#) && text.contains(#""userName" : "\u0007bell""#))
        #expect(text.contains(#""ending_soon" : []"#))
    }
}
