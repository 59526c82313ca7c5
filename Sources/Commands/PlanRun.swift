import Catalog
public import DesiredState
import Foundation
public import Planner
public import SCIM

/// One `plan` from a loaded desired state to a `Plan`: which reads it needs (groups only when the org
/// manages them, `/Schemas` only when it declares extensions), the read, and the diff. The command
/// line connects and renders; everything between is here.
public enum PlanRun {
    /// Why no plan was made.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The YAML declares groups, and the provider has none.
        case noGroups(url: String)
        /// The live state could not be read whole.
        case read(SCIMError)
        /// The YAML and the live state contradict each other.
        case planning(PlanningError)

        public var description: String {
            switch self {
            case .noGroups(let url):
                "the YAML declares groups, but the provider at \(url) has no Groups (its /ResourceTypes lists "
                    + "none); remove the groups, or check the provider's plan"
            case .read(let error): "reading the live state failed, so nothing was planned: \(error)"
            case .planning(let error): "no plan can be made:\n\(error)"
            }
        }
    }

    public struct Planned: Sendable {
        public var plan: Plan
        public var snapshot: LiveSnapshot
        /// What the read could not confirm, for the user to know before applying.
        public var warnings: [String]
    }

    public static func plan(
        _ desired: DeclaredOrg, digest: String, reader: any SCIMReader, target: Plan.TargetInfo, today: CalendarDay,
        extraApprovals: [String] = []
    ) async throws(Failure) -> Planned {
        let groups = Diff.managesGroups(desired)
        if groups && !reader.capabilities.groupsSupported { throw .noGroups(url: target.url) }
        let extensions = Diff.declaresExtensions(desired)
        let snapshot: LiveSnapshot
        do {
            snapshot = try await LiveSnapshot.read(from: reader, includeGroups: groups, includeSchemas: extensions)
        } catch {
            throw .read(error)
        }
        do {
            let plan = try Diff(
                desired: desired, live: snapshot, today: today, target: target, desiredDigest: digest,
                extraApprovals: extraApprovals
            ).plan()
            var warnings: [String] = []
            if extensions && snapshot.schemas == nil {
                warnings.append(
                    "the provider publishes no /Schemas, so the extension attributes were not checked against its "
                        + "schemas before planning")
            }
            if !reader.capabilities.enterpriseExtension,
                desired.users.contains(where: { $0.sections[.enterprise] != nil || $0.manager.isDeclared })
            {
                warnings.append(
                    "the YAML declares enterprise attributes, but the provider's /ResourceTypes does not list the "
                        + "enterprise extension on Users: it may refuse or drop them")
            }
            return Planned(plan: plan, snapshot: snapshot, warnings: warnings)
        } catch {
            throw .planning(error)
        }
    }
}
