public import DesiredState
import Foundation
import PlanFile
import Planner
import Rendering
import SafeText

/// How a plan or a drift report is printed.
public enum PlanFormat: String, CaseIterable, Sendable {
    case text, json, markdown
}

/// How `validate` reports.
public enum DiagnosticsFormat: String, CaseIterable, Sendable {
    /// `state`: the desired state as JSON on stdout (StateJSON), diagnostics as text on stderr.
    case text, github, json, state
}

/// `scimctl plan`: read the live state, print what would change, save it if asked.
public struct PlanUseCase: Sendable {
    public var session: Session
    public var format: PlanFormat
    /// `--out`: also save the plan as JSON.
    public var out: String?
    public var detailedExitcode: Bool

    public init(session: Session, format: PlanFormat, out: String?, detailedExitcode: Bool) {
        self.session = session
        self.format = format
        self.out = out
        self.detailedExitcode = detailedExitcode
    }

    public func run() async throws {
        let console = session.console
        let plans = try await session.plans().map(\.plan)
        let renderer = PlanRenderer(colour: format == .text && console.reportColour)
        switch format {
        case .text: try console.report(renderer.text(plans))
        case .json: try console.report(String(decoding: Plan.jsonData(plans), as: UTF8.self) + "\n")
        case .markdown: try console.report(renderer.markdown(plans))
        }
        console.stepSummary(PlanRenderer().markdown(plans))
        if let out {
            do {
                try Data(Secrets.redact(Array(Plan.jsonData(plans)) + [0x0A])).write(
                    to: URL(fileURLWithPath: out), options: .atomic)
                console.note("saved the plan to \(out)\n")
            } catch {
                throw CommandFailure.error("cannot write \(out): \(error.localizedDescription)")
            }
        }
        if plans.contains(where: \.budget.blocked) { throw CommandFailure.ended(.blocked) }
        if detailedExitcode && plans.contains(where: \.hasChanges) { throw CommandFailure.ended(.changes) }
    }
}

/// `scimctl drift`: the plan read as a report of what changed behind the YAML's back.
public struct DriftUseCase: Sendable {
    public var session: Session
    public var format: PlanFormat

    public init(session: Session, format: PlanFormat) {
        self.session = session
        self.format = format
    }

    public func run() async throws {
        let console = session.console
        let reports = try await session.plans().map { DriftReport(plan: $0.plan) }
        switch format {
        case .text: try console.report(DriftReport.text(reports))
        case .json: try console.report(String(decoding: DriftReport.jsonData(reports), as: UTF8.self) + "\n")
        case .markdown: try console.report(DriftReport.markdown(reports))
        }
        console.stepSummary(DriftReport.markdown(reports))
        if reports.contains(where: \.hasDrift) { throw CommandFailure.ended(.changes) }
    }
}

/// `scimctl show FILE`: a saved plan printed again, offline; a file edited by hand is shown and reported.
public struct ShowUseCase: Sendable {
    public var file: String
    public var format: PlanFormat
    public var console: any Console

    /// Plan files above this are refused unread (100,000 users make about 60 MB).
    public static let maxBytes = 1 << 30

    /// `--target`: the targets of a plan of several to show; empty for all.
    public var targets: [String]

    public init(file: String, format: PlanFormat, console: any Console, targets: [String] = []) {
        self.file = file
        self.format = format
        self.console = console
        self.targets = targets
    }

