import SafeText

/// Reads one resource's attributes strictly: a value of the wrong JSON type is an error, never "absent".
/// A read that cannot be understood must fail the plan (an `emails` that is not a list, read as absent,
/// would be overwritten); `null` is absent, as RFC 7643 §2.5 says.
/// The words naming what is read are put together only when a message needs them: every resource of a
/// 100,000-user listing passes through here.
struct AttributeReader {
    let object: [String: JSONValue]
    /// The resource: its type, and its id and name once read.
    private let type: String
    private var id: String?
    private var name: String?
    /// Where in the resource, for a nested object: the enclosing attribute, and this one (with its index
    /// in a list).
    private var parent: String?
    private var place: (name: String, index: Int?)?

    private init(_ object: [String: JSONValue], type: String) {
        self.object = object
        self.type = type
    }

    /// What is being read, for messages: "the User 'alice@example.com' (id '42'), in `emails[1]`".
    var subject: String {
        let quotedId = id.map(SCIMDecodingError.quote)
        var text =
            if let name {
                "the \(type) \(SCIMDecodingError.quote(name))" + (quotedId.map { " (id \($0))" } ?? "")
            } else {
                quotedId.map { "the \(type) with id \($0)" } ?? "a \(type)"
            }
        if let place {
            text +=
                ", in `" + (parent.map { $0 + "." } ?? "") + place.name + (place.index.map { "[\($0)]" } ?? "") + "`"
        }
        return text
    }

    private func nested(_ object: [String: JSONValue], _ name: String, _ index: Int?) -> AttributeReader {
        var reader = AttributeReader(object, type: type)
        (reader.id, reader.name, reader.parent, reader.place) = (id, self.name, place?.name, (name, index))
        return reader
    }

    /// The reader of one resource, with its id and the name it is known by (`userName`, `displayName`),
    /// which must be there; messages then name the resource ("the User 'ann@x.io' (id '42')").
    static func resource(_ json: JSONValue, type: String, named nameAttribute: String) throws(SCIMDecodingError)
        -> (AttributeReader, id: String?, name: String)
    {
        guard let object = json.objectValue else {
            throw SCIMDecodingError(message: "a \(type) is \(json.kindDescription), not an object")
        }
        var reader = AttributeReader(object, type: type)
        let id = try reader.identifier("id")
        reader.id = id
        let name = try reader.required(nameAttribute, reader.string)
        reader.name = name
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

    /// An id: a string (or a whole number), which scimctl later puts in a URL path. So it must be a
    /// usable path segment: not empty, not `.` or `..` (a server normalising the path would send a
    /// DELETE elsewhere), no control characters, and not absurdly long.
    func identifier(_ name: String) throws(SCIMDecodingError) -> String? {
        guard let value = value(name) else { return nil }
        let text: String
        if let string = value.stringValue {
            text = string
        } else if case .number = value, let number = value.intValue {
            text = String(number)
        } else {
            throw mismatch(name, value, "a string")
        }
        guard Self.isUsableIdentifier(text) else {
            throw SCIMDecodingError(
                message: "\(subject): `\(name)` \(Printable.escape(text.prefix(60))) is not a usable identifier "
                    + "(empty, '.' or '..', a control character, or over 1,024 bytes)")
        }
        return text
    }

    /// Whether `text` can name a resource in a URL path (see `identifier`).
    static func isUsableIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text != "." && text != ".." && text.utf8.count <= 1024
            && !text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
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
        return self.nested(nested, name, nil)
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
            readers.append(self.nested(nested, name, index))
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
