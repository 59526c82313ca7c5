import Dispatch
import Foundation
import Plot

extension AccessReport {
    /// One self-contained page: no fetch, no external script, style or font, so it opens from a CI
    /// artifact or an email. A row per person and a column per target, filterable and sortable (a few
    /// lines of inline script; the table is whole without it), the sections below it, a print style,
    /// light and dark. Every value goes through Plot's escaping.
    public func html() -> String {
        let columns = self.columns
        let page = HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .title("Access review — \(day)"),
                .style(Self.css)
            ),
            .body(
                .header(
                    .h1("Access review"),
                    .p(
                        .text(
                            "\(people.count) people, \(targets.count) target\(targets.count == 1 ? "" : "s"), on \(day)"
                                + (live ? ", with what the providers hold" : ", as declared"))
                    )
                ),
                .section(
                    .id("people"),
                    .h2("People"),
                    .label(
                        .text("Filter "),
                        .input(.type(.search), .id("filter"), .placeholder("name, userName, group, status …"))
                    ),
                    .span(.id("shown"), .class("count"), .text("\(people.count) of \(people.count) shown")),
                    .table(
                        .id("access"),
                        .thead(
                            .tr(
                                .th(.attribute(named: "data-sort", value: "text"), .text("Person")),
                                .th(.attribute(named: "data-sort", value: "text"), .text("Name")),
                                .forEach(columns) { column in
                                    .th(.attribute(named: "data-sort", value: "text"), .text(column))
                                },
                                .th(.attribute(named: "data-sort", value: "text"), .text("Manager"))
                            )
                        ),
                        // Each row rendered on its own, minified, so 100,000 people are never one tree.
                        .tbody(.raw(rows()))
                    )
                ),
                .section(
                    .id("targets"),
                    .h2("Targets"),
                    .forEach(targets.indices) { index in
                        let target = targets[index]
                        return .div(
                            .class("target"),
                            .h3(.text(columns[index])),
                            .p(.text("\(target.provider) · \(target.url ?? "no URL")")),
                            .p(
                                .text(
                                    "By licence: "
                                        + target.licences.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                                        .joined(separator: ", "))),
                            .ul(
                                .forEach(target.groups) { group in
                                    .li(
                                        .text(
                                            "\(group.displayName): \(group.members) member\(group.members == 1 ? "" : "s")"
                                        ))
                                }
                            ),
                            .if(
                                target.undeclared != nil,
                                .group(
                                    .h4(.text("Accounts nobody declared (\(target.undeclared?.count ?? 0))")),
                                    .ul(
                                        .class("undeclared"),
                                        .forEach(target.undeclared ?? []) { account in
                                            .li(
                                                .text(
                                                    "\(account.userName) — policy \(account.policy)"
                                                        + (account.action.map { ": the next apply would \($0) it" }
                                                            ?? ": left alone")
                                                        + (account.created.map { "; created \($0)" } ?? "")))
                                        }
                                    )
                                )
                            )
                        )
                    }
                ),
                .section(
                    .id("ending"),
                    .h2(.text("Ending within \(within) days (\(endingSoon.count))")),
                    .ul(
                        .forEach(endingSoon) { item in
                            .li(
                                .text(
                                    "\(item.person)\(item.target.map { " in \($0)" } ?? "") on \(item.on)"
                                        + (item.days < 0 ? " (passed)" : " (in \(item.days) days)")))
                        }
                    )
                ),
                .section(
                    .id("deletion"),
                    .h2(.text("Offboarded, awaiting deletion (\(awaitingDeletion.count))")),
                    .ul(
                        .forEach(awaitingDeletion) { item in
                            .li(
                                .text(
                                    "\(item.person)\(item.target.map { " in \($0)" } ?? ""): deleted after \(item.on)"))
                        }
                    )
                ),
                .footer(.p(.text("scimctl report · format \(formatVersion)"))),
                .script(.raw(Self.script))
            )
        )
        return page.render(indentedBy: .spaces(1)) + "\n"
    }

    /// The table's rows: each built with Plot (every value escaped) and rendered at once, in as many
    /// slices as there are cores (rendering is most of a large report's time).
    private func rows() -> String {
        let slices = max(1, min(ProcessInfo.processInfo.activeProcessorCount, people.count / 1000))
        guard slices > 1 else { return rows(people[...]) }
        let size = (people.count + slices - 1) / slices
        let parts = Slices(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (slice * size)..<min(people.count, (slice + 1) * size)
            parts.set(slice, rows(people[range]))
        }
        return parts.joined()
    }

    /// The rows of `people`: the markup Plot renders for `.tr(.class("person"), .td(.text(…)), …)`,
    /// written in one pass (Plot's element tree per row was most of a 100,000-person report's time).
    /// Every value goes through `RowWriter.text`, which is Plot's escaping; ReportTests check the
    /// rows byte for byte against Plot rendering the same nodes.
    func rows(_ people: ArraySlice<Person>) -> String {
        var row = RowWriter()
        row.text.reserveCapacity(people.count * 400)
        for person in people {
            row.open("tr", class: "person")
            row.element("td", person.userName)
            row.element("td", person.displayName ?? "")
            for target in targets { account(person.accounts.first { $0.target == target.name }, into: &row) }
            row.element("td", person.manager ?? "")
            row.close("tr")
            row.text += "\n"
        }
        return row.text
    }

    /// One person's account in one target, as a cell: the userName there, status, licence, groups.
    private func account(_ account: Account?, into row: inout RowWriter) {
        guard let account else {
            row.element("td", "—", class: "none")
            return
        }
        var classes = "account " + (account.status.hasPrefix("ends") ? "ends" : account.status)
        if let live = account.live {
            if !live.exists { classes += " missing" }
            if !live.drift.isEmpty { classes += " drift" }
        }
        row.open("td", class: classes)
        row.element("span", account.userName, class: "user")
        row.element("span", account.status, class: "status")
        if let userType = account.userType { row.element("span", userType, class: "licence") }
        if !account.groups.isEmpty { row.element("span", account.groups.joined(separator: ", "), class: "groups") }
        if let live = account.live {
            if !live.exists { row.element("span", "not on the provider", class: "live") }
            if !live.drift.isEmpty {
                row.element("span", "differs: \(live.drift.joined(separator: ", "))", class: "live")
            }
        }
        row.close("td")
    }

    static let css = """
        :root { color-scheme: light dark; --fg: #1d1d1f; --bg: #ffffff; --muted: #6e6e73; --line: #d2d2d7;
          --bad: #b3261e; --warn: #8a5a00; --ok: #1e7d32; }
        @media (prefers-color-scheme: dark) {
          :root { --fg: #f5f5f7; --bg: #161618; --muted: #a1a1a6; --line: #3a3a3c; --bad: #ff8a80;
            --warn: #ffcc66; --ok: #81c784; }
        }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
          background: var(--bg); margin: 1.5rem; }
        h1 { margin: 0 0 .25rem; } header p { color: var(--muted); margin: 0 0 1rem; }
        table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
        th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
        th { cursor: pointer; user-select: none; position: sticky; top: 0; background: var(--bg); }
        th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
        td span { display: block; } .status, .licence, .groups, .count { color: var(--muted); font-size: 12px; }
        td.offboarded .status, td.expired .status, td.missing .live { color: var(--bad); }
        td.ends .status, td.drift .live { color: var(--warn); } td.active .status { color: var(--ok); }
        td.none { color: var(--muted); } input[type=search] { padding: .3rem .5rem; min-width: 18rem; }
        .target { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; margin: .5rem 0; }
        tr.hidden { display: none; }
        @media print { input, .count { display: none; } th { position: static; } body { margin: 0; }
          tr.hidden { display: table-row; } a { color: inherit; } }
        """

    /// Filter (also from `#filter=TEXT`, so a link can carry it) and sort; the page is whole without it.
    static let script = """
        (function () {
          var table = document.getElementById("access");
          var rows = Array.prototype.slice.call(table.tBodies[0].rows);
          var input = document.getElementById("filter");
          var shown = document.getElementById("shown");
          function apply() {
            var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
            var count = 0;
            rows.forEach(function (row) {
              var text = row.textContent.toLowerCase();
              var keep = words.every(function (word) { return text.indexOf(word) >= 0; });
              row.classList.toggle("hidden", !keep);
              if (keep) { count += 1; }
            });
            shown.textContent = count + " of " + rows.length + " shown";
          }
          input.addEventListener("input", apply);
          var hash = decodeURIComponent(location.hash || "");
          if (hash.indexOf("#filter=") === 0) { input.value = hash.slice(8); }
          apply();
          Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
            header.addEventListener("click", function () {
              var ascending = header.getAttribute("aria-sort") !== "ascending";
              Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
              header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
              rows.sort(function (a, b) {
                var x = a.cells[column].textContent, y = b.cells[column].textContent;
                return (ascending ? 1 : -1) * x.localeCompare(y);
              });
              rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
            });
          });
        })();
        """
}

/// Minified markup as Plot renders it: elements with a fixed class (never a value), and text escaped
/// by Plot itself whenever it holds a character Plot escapes (`<`, `>`, `&`).
struct RowWriter {
    var text = ""

    mutating func open(_ tag: StaticString, class name: String? = nil) {
        text += "<\(tag)"
        if let name { text += " class=\"\(name)\"" }
        text += ">"
    }

    mutating func close(_ tag: StaticString) { text += "</\(tag)>" }

    mutating func element(_ tag: StaticString, _ value: String, class name: String? = nil) {
        open(tag, class: name)
        escaped(value)
        close(tag)
    }

    /// Plot leaves every character but `<`, `>` and `&` as it is; a value holding one is Plot's to
    /// escape (it keeps an entity such as `&amp;` as written).
    mutating func escaped(_ value: String) {
        if value.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&") })
        {
            text += Node<HTML.BodyContext>.text(value).render()
        } else {
            text += value
        }
    }
}

/// The rendered slices, each written by one worker.
private final class Slices: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [String]

    init(count: Int) { parts = Array(repeating: "", count: count) }

    func set(_ index: Int, _ text: String) { lock.withLock { parts[index] = text } }

    func joined() -> String { lock.withLock { parts.joined() } }
}
