import Catalog
import DesiredState
import Foundation
import Identity
import OrgExport
import Planner
import SCIM
import SafeText

/// `scimctl import --target NAME --into DIR`: one target's live accounts merged into a people directory
/// (docs/contract.md, "Many targets"). A matched person gains `access.NAME` holding what differs there,
/// written into their own entry; accounts that match nobody become new people in `DIR/NAME-imported.yaml`
/// with the target's undeclared groups; an account that matches two people (or a person two accounts
/// match) is reported, never guessed. A plan of NAME right after has nothing to do for what was merged.
public struct ImportIntoUseCase: Sendable {
    public var session: Session
    public var target: String
    public var into: String
    /// For a target `targets:` does not declare yet: its profile and token variable, written with `--url`.
    public var provider: String
    public var tokenEnv: String

    public init(session: Session, target: String, into: String, provider: String, tokenEnv: String) {
        self.session = session
        self.target = target
        self.into = into
        self.provider = provider
        self.tokenEnv = tokenEnv
    }

    /// What the merge did, for the summary line and tests.
    public struct Outcome: Sendable {
        public var matched = 0
        public var added = 0
        public var alreadyDeclared = 0
        public var undecided: [String] = []
        public var groups = 0
        public var file: String?
    }

    @discardableResult
    public func run() async throws -> Outcome {
        let console = session.console
        var (desired, texts) = try await load()
        guard !desired.targets.isEmpty else {
            try session.fail(
                "\(into) declares one target (target:), not a people directory (targets:); import --into merges a "
                    + "target into a directory of several (without --into, import writes a one-target org)")
        }
        if desired.targets.first(where: { $0.name.value.lowercased() == target.lowercased() }) == nil {
            (desired, texts) = try await declareTarget(in: desired, texts: texts)
        }
        guard let named = desired.targets.first(where: { $0.name.value.lowercased() == target.lowercased() }),
            let scope = desired.scopes.first(where: { $0.name == named.name.value })
        else { try session.fail("target \(target) is not declared in \(into)") }
        let name = named.name.value
        let file = URL(fileURLWithPath: into).appendingPathComponent("\(name)-imported.yaml")
        if FileManager.default.fileExists(atPath: file.path) {
            try session.fail("\(file.path) exists; import never overwrites: move it away first")
        }

        let (client, info) = try await session.connect(scope.org, name: name)
        let live: LiveSnapshot
        do {
            live = try await LiveSnapshot.read(
                from: client, includeGroups: client.capabilities.groupsSupported, includeSchemas: true)
        } catch {
            try session.fail("target \(name): reading the live state failed, so nothing was written: \(error)")
        }
        let merge = DirectoryMerge(target: name, desired: desired, live: live)
        let matching = merge.match()
        var outcome = Outcome()
        outcome.matched = matching.matched.count
        outcome.alreadyDeclared = matching.alreadyDeclared.count
        outcome.added = matching.unmatched.count
        outcome.undecided = matching.undecided.map { "\(live.users[$0.account].userName): \($0.reason)" }

        // The names members and managers are written by: a matched account by its person's key.
        var names: [String: String] = [:]
        var liveKeys: [String: String] = [:]
        for (account, person) in matching.matched.merging(matching.alreadyDeclared, uniquingKeysWith: { $1 }) {
            let user = live.users[account]
            if let id = user.id { names[id] = desired.users[person].userName.value }
            liveKeys[user.userName.caseFolded] = desired.users[person].userName.value
        }
        // Round one: each matched person's access, with the userName it has there when it differs and
        // what the target's profile requires that the person does not declare (so the directory loads).
        var overrides: [Int: [String: JSONValue]] = [:]
        let required = (named.target.providerProfile.requiredAttributes).compactMap(AttributeTable.string(at:))
        for (account, person) in matching.matched {
            let user = live.users[account]
            var values: [String: JSONValue] = [:]
            if user.userName.caseFolded != desired.users[person].userName.value.caseFolded {
                values["userName"] = .string(user.userName)
            }
            let missing = required.filter { desired.users[person].attributes[$0]?.value == nil }
            let changes = missing.compactMap { attribute in
                user.attributes[attribute].map { AttributeChange(.string(attribute), old: .string($0), new: nil) }
            }
            values.merge(DirectoryMerge.overrides(from: changes, liveKeys: liveKeys)) { $1 }
            overrides[person] = values
        }
        let declaredGroups = Set(scope.org.groups.map { $0.displayName.value.caseFolded })
        let newGroups = live.groups.filter { !declaredGroups.contains($0.displayName.caseFolded) }
        // Members of the groups the directory already declares there join them from their own access.
        var accountIndex: [String: Int] = [:]
        for (index, user) in live.users.enumerated() { if let id = user.id { accountIndex[id] = index } }
        var accessGroups: [String: [String]] = [:]
        for group in live.groups where declaredGroups.contains(group.displayName.caseFolded) {
            for member in group.members ?? [] where member.type != "Group" {
                guard let account = accountIndex[member.value] else { continue }
                if let person = matching.matched[account] {
                    var groups = overrides[person]?["groups"]?.arrayValue ?? []
                    groups.append(.string(group.displayName))
                    overrides[person, default: [:]]["groups"] = .array(groups)
                } else if matching.unmatched.contains(account) {
                    accessGroups[member.value, default: []].append(group.displayName)
                }
            }
        }
        outcome.groups = newGroups.count
        var exporter = OrgExporter(
            target: info, schemas: live.schemas,
            header: [
                "Imported by `scimctl import --target \(name) --into` from \(info.url) on "
                    + "\(session.planning.today.description): the accounts of \(name) that matched no declared person, "
                    + "and its groups. Each is a person now; merge them with the people they are, or remove them."
            ])
        exporter.directoryTarget = name
        exporter.names = names
        exporter.accessGroups = accessGroups
        exporter.writtenUsers = Set(matching.unmatched.compactMap { live.users[$0].id })
        exporter.writtenGroups = Set(newGroups.compactMap(\.id))
        var export = exporter.export(live)
        for warning in export.warnings { console.warn(warning) }
        export.yaml = Secrets.redact(export.yaml)
        let writesFile = !matching.unmatched.isEmpty || !newGroups.isEmpty

        try write(desired, texts, overrides, file: writesFile ? (file, export.yaml) : nil)
        // Round two: whatever a plan would still change on a matched account is what differs there.
        let (merged, _) = try await load()
        if let scope = merged.scopes.first(where: { $0.name == name }) {
            let plan: Plan
            do {
                plan = try Diff(
                    desired: scope.org, live: live, today: session.planning.today, target: info, desiredDigest: ""
                ).plan()
            } catch {
                try session.fail("target \(name): \(error)")
            }
            var byTargetName: [String: Int] = [:]
            for (account, person) in matching.matched { byTargetName[live.users[account].userName.caseFolded] = person }
            var changed = false
            for action in plan.actions where action.type == .user && action.action == .update {
                guard let person = byTargetName[action.key.caseFolded] else { continue }
                let more = DirectoryMerge.overrides(from: action.changes, liveKeys: liveKeys)
                guard !more.isEmpty else { continue }
                overrides[person, default: [:]].merge(more) { $1 }
                changed = true
            }
            if changed { try write(desired, texts, overrides, file: nil, replacing: true) }
        }
        let final = await DesiredStateLoader.loadOffPool(paths: [into], today: session.planning.today)
        if !final.diagnostics.isEmpty {
            var formatter = DiagnosticFormatter(sources: final.sources, colour: console.noteColour)
            console.note(formatter.text(final.diagnostics))
        }
        outcome.file = writesFile ? file.path : nil
        for line in outcome.undecided { console.warn("not merged: \(Printable.escape(line)); declare by hand") }
        console.note(
            "scimctl: imported target \(name) into \(into): \(outcome.matched) matched (access.\(name) added), "
                + "\(outcome.added) added as new people\(outcome.file.map { " (\($0))" } ?? ""), "
                + "\(outcome.alreadyDeclared) already declared, \(outcome.undecided.count) could not be decided; "
                + "\(outcome.groups) group\(outcome.groups == 1 ? "" : "s") added\n")
        guard final.resolved != nil else {
            try session.fail("the merged directory does not validate: fix the problems above")
        }
        if final.state == nil {
            // What the provider holds breaks the directory's rules: worth knowing, not a failed import.
            console.warn("the merged directory breaks its rules (above): plan refuses until they are fixed")
        }
        return outcome
    }

