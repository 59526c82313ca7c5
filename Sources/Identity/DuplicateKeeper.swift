/// Which of several live groups with one name stays: the one with most members, then the oldest, then
/// the lowest id — the same choice on every run. Used by the planner (which plans the others' deletion)
/// and by a racing apply that finds a twin of the group it just created (which deletes its own unless
/// its own is the keeper), so the two never keep different groups.
public enum DuplicateKeeper {
    /// What the choice looks at.
    public struct Candidate: Sendable, Hashable {
        public var id: String?
        public var members: Int
        /// `meta.created` as the provider wrote it (RFC 3339 times compare as text); nil sorts last.
        public var created: String?

        public init(id: String?, members: Int, created: String?) {
            self.id = id
            self.members = members
            self.created = created
        }
    }

    /// Whether `lhs` is kept in preference to `rhs`.
    public static func precedes(_ lhs: Candidate, _ rhs: Candidate) -> Bool {
        if lhs.members != rhs.members { return lhs.members > rhs.members }
        let (leftCreated, rightCreated) = (lhs.created ?? "~", rhs.created ?? "~")
        if leftCreated != rightCreated { return leftCreated < rightCreated }
        return (lhs.id ?? "") < (rhs.id ?? "")
    }

    /// The element of `items` that stays; nil for none.
    public static func keeper<Item>(of items: [Item], _ candidate: (Item) -> Candidate) -> Item? {
        items.min { precedes(candidate($0), candidate($1)) }
    }
}
