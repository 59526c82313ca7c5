import Catalog
import DesiredState
import Identity
import Planner
import SCIM

/// The requests behind each kind of action.
extension PlanExecutor {
    /// Creates a user. A create is never blindly repeated: after a lost response or a 5xx the user is
    /// looked up first, and created again only if it is not there; a conflict adopts the existing user.
    func createUser(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        let user = try await Self.user(from: action.changes)
        var lastError: SCIMError?
        for _ in 0..<Self.createAttempts {
            switch await attempt({ () throws(SCIMError) in try await client.createUser(user) }) {
            case .success(let created):
                counter.sent(201)
                if let problem = Self.created(created.id, action).problem(with: created) {
                    throw ActionFailed(description: problem)
                }
                try await adoptId(created.id, action, state: state)
                return
            case .failure(let error):
                counter.requests += 1
                counter.status = error.status
                switch error.kind {
                case .conflict:
                    // The user exists: link it, and make it what the YAML says.
                    guard let found = try await lookUp(user.userName, counter: &counter) else { throw error }
                    try await adopt(found.id, action, state: state)
                    counter.note = "already existed; adopted"
                    if let id = found.id {
                        let expected = Self.created(id, action)
                        let answer = try await client.patchUser(
                            id: id, Self.patchOperations(expected.changes), version: nil)
                        counter.requests += 1
                        try check(answer, expected, counter: &counter)
                    }
                    return
                case .transport, .unavailable:
                    // The response may be lost after the provider created it: look before trying again.
                    lastError = error
                    if let found = try await lookUp(user.userName, counter: &counter) {
                        try await adopt(found.id, action, state: state)
                        if let problem = Self.created(found.id, action).problem(with: found) {
                            throw ActionFailed(description: problem)
                        }
                        counter.note = "created (the first response was lost)"
                        return
                    }
                default:
                    throw error
                }
            }
        }
        throw lastError ?? SCIMError(.transport, "the user could not be created")
    }

    /// How many times a create is sent at most, each retry after a look-up that found nothing: as many
    /// as any other request gets by default.
    static let createAttempts = RetryPolicy.defaultAttempts

    /// The live user with this userName (ignoring case), if there is one. After a create whose outcome is
    /// unknown this look-up decides whether to send it again, so a look-up that itself fails on a
    /// transient error is tried again (each try already retries as the connection's policy allows).
    private func lookUp(_ userName: String, counter: inout Counter) async throws -> SCIMUser? {
        var tries = 0
        while true {
            tries += 1
            counter.requests += 1
            switch await attempt({ () throws(SCIMError) in try await client.findUsers(userName: userName) }) {
            case .success(let found):
                return found.first { $0.userName.caseFolded == userName.caseFolded }
            case .failure(let error)
            where tries < RetryPolicy.decidingLookUpTries
                && [.transport, .unavailable, .rateLimited].contains(error.kind):
                continue
            case .failure(let error):
                throw error
            }
        }
    }

    /// A request's outcome as a value, so that typed errors can be examined next to untyped ones.
    func attempt<Value>(_ body: () async throws(SCIMError) -> Value) async -> Result<Value, SCIMError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    private func adoptId(_ id: String?, _ action: PlannedAction, state: ApplyState) async throws {
        guard let id else { throw SCIMError(.invalidResponse, "the provider returned no id for '\(action.key)'") }
        await state.learn(action.type, key: action.key, id: id)
    }

    /// Links an object that already exists live, unless this plan removes it: an object the plan
    /// deactivates or deletes is never adopted in the same run.
    private func adopt(_ id: String?, _ action: PlannedAction, state: ApplyState) async throws {
        if let id, let removal = await state.removal(action.type, id) {
            throw ActionFailed(
                description:
                    "a \(action.type.rawValue) named '\(action.key)' exists live (id \(id)), and this plan "
                    + "\(removal.action.rawValue)s it as '\(removal.key)'; not adopted: plan again")
        }
        try await adoptId(id, action, state: state)
    }

    /// The attributes a create sets, but the userName and the manager (set once both users exist).
    static func creationChanges(_ changes: [AttributeChange]) -> [AttributeChange] {
        changes.filter(\.attribute.sentOnCreate)
    }

