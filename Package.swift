// swift-tools-version:6.0
import PackageDescription

// Exclusivity is enforced statically; the dynamic checks on class properties cost a third of
// the CSV parse time, and the engine's mutable classes are confined to one thread each.
let engineSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "kpiq",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kpiq", targets: ["kpiq"]),
        .library(name: "KPIQ", targets: ["KPIQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The engine: storage, CSV, language, execution, session. No terminal I/O.
        .target(name: "KPIQ", dependencies: ["CKPIQSupport"], swiftSettings: engineSettings),
        // CPU hints (prefetch) that Swift cannot spell.
        .target(name: "CKPIQSupport"),
        // libedit, through a small C header that wraps its variadic functions.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        // The client library: rendering, dot commands, line editing, script running.
        .target(
            name: "KPIQShell",
            dependencies: ["KPIQ", "CEditLine"]
        ),
        // The executable: argument parsing, then hands over to KPIQShell.
        .executableTarget(
            name: "kpiq",
            dependencies: [
                "KPIQShell",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmark harness's runner (Benchmarks/KPIQ_PROTOCOL.md): not part of the shell
        // users run, so not a product.
        .executableTarget(name: "kpiq-bench", dependencies: ["KPIQShell", "KPIQ"]),
        .testTarget(name: "KPIQTests", dependencies: ["KPIQ"]),
        .testTarget(name: "KPIQShellTests", dependencies: ["KPIQShell", "KPIQ"]),
    ],
    swiftLanguageModes: [.v6]
)
