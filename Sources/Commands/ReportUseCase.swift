import DesiredState
import Foundation
import Planner
import Report
import SCIM
import SafeText

/// How `scimctl report` writes the review.
public enum ReportFormat: String, CaseIterable, Sendable {
    case html, csv, markdown, json
}

/// `scimctl report`: the access review of the directory (docs/report.md) — offline from the YAML, or
/// with `--live` (a read-only token) also what each provider holds. Never writes to a provider.
public struct ReportUseCase: Sendable {
    public var session: Session
    public var format: ReportFormat
    /// `--out FILE`; nil prints to stdout.
    public var out: String?
    /// `--within DAYS`: what ends within this many days is listed.
    public var within: Int
    public var live: Bool

    public init(session: Session, format: ReportFormat, out: String?, within: Int = 30, live: Bool = false) {
        self.session = session
        self.format = format
        self.out = out
        self.within = within
        self.live = live
    }

    public func run() async throws {
        let console = session.console
        let today = session.planning.today
        // The review is made whatever the rules say of the directory: they are printed, not enforced.
        let loaded = await DesiredStateLoader.loadOffPool(paths: session.planning.paths, today: today)
        if !loaded.diagnostics.isEmpty {
            var formatter = DiagnosticFormatter(sources: loaded.sources, colour: console.noteColour)
            console.note(formatter.text(loaded.diagnostics))
        }
        guard let desired = loaded.resolved else {
            throw CommandFailure.refused("the desired state is invalid; no report was made", .failed)
        }
        let scopes = try session.select(desired)
        var reads: [(plan: Plan, users: [SCIMUser])]?
        if live {
            let plans = try await session.plans(
                scopes, digest: ContentDigest.desiredState(loaded.sources), extraApprovals: [])
            reads = plans.map { ($0.plan, $0.snapshot.users) }
        }
        let report = AccessReport(desired, day: today, within: within, scopes: scopes, live: reads)
        let text: String
        switch format {
        case .html: text = report.html()
        case .csv: text = report.csv()
        case .markdown: text = report.markdown()
        case .json: text = String(decoding: report.jsonData(), as: UTF8.self) + "\n"
        }
        console.stepSummary(report.markdown())
        guard let out else {
            try console.report(text)
            return
        }
        do {
            try Data(Secrets.redact(Array(text.utf8))).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CommandFailure.error("cannot write \(out): \(error.localizedDescription)")
        }
        console.note(
            "scimctl: wrote the access review of \(report.people.count) people in \(report.targets.count) "
                + "target\(report.targets.count == 1 ? "" : "s") to \(out)\n")
    }
}