    /// What the user a create made (or adopted) must hold: its name, the declared attributes, active.
    static func created(_ id: String?, _ action: PlannedAction) -> Expectation {
        Expectation(
            type: .user, id: id ?? "", key: action.key,
            changes: creationChanges(action.changes) + [AttributeChange(.active, old: nil, new: .bool(true))])
    }

    /// Checks a write's answer against what it should have left: at once when the provider answered with
    /// the resource, at the end of apply (the re-read) when it answered 204.
    func check(_ answer: SCIMUser?, _ expected: Expectation, counter: inout Counter) throws {
        guard let answer else {
            counter.pending.append(expected)
            return
        }
        if let problem = expected.problem(with: answer) { throw ActionFailed(description: problem) }
    }

    func check(_ answer: SCIMGroup?, _ expected: Expectation, counter: inout Counter) throws {
        guard let answer, !expected.needsMembers(answer) else {
            counter.pending.append(expected)
            return
        }
        if let problem = expected.problem(with: answer) { throw ActionFailed(description: problem) }
    }

    /// A manager can be set only once both users exist: after the creates, by PATCH.
    func setManager(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        guard let change = action.changes.first(where: { $0.attribute == .manager }),
            let id = await state.id(.user, action.key)
        else { return }
        let changes = try await resolved([change], state: state)
        let answer = try await client.patchUser(id: id, Self.patchOperations(changes), version: nil)
        counter.requests += 1
        try check(answer, Expectation(type: .user, id: id, key: action.key, changes: changes), counter: &counter)
    }

    /// Changes as the provider should hold them: the manager by id.
    func resolved(_ changes: [AttributeChange], state: ApplyState) async throws -> [AttributeChange] {
        var result: [AttributeChange] = []
        for var change in changes {
            if change.attribute == .manager, let key = change.new?.stringValue {
                guard let id = await state.id(.user, key) else {
                    throw Skip(reason: "its manager '\(key)' was not created")
                }
                change.new = .string(id)
            }
            result.append(change)
        }
        return result
    }

    func createGroup(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        var group = SCIMGroup(displayName: action.key)
        // Members are added by the step after; the create says "none yet" outright, which RFC 7643 allows
        // everywhere and some servers require ("Field 'members' is required").
        group.members = []
        for change in action.changes where !change.attribute.write(change.new, to: &group) {
            throw Skip(reason: "the plan changes '\(change.attribute)', which a group does not have")
        }
        var expected = Expectation(type: .group, id: "", key: group.displayName)
        expected.changes = action.changes.filter { $0.attribute != .groupName }
        // Group names need not be unique: look first, so that a second apply racing this one (or one
        // re-run after a lost response) links the group instead of making a twin. In a phase of many
        // creates, the phase's one listing is consulted instead (`listGroupNames(before:state:)`).
        let existing: [SCIMGroup]
        if let listed = await state.listedGroups(named: group.displayName) {
            existing = listed
        } else {
            existing = try await client.findGroups(displayName: group.displayName)
            counter.requests += 1
        }
        if let found = try adoptable(existing, group.displayName) {
            try await adopt(found.id, action, state: state)
            counter.note = "already existed; adopted"
            return
        }
        switch await attempt({ () throws(SCIMError) in try await client.createGroup(group) }) {
        case .success(let created):
            counter.sent(201)
            expected.id = created.id ?? ""
            if let problem = expected.problem(with: created) { throw ActionFailed(description: problem) }
            if await state.settlesTwinsAfterPhase {
                await state.created(created, key: action.key)
                try await adoptId(created.id, action, state: state)
            } else {
                try await adoptId(try await settleTwins(of: created, counter: &counter), action, state: state)
            }
        case .failure(let error):
            counter.requests += 1
            guard [.conflict, .transport, .unavailable].contains(error.kind) else { throw error }
            // It may exist (a conflict, or a create whose response was lost): link the one that stays.
            guard let found = try await survivor(named: group.displayName, counter: &counter) else { throw error }
            try await adopt(found.keeper.id, action, state: state)
            counter.note =
                error.kind == .conflict ? "already existed; adopted" : "created (the first response was lost)"
            if found.removed > 0 {
                let twins = found.removed == 1 ? "1 twin" : "\(found.removed) twins"
                counter.note! += "; removed \(twins) another run made at the same time"
            }
        }
    }

