// swift-tools-version: 6.1
import PackageDescription

/// One set of compiler settings for every target, so the whole package is held to the same rules.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The built-in provider profiles, embedded in the binary (no bundle to ship beside it).
enum Profiles {
    static let names = ["generic", "qase", "aws", "entra", "github", "slack", "atlassian"]
    static let embedded: [Resource] = names.map { .embedInCode("Profiles/\($0).yaml") }
}

let package = Package(
    name: "scimctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scimctl", targets: ["scimctl"]),
        // The modules the benchmarks (Benchmarks/, a package of their own so that neither their tools nor
        // their dependencies are built with the tests) measure; not a supported API.
        .library(
            name: "ScimctlBenchmarked",
            targets: ["Catalog", "Commands", "DesiredState", "Planner", "Rendering", "SCIM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        // The access report's HTML (`scimctl report --format html`): a typed DSL that escapes every value.
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        // Property-based tests (test only): generated orgs and live states, seeds reported, shrinking.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // libyaml, the C YAML parser, from the system (Debian: libyaml-dev).
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        // The commit and build time of a release binary (scripts/build-release sets them; C, because
        // SwiftPM passes string definitions to C targets only).
        .target(name: "CBuildInfo"),
        // Redaction of secrets and escaping of control characters: the last gate before any output.
        .target(name: "SafeText", swiftSettings: swiftSettings),
        // A thin reader over libyaml's event API that builds position-marked nodes.
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: swiftSettings),
        // The attribute table and the provider profile type: what every other module knows of SCIM
        // attributes and of providers, in one place.
        .target(name: "Catalog", swiftSettings: swiftSettings),
        // Who is who: names folded as a person reads them, live objects by name, which duplicate stays.
        // One implementation for the planner, the applier and the sandbox.
        .target(name: "Identity", swiftSettings: swiftSettings),
        // YAML files → the validated desired-state model, with located diagnostics; provider profiles
        // (the built-in ones embedded from Profiles/*.yaml).
        .target(
            name: "DesiredState", dependencies: ["Catalog", "Identity", "YAML", "SafeText"],
            resources: Profiles.embedded, swiftSettings: swiftSettings),
        // The SCIM wire model and client, behind the HTTPTransport, SCIMReader and SCIMWriter protocols.
        .target(
            name: "SCIM", dependencies: ["Catalog", "SafeText", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // The transport scimctl reaches providers through: AsyncHTTPClient (kept out of the SCIM module).
        .target(
            name: "SCIMTransport",
            dependencies: [
                "SCIM", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings),
        // SCIM filters parsed and evaluated (the sandbox's, and the filter fuzz target's reference).
        .target(name: "SCIMFilter", dependencies: ["Identity", "SCIM"], swiftSettings: swiftSettings),
        // The embedded SCIM provider (sandbox:PATH), persisted in SQLite.
        .target(
            name: "Sandbox",
            dependencies: ["Catalog", "Identity", "SCIM", "SCIMFilter", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        // `scimctl serve`: the sandbox over HTTP, with fault injection (Hummingbird stays out of the rest).
        .target(
            name: "SandboxServer",
            dependencies: [
                "Sandbox", "SCIM", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        // Live snapshot + desired state → a Plan value; renderings of it.
        .target(
            name: "Planner",
            dependencies: [
                "Catalog", "DesiredState", "Identity", "SCIM", "SafeText",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        // The plan, drift, budget and ledger in words (text and Markdown): the only place a reason is worded.
        .target(
            name: "Rendering", dependencies: ["Applier", "DesiredState", "Planner", "SCIM", "SafeText"],
            swiftSettings: swiftSettings),
        // The plan file: the JSON plan and drift report, and a saved plan read back for apply --plan.
        .target(
            name: "PlanFile", dependencies: ["DesiredState", "Identity", "Planner", "Rendering", "SCIM"],
            swiftSettings: swiftSettings),
        // The YAML writer: a live snapshot as desired-state YAML, for import.
        .target(
            name: "OrgExport", dependencies: ["Catalog", "DesiredState", "Identity", "Planner", "SCIM", "SafeText"],
            swiftSettings: swiftSettings),
        // Executes a Plan through a SCIMWriter: phases, bounded concurrency, faults, ledger.
        .target(
            name: "Applier", dependencies: ["Catalog", "Identity", "Planner", "SCIM", "DesiredState"],
            swiftSettings: swiftSettings),
        // The use cases, one per command: target, credential and profile resolution, the saved-plan check
        // order, import's checks, error advice, and the one failure type; unit-tested without the binary.
        .target(
            name: "Commands",
            dependencies: [
                "Applier", "Catalog", "CBuildInfo", "DesiredState", "Identity", "OrgExport", "Planner", "PlanFile",
                "Rendering", "Report", "SafeText", "SCIM", "SCIMTransport", "Sandbox", "SandboxServer",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The access review (`scimctl report`): who has access to what, per target — HTML, CSV, Markdown
        // and JSON, from the declared directory and, with --live, the providers' accounts.
        .target(
            name: "Report",
            dependencies: [
                "Catalog", "DesiredState", "Identity", "Planner", "SCIM", "SafeText",
                .product(name: "Plot", package: "Plot"),
            ],
            swiftSettings: swiftSettings),
        // The command line: argument parsing, and a call into Commands.
        .executableTarget(
            name: "scimctl",
            dependencies: [
                "Commands", "DesiredState", "SCIM", "SandboxServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzzing (scripts/fuzz): what each target checks of an input, and one libFuzzer executable per
        // target (a corpus replayer when built without -DFUZZING).
        .target(
            name: "FuzzChecks", dependencies: ["DesiredState", "SCIM", "SCIMFilter"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-yaml", dependencies: ["FuzzChecks"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-scim", dependencies: ["FuzzChecks"], swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-filter", dependencies: ["FuzzChecks"], swiftSettings: swiftSettings),
        // Helpers shared by the test targets: fixture paths, running the built binary.
        .target(
            name: "ScimctlTestSupport", dependencies: ["Catalog", "Identity", "SCIM"], swiftSettings: swiftSettings),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: swiftSettings),
        .testTarget(name: "IdentityTests", dependencies: ["Identity"], swiftSettings: swiftSettings),
        .testTarget(name: "SafeTextTests", dependencies: ["SafeText"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FuzzTests", dependencies: ["FuzzChecks", "ScimctlTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SCIMTests",
            dependencies: [
                "Catalog", "DesiredState",
                "SCIM", "SCIMTransport", "SafeText", "ScimctlTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DesiredStateTests",
            dependencies: ["Catalog", "DesiredState", "YAML", "SafeText", "ScimctlTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlannerTests",
            dependencies: [
                "Catalog", "DesiredState", "OrgExport", "Planner", "PlanFile", "Rendering", "SCIM",
                "ScimctlTestSupport",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SandboxTests",
            dependencies: ["Catalog", "DesiredState", "Identity", "Sandbox", "SCIM", "ScimctlTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ApplierTests",
            dependencies: [
                "Catalog", "Applier", "Identity", "Planner", "DesiredState", "SCIM", "Sandbox", "ScimctlTestSupport",
                "Commands", "OrgExport", "PlanFile", "Rendering",
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PropertyTests",
            dependencies: [
                "Catalog", "Identity",
                "Applier", "Planner", "DesiredState", "SCIM", "Sandbox", "ScimctlTestSupport",
                "Commands", "PlanFile", "Rendering",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CommandsTests",
            dependencies: [
                "Applier", "Commands", "DesiredState", "Planner", "Report", "SCIM", "ScimctlTestSupport",
                .product(name: "Plot", package: "Plot"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ScimctlTests",
            dependencies: [
                "Catalog", "Commands", "DesiredState", "Planner", "scimctl", "SCIM", "SCIMTransport",
                "ScimctlTestSupport", "PlanFile", "Rendering",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
