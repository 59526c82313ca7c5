public import Foundation
import Plot
import SafeText

extension AccessReport {
    // MARK: JSON

    /// The report as one JSON document (schema/report.schema.json), keys sorted.
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    // MARK: CSV

    /// RFC 4180: CRLF line ends, every field quoted when it holds a comma, a quote or a line break; a
    /// header; one row per person × target (and, read live, one per account nobody declared). A cell
    /// a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`, as OWASP
    /// recommends for CSV injection.
    public func csv() -> String {
        var rows: [[String]] = [
            [
                "person", "name", "target", "userName", "status", "userType", "groups", "manager", "expires",
                "deleteAfter", "live", "drift", "created", "lastModified",
            ]
        ]
        for person in people {
            for account in person.accounts {
                rows.append([
                    person.userName, person.displayName ?? "", account.target ?? "", account.userName, account.status,
                    account.userType ?? "", account.groups.joined(separator: "; "), person.manager ?? "",
                    account.expires ?? "", account.deleteAfter ?? "",
                    account.live.map { $0.exists ? "present" : "missing" } ?? "",
                    account.live?.drift.joined(separator: "; ") ?? "", account.live?.created ?? "",
                    account.live?.lastModified ?? "",
                ])
            }
        }
        for target in targets {
            for account in target.undeclared ?? [] {
                rows.append([
                    "", "", target.name ?? "", account.userName,
                    "undeclared (policy \(account.policy)\(account.action.map { ": \($0)" } ?? ""))", "", "", "", "",
                    "", account.active ? "present" : "present, inactive", "", account.created ?? "",
                    account.lastModified ?? "",
                ])
            }
        }
        var text = ""
        text.reserveCapacity(rows.count * 160)
        for row in rows {
            for (index, field) in row.enumerated() {
                if index > 0 { text += "," }
                text += Self.csvField(field)
            }
            text += "\r\n"
        }
        return text
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