    /// After a create that failed in a way that may have created it (a lost response, a conflict): the
    /// group of that name that stays, and how many twins were deleted. The look-up before this create
    /// found no group of the name, so every one named so now was made since, by this create or by an
    /// apply racing it: the one `DuplicateKeeper` picks stays and the others are deleted, as each racing
    /// creator deletes its own twin (`settleTwins`), so that whichever run looks last, one group is left.
    /// Without this, a twin left by a lost response stays for the next plan to delete.
    private func survivor(named displayName: String, counter: inout Counter) async throws -> (
        keeper: SCIMGroup, removed: Int
    )? {
        let named = try await client.findGroups(displayName: displayName).filter {
            $0.displayName.caseFolded == displayName.caseFolded && $0.id != nil
        }
        counter.requests += 1
        guard let keeper = DuplicateKeeper.keeper(of: named, \.keeperCandidate) else { return nil }
        var removed = 0
        for twin in named where twin.id != keeper.id {
            try await deleteTwin(twin.id!, counter: &counter)
            removed += 1
        }
        return (keeper, removed)
    }

    /// Deletes a twin group; one already deleted (by the run that made it, settling too) is as good.
    private func deleteTwin(_ id: String, counter: inout Counter) async throws {
        counter.requests += 1
        do {
            try await client.deleteGroup(id: id)
        } catch  where error.kind == .notFound {
            return
        }
    }

    /// The one live group with this name, if there is one; several are an error to plan again over.
    private func adoptable(_ groups: [SCIMGroup], _ displayName: String) throws -> SCIMGroup? {
        let named = groups.filter { $0.displayName.caseFolded == displayName.caseFolded }
        guard named.count <= 1 else {
            throw ActionFailed(
                description:
                    "\(named.count) groups named '\(displayName)' exist live (ids "
                    + named.compactMap(\.id).sorted().joined(separator: ", ") + "): plan again to resolve them")
        }
        return named.first
    }

    /// More group creates than this in a phase look names up in one listing before the phase and settle
    /// twins after one listing at its end, instead of one look-up before and one after each create:
    /// 500 creates cost two listings (a page each per 1,000 groups), not 1,000 look-ups.
    static let groupCreatesListed = 8

    /// Before a phase: when it creates more than `groupCreatesListed` groups, one listing of the groups'
    /// names, which each create consults instead of a look-up. True when the listing stands; false
    /// (each create looks up, as for a few) when there are few creates or the listing failed.
    func listGroupNames(before phase: [Step], state: ApplyState) async -> Bool {
        let creates = phase.count { $0.part == .main && $0.action.type == .group && $0.action.action == .create }
        guard creates > Self.groupCreatesListed, client.capabilities.groupsSupported,
            let groups = try? await client.listGroupNames()
        else { return false }
        await state.useListedGroups(groups)
        return true
    }

    /// After a phase whose creates consulted a listing: one listing again, and every group created in
    /// the phase whose name is now listed more than once is settled as a single create settles it
    /// (`settleTwins`: its twins read by name, the keeper kept, its own deleted if it is not). The
    /// same safety as a look-up after each create, since the listing follows every create of the phase;
    /// when the listing fails, each created group is settled by name.
    func settleCreatedGroups(_ state: ApplyState) async {
        let created = await state.endGroupPhase()
        guard !created.isEmpty else { return }
        let listed = try? await client.listGroupNames()
        let named = listed.map { Dictionary(grouping: $0, by: \.displayName.caseFolded).mapValues(\.count) }
        for (key, group) in created where (named?[group.displayName.caseFolded] ?? 2) > 1 {
            var counter = Counter()
            let entry: LedgerEntry?
            do {
                let kept = try await settleTwins(of: group, counter: &counter)
                guard let kept, kept != group.id else { continue }
                await state.learn(.group, key: key, id: kept)
                entry = await state.settled(group: key, id: kept, note: counter.note, failure: nil, time: now())
            } catch {
                entry = await state.settled(
                    group: key, id: nil, note: nil,
                    failure: "created, but settling it with a group of the same name failed: \(error)", time: now())
            }
            if let entry { record(entry) }
        }
    }

