import ArgumentParser
import Foundation
import Planner
import SafeText

/// `scimctl show plan.json`: a saved plan, printed as `plan` would print it, with no network and no
/// token. What it shows is what the file states; `apply --plan` plans again and checks the file.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a plan saved by 'plan --out' as text, Markdown or JSON (offline).",
        discussion: """
            Shows the file as it states itself: apply --plan never trusts it, and plans again from the YAML
            and a fresh read before it writes anything. A file whose destructive digest is not that of its
            own actions (edited by hand) is shown, and reported.
            Exit codes: 0 shown, 1 unreadable or edited file, 64 usage error.
            """)

    @Argument(help: "The plan file (scimctl plan --out FILE).")
    var file: String

    @Option(help: "text, json (the file's document, normalised) or markdown.")
    var format: PlanFormat = .text

    /// Plan files above this are refused unread (100,000 users make about 60 MB).
    static let maxBytes = 1 << 30

    func run() throws {
        let url = URL(fileURLWithPath: file)
        let plan: Plan
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            guard size <= Self.maxBytes else {
                throw CommandFailure.error("\(Printable.escape(file)) is over 1 GiB: not a plan file")
            }
            plan = try Plan.decodeFile(try Data(contentsOf: url))
        } catch let refusal as SavedPlanRefusal {
            throw CommandFailure.error("\(Printable.escape(file)): \(refusal)")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure.error("cannot read \(Printable.escape(file)): \(error.localizedDescription)")
        }
        let renderer = PlanRenderer(colour: format == .text && Terminal.stdoutWantsColour)
        switch format {
        case .text: try Terminal.standardOutput(renderer.text(plan))
        case .json: try Terminal.standardOutput(String(decoding: plan.jsonData(), as: UTF8.self) + "\n")
        case .markdown: try Terminal.standardOutput(renderer.markdown(plan))
        }
        guard plan.digestMatchesActions else {
            throw CommandFailure.error(
                "\(Printable.escape(file)) was edited by hand: its destructive digest "
                    + "\(Printable.escape(plan.budget.digest)) is not the digest of its own actions; "
                    + "apply --plan refuses it")
        }
    }
}
