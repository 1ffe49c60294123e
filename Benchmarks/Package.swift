// swift-tools-version:6.1
// Micro-benchmarks for Switchboard (ordo-one/benchmark). A separate package, so the benchmark framework
// and its malloc interposer never enter the library's build graph or CI's default path.
// Run from the repository root: `swift package --package-path Benchmarks benchmark` (see README.md here).
import PackageDescription

let benchmarkTargetDependencies: [Target.Dependency] = [
    .product(name: "Benchmark", package: "benchmark"),
    .product(name: "SocketIO", package: "switchboard"),
    .product(name: "EngineIO", package: "switchboard"),
    .product(name: "SwitchboardJSON", package: "switchboard"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOEmbedded", package: "swift-nio"),
    .product(name: "NIOWebSocket", package: "swift-nio"),
]

let package = Package(
    name: "switchboard-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "switchboard", path: ".."),
        // Only the malloc interposer trait: allocation counts, without the Swift 6.3 runtime interposer package.
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: benchmarkTargetDependencies,
            path: "Benchmarks/Codecs",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "BroadcastBenchmarks",
            dependencies: benchmarkTargetDependencies,
            path: "Benchmarks/Broadcast",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
