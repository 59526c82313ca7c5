import Identity

/// Who is in which group of one org, directly and through nesting — the one reading of group membership
/// that rules check and the desired-state JSON shows. Users and groups are numbered by their place in
/// the org (a 100,000-user org is indexed without a dictionary of names per group); names are compared
/// folded, as everywhere else (`caseFolded`).
public struct Memberships: Sendable {
    /// Folded displayName → group number (the first, when a name is declared twice).
    private let groupNumbers: [String: Int]
    /// Per group: its direct user members (user number → where the membership is declared), from the
    /// group's `members` and the users' own `groups`.
    public let direct: [[Int: SourceLocation]]
    /// Per group: its nested groups (group numbers), in declaration order.
    public let nested: [[Int]]
    /// Per group: every user in it, directly or through nested groups (user number → where the innermost
    /// membership is declared).
    public let all: [[Int: SourceLocation]]

    public init(_ org: DeclaredOrg) {
        let users = org.users
        let groups = org.groups
        var groupNumbers: [String: Int] = [:]
        groupNumbers.reserveCapacity(groups.count)
        for number in groups.indices {
            let key = groups[number].displayName.value.caseFolded
            if groupNumbers[key] == nil { groupNumbers[key] = number }
        }
        var direct = [[Int: SourceLocation]](repeating: [:], count: groups.count)
        var nested = [[Int]](repeating: [], count: groups.count)
        var userNumbers: [String: Int] = [:]
        userNumbers.reserveCapacity(users.count)
        users.withUnsafeBufferPointer { users in
            for number in users.indices {
                let key = users[number].userName.value.caseFolded
                if userNumbers[key] == nil { userNumbers[key] = number }
                for group in users[number].groups {
                    guard let target = groupNumbers[group.value.caseFolded] else { continue }
                    if direct[target][number] == nil { direct[target][number] = group.location }
                }
            }
        }
        for number in groups.indices {
            for member in groups[number].members {
                let key = member.value.caseFolded
                if let user = userNumbers[key] {
                    if direct[number][user] == nil { direct[number][user] = member.location }
                } else if let group = groupNumbers[key] {
                    nested[number].append(group)
                }
            }
        }
        // Membership is transitive, as SCIM's is: a member of a nested group is a member of its parents.
        var closed = [[Int: SourceLocation]?](repeating: nil, count: groups.count)
        func close(_ group: Int, _ visiting: inout Set<Int>) -> [Int: SourceLocation] {
            if let done = closed[group] { return done }
            guard visiting.insert(group).inserted else { return [:] }  // a cycle, reported elsewhere
            var all = direct[group]
            for child in nested[group] { all.merge(close(child, &visiting)) { own, _ in own } }
            visiting.remove(group)
            closed[group] = all
            return all
        }
        for number in groups.indices {
            var visiting = Set<Int>()
            _ = close(number, &visiting)
        }
        self.groupNumbers = groupNumbers
        self.direct = direct
        self.nested = nested
        self.all = closed.map { $0 ?? [:] }
    }

    /// The number of the group named `name` (compared folded), if the org declares it.
    public func group(_ name: String) -> Int? { groupNumbers[name.caseFolded] }

    /// Each user's groups (by number), directly or through nesting, in group order.
    public func groupsOfUsers(count users: Int) -> [[Int]] {
        var result = [[Int]](repeating: [], count: users)
        for (group, members) in all.enumerated() {
            for user in members.keys { result[user].append(group) }
        }
        return result
    }
}
