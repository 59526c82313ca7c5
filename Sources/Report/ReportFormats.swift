import Foundation
import Plot
import SafeText

extension AccessReport {
    // MARK: CSV

    /// RFC 4180: CRLF line ends, every field quoted when it holds a comma, a quote or a line break; a
    /// header; one row per person × target (and, read live, one per account nobody declared). A cell
    /// a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`, as OWASP
    /// recommends for CSV injection.
    public func csv() -> String {
        var csv = CSVWriter()
        csv.text.reserveCapacity(people.count * 200)
        for name in [
            "person", "name", "target", "userName", "status", "userType", "groups", "manager", "expires",
            "deleteAfter", "live", "drift", "created", "lastModified",
        ] {
            csv.field(name)
        }
        csv.endRow()
        for person in people {
            for account in person.accounts {
                csv.field(person.userName)
                csv.field(person.displayName ?? "")
                csv.field(account.target ?? "")
                csv.field(account.userName)
                csv.field(account.status)
                csv.field(account.userType ?? "")
                csv.field(account.groups.joined(separator: "; "))
                csv.field(person.manager ?? "")
                csv.field(account.expires ?? "")
                csv.field(account.deleteAfter ?? "")
                csv.field(account.live.map { $0.exists ? "present" : "missing" } ?? "")
                csv.field(account.live?.drift.joined(separator: "; ") ?? "")
                csv.field(account.live?.created ?? "")
                csv.field(account.live?.lastModified ?? "")
                csv.endRow()
            }
        }
        for target in targets {
            for account in target.undeclared ?? [] {
                csv.field("")
                csv.field("")
                csv.field(target.name ?? "")
                csv.field(account.userName)
                csv.field("undeclared (policy \(account.policy)\(account.action.map { ": \($0)" } ?? ""))")
                for _ in 0..<5 { csv.field("") }
                csv.field(account.active ? "present" : "present, inactive")
                csv.field("")
                csv.field(account.created ?? "")
                csv.field(account.lastModified ?? "")
                csv.endRow()
            }
        }
        return csv.text
    }

    /// Rows written as they are made: a comma between fields, CRLF after each row.
    private struct CSVWriter {
        var text = ""
        private var rowStarted = false

        mutating func field(_ value: String) {
            if rowStarted { text += "," }
            rowStarted = true
            text += AccessReport.csvField(value)
        }

        mutating func endRow() {
            text += "\r\n"
            rowStarted = false
        }
    }

    static func csvField(_ value: String) -> String {
        // Nearly every cell: printable ASCII, no comma, quote or formula start — written as it is.
        if let first = value.utf8.first, first != UInt8(ascii: "="), first != UInt8(ascii: "+"),
            first != UInt8(ascii: "-"), first != UInt8(ascii: "@"),
            value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\"") })
        {
            return value
        }
        if value.isEmpty { return value }
        // Control characters are shown escaped, but a line break is data a quoted field carries.
        var value = value.split(separator: "\n", omittingEmptySubsequences: false).map { Printable.escape($0) }
            .joined(separator: "\n")
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Markdown

    /// For a CI job summary: totals per target, what ends soon, who awaits deletion, what nobody declared.
    public func markdown() -> String {
        func cell(_ text: String) -> String {
            Printable.escape(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "'")
        }
        var text = "## scimctl access review — \(day)\n\n"
        text += "| target | accounts | by licence | groups |\(live ? " not declared |" : "")\n"
        text += "|---|---:|---|---:|\(live ? "---:|" : "")\n"
        for (index, target) in targets.enumerated() {
            let accounts = people.reduce(0) { $0 + $1.accounts.count { $0.target == target.name } }
            let licences = target.licences.sorted { $0.key < $1.key }.map { "\(cell($0.key)): \($0.value)" }
                .joined(separator: ", ")
            text += "| \(cell(columns[index])) | \(accounts) | \(licences) | \(target.groups.count) |"
            text += live ? " \(target.undeclared?.count ?? 0) |\n" : "\n"
        }
        text += "\n### Ending within \(within) days (\(endingSoon.count))\n\n"
        text += endingSoon.isEmpty ? "None.\n" : ""
        for item in endingSoon {
            text += "- **\(cell(item.person))**\(item.target.map { " in \(cell($0))" } ?? "") on \(item.on)"
            text += item.days < 0 ? " (passed)\n" : " (in \(item.days) days)\n"
        }
        text += "\n### Offboarded, awaiting deletion (\(awaitingDeletion.count))\n\n"
        text += awaitingDeletion.isEmpty ? "None.\n" : ""
        for item in awaitingDeletion {
            text +=
                "- **\(cell(item.person))**\(item.target.map { " in \(cell($0))" } ?? ""): deleted after \(item.on)\n"
        }
        if live {
            text += "\n### Accounts nobody declared\n\n"
            for (index, target) in targets.enumerated() {
                for account in target.undeclared ?? [] {
                    text += "- \(cell(columns[index])): **\(cell(account.userName))** — policy \(account.policy)"
                    text += account.action.map { ", the next apply would \($0) it\n" } ?? ", left alone\n"
                }
            }
            if targets.allSatisfy({ $0.undeclared?.isEmpty ?? true }) { text += "None.\n" }
        }
        return text
    }
}