    public func run() throws {
        let url = URL(fileURLWithPath: file)
        var plans: [Plan]
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            guard size <= Self.maxBytes else {
                throw CommandFailure.error("\(Printable.escape(file)) is over 1 GiB: not a plan file")
            }
            plans = try Plan.decodeFiles(try Data(contentsOf: url))
        } catch let refusal as SavedPlanRefusal {
            throw CommandFailure.error("\(Printable.escape(file)): \(refusal)")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure.error("cannot read \(Printable.escape(file)): \(error.localizedDescription)")
        }
        if !targets.isEmpty {
            let named = plans.compactMap(\.target.name)
            for name in targets where !named.contains(where: { $0.lowercased() == name.lowercased() }) {
                throw CommandFailure.error(
                    "--target \(Printable.escape(name)) is not a target of this plan"
                        + (named.isEmpty
                            ? " (it is the plan of one target)" : "; it holds \(named.joined(separator: ", "))"))
            }
            plans = plans.filter { plan in targets.contains { $0.lowercased() == plan.target.name?.lowercased() } }
        }
        let renderer = PlanRenderer(colour: format == .text && console.reportColour)
        switch format {
        case .text: try console.report(renderer.text(plans))
        case .json: try console.report(String(decoding: Plan.jsonData(plans), as: UTF8.self) + "\n")
        case .markdown: try console.report(renderer.markdown(plans))
        }
        for plan in plans where !plan.digestMatchesActions {
            throw CommandFailure.error(
                "\(Printable.escape(file)) was edited by hand: its destructive digest "
                    + "\(Printable.escape(plan.budget.digest)) is not the digest of its own actions; "
                    + "apply --plan refuses it")
        }
    }
}

/// `scimctl validate`: the desired state checked offline, every problem reported at once.
public struct ValidateUseCase: Sendable {
    public var paths: [String]
    public var format: DiagnosticsFormat
    public var console: any Console
    /// `--now`: the day rules are checked on; nil for today (UTC).
    public var now: CalendarDay?

    public init(paths: [String], format: DiagnosticsFormat, console: any Console, now: CalendarDay? = nil) {
        self.paths = paths
        self.format = format
        self.console = console
        self.now = now
    }

    public func run() async throws {
        let loaded = await DesiredStateLoader.loadOffPool(paths: paths, today: now)
        var formatter = DiagnosticFormatter(sources: loaded.sources, colour: console.noteColour)
        switch format {
        case .text: console.note(formatter.text(loaded.diagnostics))
        case .github: try console.report(formatter.github(loaded.diagnostics))
        case .json: try console.report(formatter.json(loaded.diagnostics))
        case .state:
            console.note(formatter.text(loaded.diagnostics))
            // Printed when only rules are broken, so a policy engine sees the state that broke them.
            if let resolved = loaded.resolved {
                try console.report(
                    String(decoding: StateJSON.jsonData(resolved, day: now ?? .today), as: UTF8.self) + "\n")
            }
        }
        if format != .json { console.note(Self.summary(loaded) + "\n") }
        if loaded.state == nil { throw CommandFailure.ended(.failed) }
    }

    static func summary(_ loaded: LoadedState) -> String {
        let errors = loaded.diagnostics.count { $0.severity == .error }
        let warnings = loaded.diagnostics.count { $0.severity == .warning }
        let found = warnings > 0 ? " (\(plural(warnings, "warning")))" : ""
        guard let state = loaded.state else {
            let broken = Set(loaded.diagnostics.compactMap { $0.severity == .error ? $0.rule : nil })
            let rules = broken.isEmpty ? "" : " (rules broken: \(broken.sorted().joined(separator: ", ")))"
            return
                "invalid: \(plural(errors, "error"))\(warnings > 0 ? ", \(plural(warnings, "warning"))" : "")\(rules)"
        }
        var summary: String
        if state.targets.isEmpty {
            summary =
                "valid: \(plural(state.users.count, "user")) and \(plural(state.groups.count, "group")) "
                + "in \(plural(state.files.count, "file"))\(found)"
        } else {
            let people = state.users.count == 1 ? "1 person" : "\(state.users.count) people"
            let perTarget = state.scopes.map { scope in
                "\(scope.name ?? ""): \(plural(scope.org.users.count, "user")), \(plural(scope.org.groups.count, "group"))"
            }
            summary =
                "valid: \(people) and \(plural(state.groups.count, "group")) in \(plural(state.files.count, "file")), "
                + "in \(plural(state.scopes.count, "target")) (\(perTarget.joined(separator: "; ")))\(found)"
        }
        // What offline cannot know: say so, rather than let "valid" promise it.
        let extensions =
            state.users.reduce(0) { $0 + $1.extensions.count } + state.groups.reduce(0) { $0 + $1.extensions.count }
        if extensions > 0 {
            summary +=
                "\nnote: \(plural(extensions, "custom extension attribute")) checked for shape only; plan checks them "
                + "against the provider's /Schemas (type, plurality, mutability, required)"
        }
        return summary
    }

    private static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