    /// The directory, and the text of each of its files as read.
    private func load() async throws -> (DeclaredOrg, [String: String]) {
        let loaded = await DesiredStateLoader.loadOffPool(paths: [into], today: session.planning.today)
        // Rules' verdicts do not stop a merge: the accounts are what they are (reported at the end).
        guard let state = loaded.resolved else {
            var formatter = DiagnosticFormatter(sources: loaded.sources, colour: session.console.noteColour)
            session.console.note(formatter.text(loaded.diagnostics))
            try session.fail("\(into) does not validate; fix it before importing into it")
        }
        var texts: [String: String] = [:]
        for file in loaded.sources.files {
            texts[file] = String(decoding: loaded.sources.bytes(of: file) ?? [], as: UTF8.self)
        }
        return (state, texts)
    }

    /// A target `targets:` does not name yet: declared from `--url`, `--provider` and `--token-env`, as a
    /// first entry of `targets:`.
    private func declareTarget(in desired: DeclaredOrg, texts: [String: String]) async throws
        -> (DeclaredOrg, [String: String])
    {
        guard let url = session.connection.url else {
            try session.fail(
                "target \(target) is not declared in \(into) (the targets are "
                    + desired.targets.map(\.name.value).joined(separator: ", ") + "): declare it under targets:, or "
                    + "give its --url (with --provider and --token-env) to have it declared")
        }
        guard let first = desired.targets.first, let text = texts[first.name.location.file] else {
            try session.fail("cannot find where targets: is declared")
        }
        var insertions = TextInsertions()
        var entry = "\(DirectoryMerge.scalar(target)): {url: \(DirectoryMerge.scalar(url)), "
        entry += "provider: \(DirectoryMerge.scalar(provider))"
        if !url.hasPrefix("sandbox:") { entry += ", tokenEnv: \(DirectoryMerge.scalar(tokenEnv))" }
        entry += "}"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        insertions.entry(entry, before: first.name.location, in: lines)
        try save(insertions.apply(to: text, file: first.name.location.file), to: first.name.location.file)
        return try await load()
    }