    /// After a create, the group that stays: when another apply created the same group meanwhile, both
    /// keep the one `DuplicateKeeper` picks (as the planner would) and the other creator deletes its own,
    /// so that two racing applies leave one group. Returns the id to use.
    private func settleTwins(of created: SCIMGroup, counter: inout Counter) async throws -> String? {
        guard let id = created.id else { return nil }
        let named = try await client.findGroups(displayName: created.displayName).filter {
            $0.displayName.caseFolded == created.displayName.caseFolded && $0.id != nil
        }
        counter.requests += 1
        guard named.count > 1 else { return id }
        let keeper = DuplicateKeeper.keeper(of: named, \.keeperCandidate)!
        guard keeper.id != id else { return id }
        try await deleteTwin(id, counter: &counter)
        counter.note = "created by another run at the same time; adopted that one"
        return keeper.id
    }

    /// Update, adopt, reactivate, deactivate: PATCH with the changed paths only, or GET + PUT with
    /// If-Match where the provider has no PATCH or answers 501 to this one (then for the rest of the run).
    func updateUser(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        guard let id = action.id else { throw Skip(reason: "no live id") }
        var changes = action.changes
        switch action.action {
        case .deactivate: changes.append(AttributeChange(.active, old: .bool(true), new: .bool(false)))
        case .reactivate: changes.append(AttributeChange(.active, old: .bool(false), new: .bool(true)))
        default: break
        }
        guard !changes.isEmpty else { return }
        let resolvedChanges = try await resolved(changes, state: state)
        var result: Result<SCIMUser?, SCIMError>
        if client.capabilities.patchSupported, await !state.isNotImplemented(.userPatch) {
            let operations = Self.patchOperations(resolvedChanges)
            result = await attempt { () throws(SCIMError) in
                try await client.patchUser(id: id, operations, version: action.version)
            }
            if case .failure(let error) = result, error.isNotImplemented {
                counter.sent(501)
                await state.learnNotImplemented(.userPatch)
                result = try await putUser(id, changes, state: state, counter: &counter)
            }
        } else {
            result = try await putUser(id, changes, state: state, counter: &counter)
        }
        switch result {
        case .success(let answer):
            counter.sent(200)
            try check(
                answer, Expectation(type: .user, id: id, key: action.key, changes: resolvedChanges), counter: &counter)
        case .failure(let error) where error.kind == .notFound && action.action == .deactivate:
            counter.sent(404)
            counter.note = "already gone"
        case .failure(let error):
            throw error
        }
    }

    /// GET + PUT of the whole user with `changes` made, If-Match on the version read.
    private func putUser(
        _ id: String, _ changes: [AttributeChange], state: ApplyState, counter: inout Counter
    ) async throws -> Result<SCIMUser?, SCIMError> {
        if client.capabilities.patchSupported { counter.note = Self.putNote }
        counter.requests += 1
        let current: SCIMUser
        switch await attempt({ () throws(SCIMError) in try await client.getUser(id: id) }) {
        case .success(let user): current = user
        case .failure(let error): return .failure(error)
        }
        let updated = try await Self.apply(changes, to: Self.resendable(current), state: state)
        return await attempt { () throws(SCIMError) in
            try await client.replaceUser(id: id, with: updated, version: current.meta?.version)
        }.map { $0 }
    }

    /// A user as read, fit to be sent back whole: entries of a multi-valued attribute without a value
    /// are dropped (RFC 7643 §2.4 makes `value` their point; django-scim2 serves `{"value": "",
    /// "primary": true}` for a user with no email, and refuses that same entry on PUT).
    static func resendable(_ user: SCIMUser) -> SCIMUser {
        var user = user
        for (attribute, values) in user.contacts.present {
            let kept = values.filter { !$0.value.isEmpty }
            user.contacts[attribute] = kept.isEmpty ? nil : kept
        }
        return user
    }

    /// The note on an action written by PUT because the provider answered 501 to its PATCH.
    static let putNote = "written by GET + PUT: the provider does not implement this PATCH (HTTP 501)"

