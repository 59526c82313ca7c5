import Catalog

/// What a provider's profile demands of every user (`users:` in the profile), checked offline so that
/// `validate` catches what the provider would refuse at apply time.
struct ProviderRules {
    let profile: ProviderProfile

    init(_ profile: ProviderProfile) {
        self.profile = profile
    }

    func check(_ users: [DesiredUser], into diagnostics: inout [Diagnostic]) {
        let who = "the \(profile.name) provider"
        let required = profile.requiredAttributes.compactMap(AttributeTable.string(at:))
        let limited = profile.maxLength.compactMap { path, limit in AttributeTable.string(at: path).map { ($0, limit) }
        }
        .sorted { $0.0.index! < $1.0.index! }
        let restricted = profile.allowedValues.compactMap { path, values in
            AttributeTable.string(at: path).map { ($0, values) }
        }.sorted { $0.0.index! < $1.0.index! }
        for user in users {
            if profile.userNameIsEmail, !EmailAddress.isValid(user.userName.value) {
                diagnostics.append(
                    Diagnostic(
                        .providerLimit,
                        "\(who) needs userName to be an email address, not \(quote(user.userName.value))",
                        at: user.userName.location))
            }
            for attribute in required {
                guard case .set(let value, let location) = user.attributes[attribute] else {
                    let location =
                        user.attributes[attribute]?.location ?? user.sections[attribute.section]?.location
                        ?? user.location
                    diagnostics.append(
                        Diagnostic(
                            .providerLimit, "\(who) requires \(attribute.path) for \(quote(user.userName.value))",
                            at: location))
                    continue
                }
                if value.isEmpty {
                    diagnostics.append(
                        Diagnostic(.providerLimit, "\(who) requires a non-empty \(attribute.path)", at: location))
                }
            }
            for (attribute, limit) in limited {
                guard case .set(let value, let location) = user.attributes[attribute], value.count > limit else {
                    continue
                }
                diagnostics.append(
                    Diagnostic(
                        .providerLimit,
                        "\(who) allows at most \(limit) characters in \(attribute.path); this one has \(value.count)",
                        at: location))
            }
            for (attribute, allowed) in restricted {
                guard case .set(let value, let location) = user.attributes[attribute], !allowed.contains(value) else {
                    continue
                }
                diagnostics.append(
                    Diagnostic(
                        .providerLimit,
                        "\(who) accepts \(attribute.path) \(allowed.map { "'\($0)'" }.joined(separator: ", ")), "
                            + "not \(quote(value))", at: location))
            }
        }
    }
}
