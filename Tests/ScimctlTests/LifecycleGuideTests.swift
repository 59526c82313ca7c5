import Catalog
import Foundation
import ScimctlTestSupport
import Testing

/// docs/lifecycle.md is the real output of scripts/lifecycle-guide: running it again against this
/// build must give the same page, so the guide cannot drift from what scimctl prints.
@Suite("The Qase lifecycle guide", .timeLimit(.minutes(10)))
struct LifecycleGuideTests {
    @Test("scripts/lifecycle-guide --check: every command and output in docs/lifecycle.md is what this scimctl does")
    func guideIsCurrent() async throws {
        let script = PackagePaths.root.appendingPathComponent("scripts/lifecycle-guide")
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", script.path, "--check", "--scimctl", try ProcessRunner.scimctl.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let guide = try String(
            contentsOf: PackagePaths.root.appendingPathComponent("docs/lifecycle.md"), encoding: .utf8)
        for heading in [
            "## 1. Adopt the existing workspace", "## 2. Onboarding", "## 3. Role moves", "## 4. Renames",
            "## 5. Contractors", "## 6. Offboarding", "## 7. A blocked plan, and approving it",
            "## 8. A partly failed apply", "## 9. Rotating the token",
        ] {
            #expect(guide.contains(heading))
        }
        #expect(guide.contains("FAILED  + User"))
        #expect(guide.contains("BLOCKED: this plan takes access away from 3"))
        #expect(!guide.contains("qase-rehearsal-token"))
    }
}
