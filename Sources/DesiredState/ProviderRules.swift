/// What a provider demands of every user, checked offline so that `validate` catches what the provider
/// would refuse at apply time.
struct ProviderRules {
    let provider: ProviderKind
    /// userName must be an email address.
    let userNameIsEmail: Bool
    /// Attributes a create must carry.
    let requiredNameParts: [(name: String, part: KeyPath<PersonName, Declared<String>>)]
    let requiresDisplayName: Bool
    /// The longest a name part may be, in characters.
    let maxNamePartLength: Int?
    /// The userType values the provider accepts, when it restricts them.
    let userTypes: [String]?

    init(_ provider: ProviderKind) {
        self.provider = provider
        switch provider {
        case .qase:
            // Qase SCIM docs: userName is the email; given and family name required, at most 60 characters;
            // userType is one of regular, read-only, billing.
            userNameIsEmail = true
            requiredNameParts = [("givenName", \.givenName), ("familyName", \.familyName)]
            requiresDisplayName = false
            maxNamePartLength = 60
            userTypes = ["regular", "read-only", "billing"]
        case .aws:
            // IAM Identity Center refuses a create without displayName, givenName and familyName.
            userNameIsEmail = false
            requiredNameParts = [("givenName", \.givenName), ("familyName", \.familyName)]
            requiresDisplayName = true
            maxNamePartLength = nil
            userTypes = nil
        case .generic, .entra, .github, .slack:
            userNameIsEmail = false
            requiredNameParts = []
            requiresDisplayName = false
            maxNamePartLength = nil
            userTypes = nil
        }
    }

    func check(_ users: [DesiredUser], into diagnostics: inout [Diagnostic]) {
        let profile = "the \(provider.rawValue) provider"
        for user in users {
            if userNameIsEmail, !EmailAddress.isValid(user.userName.value) {
                diagnostics.append(
                    Diagnostic(
                        .providerLimit,
                        "\(profile) needs userName to be an email address, not \(quote(user.userName.value))",
                        at: user.userName.location))
            }
            let name = user.name.value
            for (partName, part) in requiredNameParts {
                guard let declared = name?[keyPath: part], case .set(let value, let location) = declared else {
                    let location = name.flatMap { $0[keyPath: part].location } ?? user.location
                    diagnostics.append(
                        Diagnostic(
                            .providerLimit, "\(profile) requires name.\(partName) for \(quote(user.userName.value))",
                            at: location))
                    continue
                }
                if value.isEmpty {
                    diagnostics.append(
                        Diagnostic(.providerLimit, "\(profile) requires a non-empty name.\(partName)", at: location))
                } else if let limit = maxNamePartLength, value.count > limit {
                    diagnostics.append(
                        Diagnostic(
                            .providerLimit,
                            "\(profile) allows at most \(limit) characters in name.\(partName); this one has \(value.count)",
                            at: location))
                }
            }
            if requiresDisplayName, user.displayName.value == nil {
                diagnostics.append(
                    Diagnostic(
                        .providerLimit, "\(profile) requires displayName for \(quote(user.userName.value))",
                        at: user.displayName.location ?? user.location))
            }
            if let allowed = userTypes, case .set(let type, let location) = user.userType, !allowed.contains(type) {
                diagnostics.append(
                    Diagnostic(
                        .providerLimit,
                        "\(profile) accepts userType \(allowed.map { "'\($0)'" }.joined(separator: ", ")), not \(quote(type))",
                        at: location))
            }
        }
    }
}