    func updateGroup(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        guard let id = action.id else { throw Skip(reason: "no live id") }
        if !action.changes.isEmpty {
            let answer: SCIMGroup?
            if client.capabilities.patchSupported, await !state.isNotImplemented(.groupPatch) {
                let operations = Self.patchOperations(action.changes)
                switch await attempt({ () throws(SCIMError) in
                    try await client.patchGroup(id: id, operations, version: nil)
                }) {
                case .success(let patched):
                    answer = patched
                case .failure(let error) where error.isNotImplemented:
                    counter.sent(501)
                    await state.learnNotImplemented(.groupPatch)
                    answer = try await putGroup(id, action.changes, counter: &counter)
                case .failure(let error):
                    throw error
                }
            } else {
                answer = try await putGroup(id, action.changes, counter: &counter)
            }
            counter.sent(200)
            try check(
                answer, Expectation(type: .group, id: id, key: action.key, changes: action.changes), counter: &counter)
        }
        try await addMembers(action, state: state, counter: &counter)
    }

    /// GET + PUT of the whole group (its members as read) with `changes` made, If-Match on the version.
    private func putGroup(_ id: String, _ changes: [AttributeChange], counter: inout Counter) async throws -> SCIMGroup
    {
        if client.capabilities.patchSupported { counter.note = Self.putNote }
        var group = try await client.getGroup(id: id)
        counter.requests += 1
        for change in changes where !change.attribute.write(change.new, to: &group) {
            throw Skip(reason: "the plan changes '\(change.attribute)', which a group does not have")
        }
        return try await client.replaceGroup(id: id, with: group, version: group.meta?.version)
    }

    func addMembers(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        guard let add = action.members?.add, !add.isEmpty else { return }
        guard let groupId = await state.id(.group, action.key) ?? action.id else {
            throw Skip(reason: "the group was not created")
        }
        var ids: [String] = []
        var missing: [String] = []
        for member in add {
            if let id = member.id {
                ids.append(id)
            } else if let id = await state.id(member.type, member.key) {
                ids.append(id)
            } else {
                missing.append(member.key)
            }
        }
        if !ids.isEmpty {
            let answer: SCIMGroup?
            if await usesGroupPatch(state) {
                switch await attempt({ () throws(SCIMError) in
                    try await client.addMembers(groupId: groupId, memberIds: ids)
                }) {
                case .success(let patched): answer = patched
                case .failure(let error) where error.isNotImplemented:
                    counter.sent(501)
                    await state.learnNotImplemented(.membershipPatch)
                    answer = try await putMembers(groupId, adding: ids, removing: [], counter: &counter)
                case .failure(let error): throw error
                }
            } else {
                answer = try await putMembers(groupId, adding: ids, removing: [], counter: &counter)
            }
            counter.sent(200)
            try check(
                answer, Expectation(type: .group, id: groupId, key: action.key, checksName: false, membersPresent: ids),
                counter: &counter)
        }
        if !missing.isEmpty {
            throw Skip(reason: "added \(ids.count); skipped \(missing.joined(separator: ", ")): not created")
        }
    }

    /// Removes members one at a time (so that one already gone does not fail the rest), by filter path,
    /// or by value list once the provider answered 501 to a filter path.
    func removeMembers(_ action: PlannedAction, state: ApplyState, counter: inout Counter) async throws {
        guard let remove = action.members?.remove, !remove.isEmpty, let groupId = action.id else { return }
        guard await usesGroupPatch(state) else {
            let ids = remove.compactMap(\.id)
            let answer = try await putMembers(groupId, adding: [], removing: ids, counter: &counter)
            counter.sent(200)
            try check(
                answer, Expectation(type: .group, id: groupId, key: action.key, checksName: false, membersAbsent: ids),
                counter: &counter)
            return
        }
        var removed: [String] = []
        var lastAnswer: SCIMGroup?
        for member in remove {
            guard let id = member.id else { continue }
            var form: MemberRemovalForm =
                await state.isNotImplemented(.memberRemovalByFilterPath) ? .valueList : .filterPath
            while true {
                let current = form
                switch await attempt({ () throws(SCIMError) in
                    try await client.removeMembers(groupId: groupId, memberIds: [id], form: current)
                }) {
                case .success(let answer):
                    counter.sent(200)
                    lastAnswer = answer
                    if current == .valueList { counter.note = Self.valueListNote }
                case .failure(let error) where error.status == 400 && error.scimType == "noTarget":
                    counter.sent(400)  // already not a member
                    lastAnswer = nil
                case .failure(let error) where error.isNotImplemented && current == .filterPath:
                    counter.sent(501)
                    await state.learnNotImplemented(.memberRemovalByFilterPath)
                    form = .valueList
                    continue
                case .failure(let error): throw error
                }
                break
            }
            removed.append(id)
        }
        try check(
            lastAnswer,
            Expectation(type: .group, id: groupId, key: action.key, checksName: false, membersAbsent: removed),
            counter: &counter)
    }

