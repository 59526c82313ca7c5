public import Foundation
import SafeText

extension AccessReport {
    /// The report as one JSON document (schema/report.schema.json): keys sorted, two-space indent.
    /// Written straight to bytes: 100,000 people through `JSONEncoder` took longer than reading them.
    public func jsonData() -> Data {
        var json = JSONWriter()
        json.object { json in
            json.array("awaiting_deletion", awaitingDeletion) { $0.write($1) }
            json.field("day", day)
            json.array("ending_soon", endingSoon) { $0.write($1) }
            json.field("format_version", formatVersion)
            json.field("live", live)
            json.array("people", people) { $0.write($1) }
            json.array("targets", targets) { $0.write($1) }
            json.field("within", within)
        }
        return Data(json.bytes)
    }
}

extension JSONWriter {
    fileprivate mutating func write(_ ending: AccessReport.Ending) {
        object { json in
            json.field("days", ending.days)
            json.field("on", ending.on)
            json.field("person", ending.person)
            json.field("target", ending.target)
        }
    }

    fileprivate mutating func write(_ person: AccessReport.Person) {
        object { json in
            json.array("accounts", person.accounts) { $0.write($1) }
            json.field("displayName", person.displayName)
            json.field("manager", person.manager)
            json.field("userName", person.userName)
        }
    }

    fileprivate mutating func write(_ account: AccessReport.Account) {
        object { json in
            json.field("deleteAfter", account.deleteAfter)
            json.field("expires", account.expires)
            json.array("groups", account.groups) { $0.string($1) }
            if let live = account.live {
                json.key("live")
                json.object { json in
                    json.field("created", live.created)
                    json.array("drift", live.drift) { $0.string($1) }
                    json.field("exists", live.exists)
                    json.field("lastModified", live.lastModified)
                }
            }
            json.field("status", account.status)
            json.field("target", account.target)
            json.field("userName", account.userName)
            json.field("userType", account.userType)
        }
    }

    fileprivate mutating func write(_ target: AccessReport.Target) {
        object { json in
            json.array("groups", target.groups) { json, group in
                json.object { json in
                    json.field("displayName", group.displayName)
                    json.field("members", group.members)
                }
            }
            json.key("licences")
            json.object { json in
                for (licence, count) in target.licences.sorted(by: { $0.key < $1.key }) { json.field(licence, count) }
            }
            json.field("name", target.name)
            json.field("provider", target.provider)
            if let undeclared = target.undeclared {
                json.array("undeclared", undeclared) { json, account in
                    json.object { json in
                        json.field("action", account.action)
                        json.field("active", account.active)
                        json.field("created", account.created)
                        json.field("lastModified", account.lastModified)
                        json.field("policy", account.policy)
                        json.field("userName", account.userName)
                    }
                }
            }
            json.field("url", target.url)
        }
    }
}

/// Pretty JSON written to bytes as `JSONEncoder` prints it (`"key" : value`, two spaces a level), for
/// documents too large to build as a tree first. Members are written in the order given: callers give
/// them sorted. An absent optional is left out, as `encodeIfPresent` does.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Whether the innermost open object or array has no member yet.
    private var empty = true

    mutating func object(_ members: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        members(&self)
        close(UInt8(ascii: "}"))
    }

    /// `"name" : [ … ]`, one item each.
    mutating func array<Items: Sequence>(
        _ name: String, _ items: Items, _ item: (inout JSONWriter, Items.Element) -> Void
    ) {
        key(name)
        open(UInt8(ascii: "["))
        for element in items {
            separate()
            item(&self, element)
        }
        close(UInt8(ascii: "]"))
    }

    mutating func key(_ name: String) {
        separate()
        string(name)
        bytes += " : ".utf8
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    mutating func field(_ name: String, _ value: Int) {
        key(name)
        bytes += String(value).utf8
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes += (value ? "true" : "false").utf8
    }

    /// A string, escaped as every JSON scimctl writes (`JSONString`).
    mutating func string(_ value: String) {
        JSONString.append(value, to: &bytes)
    }

    /// Before a member or an element: the comma after the one before, a new line, the indent.
    private mutating func separate() {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        newline()
        empty = false
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        empty = true
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if !empty { newline() }
        bytes.append(bracket)
        empty = false
    }

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        bytes += repeatElement(UInt8(ascii: " "), count: depth * 2)
    }
}
