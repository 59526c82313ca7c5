/// Reads one resource's attributes strictly: a value of the wrong JSON type is an error, never "absent".
/// A read that cannot be understood must fail the plan (an `emails` that is not a list, read as absent,
/// would be overwritten); `null` is absent, as RFC 7643 §2.5 says.
struct AttributeReader {
    let object: [String: JSONValue]
    /// What is being read, for messages: "the User 'alice@example.com' (id 42)".
    var subject: String

    init(_ object: [String: JSONValue], subject: String) {
        self.object = object
        self.subject = subject
    }

    /// The reader of one resource, with its id and the name it is known by (`userName`, `displayName`),
    /// which must be there; messages then name the resource ("the User 'ann@x.io' (id '42')").
    static func resource(_ json: JSONValue, type: String, named nameAttribute: String) throws(SCIMDecodingError)
        -> (AttributeReader, id: String?, name: String)
    {
        guard let object = json.objectValue else {
            throw SCIMDecodingError(message: "a \(type) is \(json.kindDescription), not an object")
        }
        var reader = AttributeReader(object, subject: "a \(type)")
        let id = try reader.identifier("id")
        let quotedId = id.map(SCIMDecodingError.quote)
        reader.subject = "the \(type)" + (quotedId.map { " with id \($0)" } ?? "")
        let name = try reader.required(nameAttribute, reader.string)
        reader.subject = "the \(type) \(SCIMDecodingError.quote(name))" + (quotedId.map { " (id \($0))" } ?? "")
        return (reader, id, name)
    }

    func value(_ name: String) -> JSONValue? {
        switch object[attribute: name] {
        case .none, .null?: nil
        case let value?: value
        }
    }

    func string(_ name: String) throws(SCIMDecodingError) -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value.stringValue else { throw mismatch(name, value, "a string") }
        return text
    }

    /// An identifier: a string, or a whole number some providers send.
    func identifier(_ name: String) throws(SCIMDecodingError) -> String? {
        guard let value = value(name) else { return nil }
        if let text = value.stringValue { return text }
        if case .number = value, let number = value.intValue { return String(number) }
        throw mismatch(name, value, "a string")
    }

    /// A boolean; also the strings "true"/"false" in any case, which some providers send.
    func bool(_ name: String) throws(SCIMDecodingError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard let flag = value.boolValue else { throw mismatch(name, value, "true or false") }
        return flag
    }

    func object(_ name: String) throws(SCIMDecodingError) -> AttributeReader? {
        guard let value = value(name) else { return nil }
        guard let nested = value.objectValue else { throw mismatch(name, value, "an object") }
        return AttributeReader(nested, subject: "\(subject), in `\(name)`")
    }

    /// A multi-valued attribute: a list of objects.
    func objects(_ name: String) throws(SCIMDecodingError) -> [AttributeReader]? {
        guard let value = value(name) else { return nil }
        guard let list = value.arrayValue else { throw mismatch(name, value, "a list") }
        var readers: [AttributeReader] = []
        readers.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            guard let nested = element.objectValue else {
                throw mismatch("\(name)[\(index)]", element, "an object")
            }
            readers.append(AttributeReader(nested, subject: "\(subject), in `\(name)[\(index)]`"))
        }
        return readers
    }

    func required(_ name: String, _ read: (String) throws(SCIMDecodingError) -> String?) throws(SCIMDecodingError)
        -> String
    {
        guard let value = try read(name) else {
            throw SCIMDecodingError(message: "\(subject): `\(name)` is missing")
        }
        return value
    }

    private func mismatch(_ name: String, _ value: JSONValue, _ expected: String) -> SCIMDecodingError {
        SCIMDecodingError(message: "\(subject): `\(name)` is \(value.kindDescription), not \(expected)")
    }
}

extension JSONValue {
    /// The JSON type, as a message names it.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
