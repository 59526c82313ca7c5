import DesiredState
import Identity
public import SCIM

/// Emails and phone numbers, compared as the plan compares them: a set of (value, type) with the primary
/// one named, emails ignoring case. The diff decides with it whether to change them, and apply whether
/// the provider kept them — one rule, so a write checked as kept never shows up in the next plan.
public enum Contacts {
    public typealias Entry = (value: String, type: String?, primary: Bool)

    public static func same(_ have: [Entry], _ wanted: [Entry], foldCase: Bool) -> Bool {
        func key(_ entry: Entry) -> String {
            (foldCase ? entry.value.caseFolded : entry.value) + "\u{0}" + (entry.type ?? "")
        }
        return Set(have.map(key)) == Set(wanted.map(key))
            && have.first(where: \.primary).map(key) == wanted.first(where: \.primary).map(key)
    }

    /// A live attribute's entries.
    public static func entries(_ values: [SCIMMultiValue]?) -> [Entry] {
        (values ?? []).map { ($0.value, $0.type, $0.primary == true) }
    }

    /// The entries of a plan's JSON value for the attribute (`[{value, type, primary}]`; null: none).
    public static func entries(_ json: JSONValue?) -> [Entry] {
        (json?.arrayValue ?? []).compactMap { element in
            guard let object = element.objectValue, let value = object["value"]?.stringValue else { return nil }
            return (value, object["type"]?.stringValue, object["primary"]?.boolValue == true)
        }
    }

    /// A plan's JSON entry (`{value, type, primary}`) as a live multi-valued attribute.
    public static func multiValue(_ json: JSONValue) -> SCIMMultiValue? {
        guard let object = json.objectValue, let value = object["value"]?.stringValue else { return nil }
        return SCIMMultiValue(value: value, type: object["type"]?.stringValue, primary: object["primary"]?.boolValue)
    }
}