    /// Writes each matched person's `access` entry into their own file (from the texts as first read, so
    /// a second round replaces the first), and the file of new people.
    private func write(
        _ desired: DeclaredOrg, _ texts: [String: String], _ overrides: [Int: [String: JSONValue]],
        file: (url: URL, yaml: String)?, replacing: Bool = false
    ) throws {
        var insertions = TextInsertions()
        for (person, values) in overrides.sorted(by: { $0.key < $1.key }) {
            let user = desired.users[person]
            guard let text = texts[user.location.file] else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let entry = "\(DirectoryMerge.scalar(target)): \(DirectoryMerge.flow(.object(values)))"
            if let first = user.access.first {
                insertions.entry(entry, before: first.target.location, in: lines)
            } else if !insertions.key(
                "access: {\(entry)}", mapping: user.location, userName: user.userName.location, in: lines)
            {
                session.console.warn(
                    "\(Printable.escape(user.userName.value)): write access: {\(entry)} into their entry by hand")
            }
        }
        for (path, text) in texts where insertions.insertions[path] != nil {
            try save(insertions.apply(to: text, file: path), to: path)
        }
        if let file, !replacing {
            do {
                try Data(file.yaml.utf8).write(to: file.url, options: .withoutOverwriting)
            } catch {
                try session.fail("cannot write \(file.url.path): \(error.localizedDescription)")
            }
        }
    }

    private func save(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            try session.fail("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
