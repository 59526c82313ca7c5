// swift-tools-version: 6.1
import PackageDescription

/// The benchmarks, a package of their own: `swift build` and `swift test` at the root build none of
/// them (nor package-benchmark and its dependencies). scripts/bench-stages, scripts/bench-plan and
/// scripts/bench build and run them.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "scimctl-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "scimctl", path: ".."),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        // In-process benchmarks of the plan's stages with their allocations (scripts/bench-stages).
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // scripts/bench's floor: scimctl's requests replayed by the same HTTP stack, with no processing.
        .executableTarget(
            name: "bench-floor",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "bench-floor", swiftSettings: swiftSettings),
        // The stages of one plan, in process (scripts/bench-stages; scripts/bench-plan runs the diff at scale).
        .executableTarget(
            name: "PlanStages",
            dependencies: [
                .product(name: "ScimctlBenchmarked", package: "scimctl"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "PlanStages", swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
    ]
)
