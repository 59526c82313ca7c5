import DesiredState
public import Foundation
import Identity
public import Planner
import Rendering

/// A plan file (`plan --out`) read back for `apply --plan`. It is a claim, not an authority: apply makes
/// a fresh plan from the YAML and a fresh read, and goes on only when that plan's actions equal the saved
/// ones. Budget, cap, approvals and protection always come from the YAML and the flags of the run that
/// applies; nothing safety-relevant is read from the file.
public struct SavedPlan: Sendable {
    public var target: Plan.TargetInfo
    /// `sha256:` of the YAML the plan was made from.
    public var desiredDigest: String
    public var actions: [PlannedAction]
    /// The destructive digest the file states: checked against its own actions, as a sign of editing.
    public var statedDigest: String

    /// Reads a plan file; a file that is not one gets a plain message naming what is wrong and where.
    public static func decode(_ data: Data) throws(SavedPlanRefusal) -> SavedPlan {
        try decodePlanFile(SavedPlanDocument.self, data).plan
    }

    /// Reads a plan file of one target or of several (`targets`), each entry a saved plan.
    public static func decodeAll(_ data: Data) throws(SavedPlanRefusal) -> [SavedPlan] {
        if let plans = try decodePlanFile(DirectoryDocument<SavedPlanDocument>.self, data).plans {
            guard !plans.isEmpty else { throw .unreadable("'targets' is empty") }
            return plans.map(\.plan)
        }
        return [try decode(data)]
    }

    /// Decodes a plan file as `type`; what is not one is refused with a plain message naming what is
    /// wrong and where (for `apply --plan` and `show` alike).
    static func decodePlanFile<Document: Decodable>(_ type: Document.Type, _ data: Data) throws(SavedPlanRefusal)
        -> Document
    {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as SavedPlanRefusal {
            throw error
        } catch let error as DecodingError {
            throw .unreadable(describe(error))
        } catch {
            throw .unreadable("it is not JSON")
        }
    }

    /// Refuses unless `fresh` — planned now, from the YAML whose digest is `desiredDigest` — is the plan
    /// this file holds.
    public func check(_ fresh: Plan) throws(SavedPlanRefusal) {
        guard fresh.desiredDigest == desiredDigest else { throw .yamlChanged }
        guard fresh.target.url == target.url, fresh.target.provider == target.provider,
            fresh.target.name == target.name
        else {
            throw .otherTarget(
                saved: "\(target.url) (\(target.provider))", now: "\(fresh.target.url) (\(fresh.target.provider))")
        }
        if fresh.actions.map(Self.canonical) != actions.map(Self.canonical) {
            throw .stale(Self.differences(saved: actions, fresh: fresh.actions))
        }
        guard statedDigest == DestructiveBudget.digest(of: actions) else {
            throw .edited("its destructive digest \(statedDigest) is not the digest of its own actions")
        }
    }

    /// The objects whose planned action differs, by userName or displayName.
    static func differences(saved: [PlannedAction], fresh: [PlannedAction]) -> [String] {
        func index(_ actions: [PlannedAction]) -> [String: [PlannedAction]] {
            Dictionary(grouping: actions) { "\($0.type.rawValue) \($0.key.caseFolded)" }
        }
        let (before, now) = (index(saved), index(fresh))
        var names: [String] = []
        for key in Set(before.keys).union(now.keys).sorted() {
            let (old, new) = (before[key] ?? [], now[key] ?? [])
            guard old.map(canonical) != new.map(canonical) else { continue }
            let action = (new.first ?? old.first)!
            let what =
                old.isEmpty ? "newly planned" : new.isEmpty ? "no longer planned" : "planned differently"
            names.append("\(action.type.rawValue) '\(action.key)' (\(what))")
        }
        return names
    }

    /// An action as the plan file writes it, without the words: what two actions are compared by, so
    /// that a value and its JSON form (an absent `new` and a `null` one) compare equal, and a reason is
    /// compared as data (`why`), never as its wording.
    static func canonical(_ action: PlannedAction) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(action)) ?? Data()
    }

    private static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            context = c
        @unknown default:
            return "it is unreadable"
        }
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        let what: String
        if case .keyNotFound(let key, _) = error {
            what = "'\(key.stringValue)' is missing"
        } else if case .typeMismatch = error {
            what = "a value has the wrong type"
        } else {
            what = context.debugDescription
        }
        return path.isEmpty ? what : "\(what) (at \(path))"
    }
}

/// Why a saved plan is not applied; nothing was written.
public enum SavedPlanRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(String)
    case unsupportedVersion(String)
    case yamlChanged
    case otherTarget(saved: String, now: String)
    case stale([String])
    case edited(String)

    public var description: String {
        switch self {
        case .unreadable(let what):
            "this is not a scimctl plan (make one with scimctl plan --out): \(what)"
        case .unsupportedVersion(let version):
            "plan format \(version) is not supported; this scimctl reads format \(Plan.formatVersion)"
        case .yamlChanged:
            "the YAML changed since this plan was made: run scimctl plan --out again and review the new plan"
        case .otherTarget(let saved, let now):
            "the plan was made for \(saved), but this run targets \(now)"
        case .stale(let objects):
            "the plan is stale: the provider changed since it was made, and planning again gives other actions for "
                + "\(objects.count) object\(objects.count == 1 ? "" : "s"): "
                + objects.prefix(20).joined(separator: ", ") + (objects.count > 20 ? ", …" : "")
                + ". Run scimctl plan again"
        case .edited(let what):
            "the plan file was edited by hand: \(what)"
        }
    }
}

/// The JSON of a plan file, as far as `apply --plan` reads it.
struct SavedPlanDocument: Decodable {
    var plan: SavedPlan

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Plan.Keys.self)
        let version = try container.decode(String.self, forKey: .formatVersion)
        guard version == Plan.formatVersion else { throw SavedPlanRefusal.unsupportedVersion(version) }
        let summary = try container.nestedContainer(keyedBy: Plan.SummaryKeys.self, forKey: .summary)
        plan = SavedPlan(
            target: try container.decode(Plan.TargetInfo.self, forKey: .target),
            desiredDigest: try container.decode(String.self, forKey: .desiredDigest),
            actions: try container.decode([PlannedAction].self, forKey: .actions),
            statedDigest: try summary.decode(String.self, forKey: .digest))
    }
}
