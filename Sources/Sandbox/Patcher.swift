import SCIM
import SCIMFilter

/// Applies PATCH operations (RFC 7644 §3.5.2) to a resource's attributes and, for groups, members:
/// `add`, `replace` and `remove` (any case), with or without a path; paths with sub-attributes,
/// extension URNs and value filters (`emails[type eq "work"].value`, `members[value eq "…"]`).
struct Patcher {
    var attributes: [String: JSONValue]
    var members: [SCIMMember]
    let type: StoredType

    static let extensions = [SCIMSchema.enterpriseUser]

    mutating func apply(_ operation: JSONValue) throws {
        guard let object = operation.objectValue, let op = object[attribute: "op"]?.stringValue?.lowercased(),
            ["add", "replace", "remove"].contains(op)
        else {
            throw SandboxError(
                400, scimType: "invalidSyntax", detail: "each operation needs an op of add, replace or remove")
        }
        let value = object[attribute: "value"]
        guard let path = object[attribute: "path"]?.stringValue, !path.isEmpty else {
            guard op != "remove", let values = value?.objectValue else {
                throw SandboxError(400, scimType: "noTarget", detail: "\(op) without a path needs an object value")
            }
            for (key, item) in values { try apply(op, target: Target(key), value: item) }
            return
        }
        try apply(op, target: try Target(parsing: path), value: value)
    }

    /// Where an operation acts: an attribute (maybe in an extension), a filter on its values, a sub-attribute.
    struct Target {
        var schema: String?
        var attribute: String
        var filter: FilterExpression?
        var subAttribute: String?

        init(_ key: String) {
            if Patcher.extensions.contains(where: { $0.lowercased() == key.lowercased() }) {
                schema = key
                attribute = ""
            } else {
                let path = FilterPath(key)
                (schema, attribute, subAttribute) = (path.schema, path.attribute, path.subAttribute)
            }
        }

        init(parsing path: String) throws {
            guard let open = path.firstIndex(of: "[") else {
                self.init(path)
                return
            }
            guard let close = path.lastIndex(of: "]"), close > open else {
                throw SandboxError(400, scimType: "invalidPath", detail: "'\(path)' is not a valid path")
            }
            self.init(String(path[..<open]))
            do {
                filter = try FilterParser.parse(String(path[path.index(after: open)..<close]))
            } catch {
                throw SandboxError(400, scimType: "invalidFilter", detail: error.message)
            }
            let rest = path[path.index(after: close)...]
            if rest.hasPrefix(".") { subAttribute = String(rest.dropFirst()) }
        }
    }

    private mutating func apply(_ op: String, target: Target, value: JSONValue?) throws {
        if type == .group, target.schema == nil, target.attribute.lowercased() == "members" {
            try applyMembers(op, target: target, value: value)
            return
        }
        // Work on the object the attribute lives in: the resource, or an extension's object.
        let isCore = target.schema == nil || target.schema!.lowercased() == type.schema.lowercased()
        var scope = isCore ? attributes : (attributes[attribute: target.schema!]?.objectValue ?? [:])
        if target.attribute.isEmpty {
            // The whole extension.
            if op == "remove" {
                scope = [:]
            } else {
                for (key, item) in value?.objectValue ?? [:] { scope[key] = item }
            }
        } else {
            try apply(op, target: target, value: value, in: &scope)
        }
        if isCore {
            attributes = scope
        } else if scope.isEmpty {
            attributes = attributes.filter { $0.key.lowercased() != target.schema!.lowercased() }
        } else {
            attributes[target.schema!] = .object(scope)
        }
    }

    private func key(_ name: String, in object: [String: JSONValue]) -> String {
        object.keys.first { $0.lowercased() == name.lowercased() } ?? name
    }

    private func apply(_ op: String, target: Target, value: JSONValue?, in scope: inout [String: JSONValue]) throws {
        let name = key(target.attribute, in: scope)
        if let filter = target.filter {
            var items = scope[name]?.arrayValue ?? []
            var matched = false
            for index in items.indices {
                guard var item = items[index].objectValue,
                    FilterEvaluator.matches(filter, item, parent: target.attribute)
                else { continue }
                matched = true
                if let sub = target.subAttribute {
                    if op == "remove" {
                        item.removeValue(forKey: key(sub, in: item))
                    } else {
                        item[key(sub, in: item)] = value ?? .null
                    }
                    items[index] = .object(item)
                } else if op == "remove" {
                    items[index] = .null
                } else if let replacement = value?.objectValue {
                    items[index] = .object(item.merging(replacement) { $1 })
                }
            }
            guard matched else {
                throw SandboxError(400, scimType: "noTarget", detail: "no value matches the path's filter")
            }
            scope[name] = .array(items.filter { $0 != .null })
            return
        }
        if let sub = target.subAttribute {
            var object = scope[name]?.objectValue ?? [:]
            if op == "remove" {
                object.removeValue(forKey: key(sub, in: object))
            } else {
                object[key(sub, in: object)] = value ?? .null
            }
            scope[name] = .object(object)
            return
        }
        switch op {
        case "remove":
            scope.removeValue(forKey: name)
        case "add":
            if case .array(let existing)? = scope[name], case .array(let more)? = value {
                scope[name] = .array(existing + more.filter { !existing.contains($0) })
            } else if case .object(let existing)? = scope[name], case .object(let more)? = value {
                scope[name] = .object(existing.merging(more) { $1 })
            } else {
                scope[name] = value ?? .null
            }
        default:
            scope[name] = value ?? .null
        }
    }

    private mutating func applyMembers(_ op: String, target: Target, value: JSONValue?) throws {
        let given = (value?.arrayValue ?? (value.map { [$0] } ?? [])).compactMap { item -> SCIMMember? in
            item.objectValue?[attribute: "value"]?.stringValue.map {
                SCIMMember(value: $0, type: item.objectValue?[attribute: "type"]?.stringValue)
            }
        }
        switch op {
        case "add":
            for member in given where !members.contains(where: { $0.value == member.value }) { members.append(member) }
        case "replace":
            members = given
        default:
            guard let filter = target.filter else {
                if given.isEmpty {
                    members = []
                } else {
                    members.removeAll { member in given.contains { $0.value == member.value } }
                }
                return
            }
            let before = members.count
            members.removeAll { member in
                FilterEvaluator.matches(
                    filter, ["value": .string(member.value), "type": .string(member.type ?? "User")], parent: "members")
            }
            if members.count == before {
                throw SandboxError(400, scimType: "noTarget", detail: "no member matches the path's filter")
            }
        }
    }
}
