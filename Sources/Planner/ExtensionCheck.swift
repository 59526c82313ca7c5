import DesiredState
import SCIM

/// Declared extension attributes against the provider's published schemas (RFC 7643 §7).
struct ExtensionCheck {
    let schemas: [SchemaDefinition]

    /// Problems of one user's or group's extension attributes, each "file:line:col: …".
    func problems(
        _ attributes: [ExtensionAttribute], held: [String: JSONValue]?, creating: Bool, owner: String
    ) -> [String] {
        var problems: [String] = []
        var declaredSchemas: [String: [ExtensionAttribute]] = [:]
        for attribute in attributes {
            declaredSchemas[attribute.schema.lowercased(), default: []].append(attribute)
            guard let schema = schemas.first(where: { $0.id.lowercased() == attribute.schema.lowercased() }) else {
                let published = schemas.map(\.id).filter { !$0.contains(":core:") }.sorted()
                problems.append(
                    "\(attribute.location): the provider publishes no schema '\(attribute.schema)' "
                        + "(its extensions: \(published.isEmpty ? "none" : published.joined(separator: ", ")))")
                continue
            }
            guard let definition = schema.attribute(named: attribute.name) else {
                let names = schema.attributes.map(\.name)
                problems.append(
                    "\(attribute.location): '\(attribute.schema)' has no attribute '\(attribute.name)' "
                        + "(it has: \(names.joined(separator: ", ")))")
                continue
            }
            let mutability = definition.mutability?.lowercased() ?? "readwrite"
            if mutability == "readonly" {
                problems.append("\(attribute.location): \(attribute.path) is read-only on the provider; remove it")
                continue
            }
            if mutability == "immutable", case .set(let value, _) = attribute.value, let held,
                let current = ExtensionJSON.held(attribute, in: held), current != .null,
                !ExtensionJSON.same(ExtensionJSON.json(value), current)
            {
                problems.append(
                    "\(attribute.location): \(attribute.path) is immutable on the provider and \(owner) already holds "
                        + "\(current.compactText); it cannot be changed")
                continue
            }
            if mutability == "immutable", case .cleared = attribute.value {
                problems.append(
                    "\(attribute.location): \(attribute.path) is immutable on the provider; it cannot be cleared")
                continue
            }
            if case .set(let value, _) = attribute.value, let problem = Self.typeProblem(value, definition) {
                problems.append("\(attribute.location): \(attribute.path) \(problem)")
            }
        }
        guard creating else { return problems }
        for (urn, declared) in declaredSchemas.sorted(by: { $0.key < $1.key }) {
            guard let schema = schemas.first(where: { $0.id.lowercased() == urn }) else { continue }
            for required in schema.attributes where required.required && required.mutability?.lowercased() != "readonly"
            {
                let given = declared.contains {
                    $0.name.lowercased() == required.name.lowercased() && $0.value.value != nil
                }
                if !given {
                    problems.append(
                        "\(declared[0].location): \(owner) is created here, and '\(schema.id)' requires "
                            + "'\(required.name)'; declare it")
                }
            }
        }
        return problems
    }

    /// Why `value` does not fit `definition`, in the words of a diagnostic; nil when it does. The check
    /// is `SchemaAttribute.problem(with:)`, the one the sandbox applies to what it receives.
    static func typeProblem(_ value: ExtensionValue, _ definition: SchemaAttribute) -> String? {
        definition.problem(with: ExtensionJSON.json(value)).map(words)
    }

    private static func words(_ problem: SchemaTypeProblem) -> String {
        switch problem {
        case .notMultiValued: "holds one value on the provider, not a list"
        case .multiValued: "is multi-valued on the provider: write a list"
        case .wrongType(let expected, let found): "is of type \(expected) on the provider, not \(found)"
        case .unknownSubAttribute(let name, let known):
            "has no sub-attribute '\(name)' (it has: \(known.joined(separator: ", ")))"
        case .inSubAttribute(let name, let inner): "\(name): \(words(inner))"
        }
    }
}

extension JSONValue {
    /// A short rendering for messages.
    var compactText: String {
        String(decoding: serialized(), as: UTF8.self).prefix(80).description
    }
}