    /// Whether membership changes go by PATCH: the provider has it and has not answered 501 to a
    /// membership PATCH this run (a 501 to a displayName PATCH says nothing of members: django-scim2).
    private func usesGroupPatch(_ state: ApplyState) async -> Bool {
        guard client.capabilities.patchSupported else { return false }
        return await !state.isNotImplemented(.membershipPatch)
    }

    /// Membership by GET + PUT of the whole group (If-Match on the version read), for a provider without
    /// PATCH: the members read, plus `adding`, minus `removing`.
    private func putMembers(
        _ groupId: String, adding: [String], removing: [String], counter: inout Counter
    ) async throws -> SCIMGroup {
        if client.capabilities.patchSupported { counter.note = Self.putNote }
        var group = try await client.getGroup(id: groupId)
        counter.requests += 1
        guard let current = group.members else {
            throw ActionFailed(
                description: "the provider has no PATCH and does not return the group's members, so they cannot be "
                    + "replaced safely (a PUT would drop members not read)")
        }
        let held = Set(current.map(\.value))
        let dropped = Set(removing)
        var members = current.filter { !dropped.contains($0.value) }
        for id in adding where !held.contains(id) { members.append(SCIMMember(value: id)) }
        group.members = members
        return try await client.replaceGroup(id: groupId, with: group, version: group.meta?.version)
    }

    /// The note on a member removal sent as a value list because the provider answered 501 to a filter path.
    static let valueListNote = "by value list: the provider does not implement removal by filter path (HTTP 501)"

    func delete(
        _ action: PlannedAction, counter: inout Counter, _ request: (String) async throws(SCIMError) -> Void
    ) async throws {
        guard let id = action.id else { throw Skip(reason: "no live id") }
        switch await attempt({ () throws(SCIMError) in try await request(id) }) {
        case .success:
            counter.sent(204)
            counter.pending.append(Expectation(type: action.type, id: id, key: action.key, state: .deleted))
        case .failure(let error) where error.kind == .notFound:
            counter.sent(404)
            counter.note = "already gone"
        case .failure(let error):
            throw error
        }
    }

    // MARK: Changes → requests

    /// One PATCH operation per changed path, for changes already `resolved` (the manager by id):
    /// `replace` for a value, `remove` for a cleared one.
    static func patchOperations(_ changes: [AttributeChange]) -> [PatchOperation] {
        changes.map { change in
            let path = change.attribute.scimPath
            guard let new = change.new, new != .null else { return PatchOperation(.remove, path: path) }
            return PatchOperation(.replace, path: path, value: change.attribute.patchValue(new))
        }
    }

    /// The user a create sends: every declared attribute but the manager (set once both exist).
    static func user(from changes: [AttributeChange]) async throws -> SCIMUser {
        guard let userName = changes.first(where: { $0.attribute == .userName })?.new?.stringValue else {
            throw Skip(reason: "the plan's create has no userName")
        }
        var user = SCIMUser(userName: userName)
        user.active = true
        return try await apply(creationChanges(changes), to: user, state: nil)
    }

    /// `changes` applied to a user value (for creates, and GET + PUT where PATCH is missing); with a
    /// `state`, the manager is resolved to the id of a user that exists by now.
    static func apply(_ changes: [AttributeChange], to user: SCIMUser, state: ApplyState?) async throws -> SCIMUser {
        var user = user
        for var change in changes {
            if change.attribute == .manager, let key = change.new?.stringValue {
                guard let state, let id = await state.id(.user, key) else {
                    if state == nil { continue }
                    throw Skip(reason: "its manager '\(key)' was not created")
                }
                change.new = .string(id)
            }
            guard change.attribute.write(change.new, to: &user) else {
                throw Skip(reason: "the plan changes '\(change.attribute)', which a user does not have")
            }
        }
        return user
    }
}
