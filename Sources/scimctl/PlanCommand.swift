import ArgumentParser
import Foundation
import Planner
import SafeText

/// How a plan is printed.
enum PlanFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, markdown
}

/// `scimctl plan`: read the live state, print what would change.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Read the live state and show what apply would change.",
        discussion: """
            Exit codes: 0 success (no changes, or changes without --detailed-exitcode), 2 changes pending
            (with --detailed-exitcode), 3 blocked by the destructive cap, 1 error, 64 usage error.
            """
    )

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "text (Terraform-like), json (one document), or markdown (a pull-request comment).")
    var format: PlanFormat = .text

    @Option(help: "Also save the plan, with the digests apply --plan checks, as JSON to this file.")
    var out: String?

    @Flag(help: "Exit 2 when there are changes.")
    var detailedExitcode = false

    func run() async throws {
        let session = Session(planning: planning, connection: connection)
        let (plan, _, _) = try await session.plan()
        let renderer = PlanRenderer(colour: format == .text && Terminal.stdoutWantsColour)
        switch format {
        case .text: try Terminal.standardOutput(renderer.text(plan))
        case .json: try Terminal.standardOutput(String(decoding: plan.jsonData(), as: UTF8.self) + "\n")
        case .markdown: try Terminal.standardOutput(renderer.markdown(plan))
        }
        Terminal.appendStepSummary(PlanRenderer().markdown(plan))
        if let out {
            do {
                try Data(Secrets.redact(Array(plan.jsonData()) + [0x0A])).write(
                    to: URL(fileURLWithPath: out), options: .atomic)
                Terminal.standardError("saved the plan to \(out)\n")
            } catch {
                throw CommandFailure.error("cannot write \(out): \(error.localizedDescription)")
            }
        }
        if plan.budget.blocked { throw CommandFailure.ended(.blocked) }
        if detailedExitcode && plan.hasChanges { throw CommandFailure.ended(.changes) }
    }
}

/// `scimctl drift`: the plan, as a report of what changed on the provider behind the YAML's back.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Report out-of-band changes (for schedules): exit 0 in sync, 2 drift, 1 error.",
        discussion: "Separates changes to managed objects from unmanaged objects that appeared."
    )

    @OptionGroup var planning: PlanningOptions
    @OptionGroup var connection: ConnectionOptions

    @Option(help: "text, json or markdown.")
    var format: PlanFormat = .text

    func run() async throws {
        let session = Session(planning: planning, connection: connection)
        let (plan, _, _) = try await session.plan()
        let report = DriftReport(plan: plan)
        switch format {
        case .text: try Terminal.standardOutput(report.text())
        case .json: try Terminal.standardOutput(String(decoding: report.jsonData(), as: UTF8.self) + "\n")
        case .markdown: try Terminal.standardOutput(report.markdown())
        }
        Terminal.appendStepSummary(report.markdown())
        if report.hasDrift { throw CommandFailure.ended(.changes) }
    }
}
