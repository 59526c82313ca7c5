/// Live objects by a name (already folded), where a name usually belongs to one object: no array per
/// entry. How the planner finds the live objects a declared one may match.
public struct NameIndex: Sendable {
    private var first: [String: Int]
    private var more: [String: [Int]] = [:]

    public init(capacity: Int) {
        first = Dictionary(minimumCapacity: capacity)
    }

    public mutating func insert(_ key: String, _ index: Int) {
        if first[key] == nil {
            first[key] = index
        } else {
            more[key, default: []].append(index)
        }
    }

    /// Every index under `key`, in insertion order.
    public func forEach(_ key: String, _ body: (Int) -> Void) {
        guard let index = first[key] else { return }
        body(index)
        more[key]?.forEach(body)
    }

    /// Every index under `key`, in insertion order.
    public func indices(_ key: String) -> [Int] {
        var result: [Int] = []
        forEach(key) { result.append($0) }
        return result
    }
}
