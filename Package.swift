// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-otp-socket",
    products: [
        .library(name: "OTPSocket", targets: ["OTPSocket"]),
        .library(name: "SocketConstants", targets: ["SocketConstants"]),
        .executable(name: "otp-socket", targets: ["otp-socket"]),
        .executable(name: "socket-gen", targets: ["socket-gen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // Spec model <- generator <- plugin.
        .target(name: "SocketSpec"),
        // A probe's result for one triple; read by the generator and by the generated module.
        .target(name: "SocketSnapshot"),
        .target(name: "CClang", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "SocketGenKit", dependencies: ["SocketSpec", "SocketSnapshot", "CClang"]),
        .executableTarget(name: "socket-gen", dependencies: ["SocketGenKit", "SocketSpec", "SocketSnapshot"]),
        .plugin(name: "SocketGenPlugin", capability: .buildTool(), dependencies: ["socket-gen"]),
        .plugin(
            name: "RegeneratePlugin",
            capability: .command(
                intent: .custom(verb: "regenerate", description: "Probe a triple's C headers into Generated/<triple>.snapshot"),
                permissions: [.writeToPackageDirectory(reason: "writes the probe snapshots in Generated/")]
            ),
            dependencies: ["socket-gen"]
        ),

        // Generated module <- core <- CLI.
        .target(name: "CSocketShims"),
        .target(
            name: "SocketConstants",
            dependencies: ["SocketSnapshot", .product(name: "SystemPackage", package: "swift-system")],
            plugins: ["SocketGenPlugin"]
        ),
        .target(
            name: "OTPSocket",
            dependencies: [
                "SocketConstants", "CSocketShims",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]
        ),
        .executableTarget(
            name: "otp-socket",
            dependencies: [
                "OTPSocket", "SocketConstants", "SocketSnapshot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The workloads of shared/bench/WORKLOADS.md, driven by the library (Benchmarks/run.sh).
        .executableTarget(name: "otp-socket-bench", dependencies: ["OTPSocket"], path: "Benchmarks/Swift"),

        // Fuzz targets (Docs/Reliability.md): the decoders on arbitrary bytes. `.ci/fuzz.sh` builds
        // the driver with libFuzzer; a plain build makes it a tool that replays inputs.
        .target(name: "FuzzTargets", dependencies: ["SocketSpec", "OTPSocket", "SocketConstants"], path: "Fuzz/Targets"),
        .executableTarget(name: "otp-socket-fuzz", dependencies: ["FuzzTargets", "SocketSpec"], path: "Fuzz/Driver"),

        .testTarget(name: "SocketSpecTests", dependencies: ["SocketSpec"]),
        .testTarget(name: "SocketGenKitTests", dependencies: ["SocketGenKit", "SocketSpec", "SocketSnapshot", "SocketConstants"]),
        .testTarget(name: "OTPSocketTests", dependencies: ["OTPSocket", "SocketSpec"]),
        // Replays the committed fuzz inputs (Fuzz/Regressions) and checks the targets' coverage.
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "SocketConstants"]),
        .testTarget(name: "SocketConstantsTests", dependencies: ["SocketConstants", "SocketSnapshot", "SocketSpec", "SocketGenKit"]),
        // Runs the built otp-socket binary; the dependency makes `swift test` build it.
        .testTarget(name: "OTPSocketCLITests", dependencies: ["otp-socket", "SocketConstants"]),
    ],
    swiftLanguageModes: [.v6]
)
