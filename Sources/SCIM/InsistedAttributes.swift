public import Catalog

extension ProviderProfile.SentValue {
    /// The value as it goes on the wire.
    public var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .bool(let value): .bool(value)
        case .integer(let value): .number(Double(value))
        case .emptyList: .array([])
        case .emptyObject: .object([:])
        }
    }
}

extension JSONValue {
    /// A whole-resource body (create or replace) with each attribute the provider insists on that it
    /// lacks, in any case, added with the profile's value; what the body already says is never changed.
    func adding(_ insisted: [String: ProviderProfile.SentValue]) -> JSONValue {
        guard !insisted.isEmpty, case .object(var object) = self else { return self }
        for (name, value) in insisted where object[attribute: name] == nil {
            object[name] = value.json
        }
        return .object(object)
    }
}
